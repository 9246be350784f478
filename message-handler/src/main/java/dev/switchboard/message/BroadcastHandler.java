package dev.switchboard.message;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SNSEvent;
import dev.switchboard.core.ChatService;
import dev.switchboard.core.aws.LambdaInvocation;
import dev.switchboard.core.aws.Switchboard;
import dev.switchboard.core.fanout.Deadline;
import dev.switchboard.core.fanout.FanOutResult;
import dev.switchboard.core.metrics.InvocationMetrics;
import dev.switchboard.core.metrics.Metric;
import dev.switchboard.protocol.FanOutChunk;
import dev.switchboard.protocol.Notification;
import dev.switchboard.protocol.ShardChunk;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SNS: notifications other systems publish to the public topic
 * ({@code {"target":...,"title":...,"body":...}}), and the chunks of large fan-outs
 * ({@code switchboard.kind = fanout-chunk | fanout-shard}) from the internal fan-out topic only
 * ({@code SWITCHBOARD_FANOUT_TOPIC_ARN}, which only Switchboard's functions may publish to). A chunk
 * on any other topic is refused: whoever may publish notifications must not be able to post any
 * frame to any connection. A malformed notification is logged and dropped: SNS retrying it would
 * not make it valid.
 */
public final class BroadcastHandler implements RequestHandler<SNSEvent, Void> {

    private static final Logger LOG = LoggerFactory.getLogger(BroadcastHandler.class);

    private final ChatService chat;
    private final Optional<String> fanoutTopicArn;
    private final InvocationMetrics metrics;

    /** The Lambda runtime's constructor: configuration from the process environment. */
    public BroadcastHandler() {
        this(new Switchboard(System.getenv()));
    }

    private BroadcastHandler(Switchboard switchboard) {
        this(switchboard.chat(), switchboard.config().fanoutTopicArn(), switchboard.metrics());
    }

    BroadcastHandler(ChatService chat, Optional<String> fanoutTopicArn) {
        this(chat, fanoutTopicArn, InvocationMetrics.discarding());
    }

    BroadcastHandler(ChatService chat, Optional<String> fanoutTopicArn, InvocationMetrics metrics) {
        this.chat = chat;
        this.fanoutTopicArn = fanoutTopicArn;
        this.metrics = metrics;
    }

    @Override
    public Void handleRequest(SNSEvent event, Context context) {
        return LambdaInvocation.run(context, metrics, null, deadline -> {
            handle(event, deadline);
            return null;
        });
    }

    /**
     * Posts are retried only while this invocation has time left (60 s in template.yaml, {@code until}); what is
     * unanswered at the deadline counts as failed, so the invocation ends by itself, not by its timeout.
     */
    private void handle(SNSEvent event, Deadline until) {
        for (SNSEvent.SNSRecord record : event.getRecords()) {
            SNSEvent.SNS sns = record.getSNS();
            SNSEvent.MessageAttribute kind = sns.getMessageAttributes() == null
                    ? null
                    : sns.getMessageAttributes().get(FanOutChunk.KIND_ATTRIBUTE);
            boolean internal =
                    fanoutTopicArn.isPresent() && fanoutTopicArn.get().equals(sns.getTopicArn());
            FanOutResult result;
            if (internal) {
                // Only our functions publish here: a message that is no chunk is a bug, and failing sends it
                // (after Lambda's retries) to the dead-letter queue, where it can be looked at.
                String kindValue = kind == null ? null : kind.getValue();
                if (FanOutChunk.KIND.equals(kindValue)) {
                    FanOutChunk chunk = FanOutChunk.fromJson(sns.getMessage());
                    result = chat.within(until, () -> chat.deliverChunk(chunk));
                } else if (ShardChunk.KIND.equals(kindValue)) {
                    ShardChunk shard = ShardChunk.fromJson(sns.getMessage());
                    result = chat.within(until, () -> chat.deliverShard(shard));
                } else {
                    throw new IllegalArgumentException(
                            "SNS message " + sns.getMessageId() + " on the fan-out topic has "
                                    + FanOutChunk.KIND_ATTRIBUTE + "=" + kindValue + "; only " + FanOutChunk.KIND
                                    + " and " + ShardChunk.KIND
                                    + " are published there (by the Message and Broadcast functions)");
                }
            } else if (kind != null) {
                LOG.warn(
                        "refused SNS message {} from {}: {} is accepted only on the internal fan-out topic; publish "
                                + "notifications as {\"target\":...,\"title\":...} without that attribute",
                        sns.getMessageId(),
                        sns.getTopicArn(),
                        FanOutChunk.KIND_ATTRIBUTE);
                continue;
            } else {
                Notification notification;
                try {
                    notification = Notification.parse(sns.getMessage());
                } catch (IllegalArgumentException e) {
                    LOG.error("dropped SNS message {}: {}", sns.getMessageId(), e.getMessage());
                    metrics.count(Metric.NOTIFICATIONS_DROPPED);
                    continue;
                }
                // The SNS publish time, the same on every redelivery (the runtime maps it to joda-time).
                long publishedAt =
                        sns.getTimestamp() != null ? sns.getTimestamp().getMillis() : System.currentTimeMillis();
                result = chat.within(until, () -> chat.notify(notification, sns.getMessageId(), publishedAt));
            }
            LOG.info(
                    "sns {} delivered={} gone={} failed={}",
                    sns.getMessageId(),
                    result.delivered(),
                    result.gone(),
                    result.failed());
            if (result.failed() > 0) {
                // Failing the invocation makes Lambda retry it (twice, as an asynchronous invocation) and then
                // hand the event to the function's on-failure destination, the dead-letter queue in template.yaml.
                // The retry posts the same frame again: recipients that already have its id drop it.
                throw new DeliveryFailedException("SNS message " + sns.getMessageId() + ": " + result.failed() + " of "
                        + result.audience() + " recipients failed after retries; Lambda retries the event, then puts it"
                        + " in the dead-letter queue (see docs/DEPLOY.md to redrive it)");
            }
        }
    }

    /** Some recipients of a notification or chunk could not be posted to, even after the fan-out's own retries. */
    static final class DeliveryFailedException extends RuntimeException {
        DeliveryFailedException(String message) {
            super(message);
        }
    }
}
