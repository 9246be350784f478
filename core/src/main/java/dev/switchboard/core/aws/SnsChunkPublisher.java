package dev.switchboard.core.aws;

import java.util.Map;
import java.util.function.Supplier;

import dev.switchboard.core.ChunkPublisher;
import dev.switchboard.core.protocol.Json;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;

/**
 * Publishes fan-out chunks to the topic BroadcastHandler is subscribed to. The SNS client is built
 * on the first chunk (or by SnapStart priming), not with the function: most sends go to rooms
 * smaller than a chunk, and building an SDK client is a large part of a cold start.
 */
public final class SnsChunkPublisher implements ChunkPublisher {

    private final Supplier<SnsClient> newClient;
    private final String topicArn;
    private volatile SnsClient sns;

    public SnsChunkPublisher(Supplier<SnsClient> newClient, String topicArn) {
        this.newClient = newClient;
        this.topicArn = topicArn;
    }

    @Override
    public void publish(FanOutChunk chunk) {
        client().publish(r -> r.topicArn(topicArn).message(Json.GSON.toJson(chunk)).messageAttributes(Map.of(KIND_ATTRIBUTE,
                MessageAttributeValue.builder().dataType("String").stringValue(KIND_CHUNK).build())));
    }

    /** Builds the client now (SnapStart priming), so restored instances have it. */
    public void prime() {
        client();
    }

    private SnsClient client() {
        SnsClient client = sns;
        if (client == null) {
            synchronized (this) {
                if (sns == null) {
                    sns = newClient.get();
                }
                client = sns;
            }
        }
        return client;
    }
}
