package dev.switchboard.local.testhandlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SNSEvent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/** SNS subscriber: fails the first delivery of a message whose subject is "fail-once", records the rest. */
public final class TestNotifyHandler implements RequestHandler<SNSEvent, Void> {
    private static final AtomicInteger FAILURES = new AtomicInteger();

    @Override
    public Void handleRequest(SNSEvent event, Context context) {
        SNSEvent.SNS sns = event.getRecords().get(0).getSNS();
        if ("fail-once".equals(sns.getSubject()) && FAILURES.getAndIncrement() == 0) {
            throw new IllegalStateException("first delivery fails (expected by the test)");
        }
        Map<String, Object> seen = new LinkedHashMap<>();
        seen.put("type", sns.getType());
        seen.put("messageId", sns.getMessageId());
        seen.put("topicArn", sns.getTopicArn());
        seen.put("subject", sns.getSubject());
        seen.put("message", sns.getMessage());
        seen.put("timestamp", String.valueOf(sns.getTimestamp()));
        Map<String, String> attributes = new LinkedHashMap<>();
        sns.getMessageAttributes().forEach((k, v) -> attributes.put(k, v.getType() + ":" + v.getValue()));
        seen.put("attributes", attributes);
        Recorder.record("sns", seen);
        return null;
    }
}
