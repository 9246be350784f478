package dev.switchboard.core.aws;

import java.util.Map;

import dev.switchboard.core.ChunkPublisher;
import dev.switchboard.core.protocol.Json;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;

/** Publishes fan-out chunks to the topic BroadcastHandler is subscribed to. */
public final class SnsChunkPublisher implements ChunkPublisher {

    private static final Map<String, MessageAttributeValue> ATTRIBUTES = Map.of(KIND_ATTRIBUTE,
            MessageAttributeValue.builder().dataType("String").stringValue(KIND_CHUNK).build());

    private final SnsClient sns;
    private final String topicArn;

    public SnsChunkPublisher(SnsClient sns, String topicArn) {
        this.sns = sns;
        this.topicArn = topicArn;
    }

    @Override
    public void publish(FanOutChunk chunk) {
        sns.publish(r -> r.topicArn(topicArn).message(Json.GSON.toJson(chunk)).messageAttributes(ATTRIBUTES));
    }
}
