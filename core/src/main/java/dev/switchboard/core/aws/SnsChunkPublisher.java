package dev.switchboard.core.aws;

import dev.switchboard.core.ChunkPublisher;
import dev.switchboard.protocol.FanOutChunk;
import dev.switchboard.protocol.ShardChunk;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;
import software.amazon.awssdk.services.sns.model.PublishBatchRequestEntry;
import software.amazon.awssdk.services.sns.model.PublishBatchResponse;

/**
 * Publishes fan-out chunks to the internal fan-out topic BroadcastHandler is subscribed to. The SNS
 * client is built on the first chunk (or by SnapStart priming), not with the function: most sends
 * go to rooms smaller than a chunk, and building an SDK client is a large part of a cold start.
 */
public final class SnsChunkPublisher implements ChunkPublisher {

    /** SNS PublishBatch takes at most 10 entries... */
    static final int BATCH = 10;
    /**
     * ...of at most 256 KiB together, each entry's body and attributes counted: SNS refuses a larger
     * batch whole with BatchRequestTooLong (https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html).
     */
    static final int BATCH_BYTES = 262_144;

    private final Supplier<SnsClient> newClient;
    private final String topicArn;
    private volatile SnsClient sns;

    /**
     * @param newClient builds the SNS client, called once, on first use
     * @param topicArn the internal fan-out topic ({@code SWITCHBOARD_FANOUT_TOPIC_ARN})
     */
    public SnsChunkPublisher(Supplier<SnsClient> newClient, String topicArn) {
        this.newClient = newClient;
        this.topicArn = topicArn;
    }

    @Override
    public void publish(FanOutChunk chunk) {
        client().publish(r -> r.topicArn(topicArn).message(chunk.toJson()).messageAttributes(kind(FanOutChunk.KIND)));
    }

    @Override
    public void publishShards(List<ShardChunk> shards) {
        int failed = 0;
        String firstError = null;
        for (List<PublishBatchRequestEntry> entries : batches(shards)) {
            PublishBatchResponse response =
                    client().publishBatch(r -> r.topicArn(topicArn).publishBatchRequestEntries(entries));
            if (response.hasFailed() && !response.failed().isEmpty()) {
                failed += response.failed().size();
                if (firstError == null) {
                    firstError = response.failed().get(0).code() + ": "
                            + response.failed().get(0).message();
                }
            }
        }
        if (failed > 0) {
            // The caller's invocation fails and is retried: shards already published go out again, and
            // recipients drop the repeated frame by its id.
            throw new IllegalStateException(failed + " of " + shards.size() + " shard chunks were refused by SNS ("
                    + firstError + "); the invocation fails so that it is retried");
        }
    }

    /** The shards as PublishBatch requests, in order: each of at most {@link #BATCH} entries and {@link #BATCH_BYTES}. */
    static List<List<PublishBatchRequestEntry>> batches(List<ShardChunk> shards) {
        List<List<PublishBatchRequestEntry>> batches = new ArrayList<>();
        List<PublishBatchRequestEntry> batch = new ArrayList<>();
        long bytes = 0;
        for (ShardChunk shard : shards) {
            PublishBatchRequestEntry entry = PublishBatchRequestEntry.builder()
                    .id("shard-" + shard.shard())
                    .message(shard.toJson())
                    .messageAttributes(kind(ShardChunk.KIND))
                    .build();
            long size = size(entry);
            if (!batch.isEmpty() && (batch.size() == BATCH || bytes + size > BATCH_BYTES)) {
                batches.add(batch);
                batch = new ArrayList<>();
                bytes = 0;
            }
            batch.add(entry);
            bytes += size;
        }
        if (!batch.isEmpty()) {
            batches.add(batch);
        }
        return batches;
    }

    /** What SNS counts of an entry: its body and each attribute's name, type and value, in UTF-8 bytes. */
    private static long size(PublishBatchRequestEntry entry) {
        long bytes = utf8(entry.message());
        for (Map.Entry<String, MessageAttributeValue> a :
                entry.messageAttributes().entrySet()) {
            bytes += utf8(a.getKey())
                    + utf8(a.getValue().dataType())
                    + utf8(a.getValue().stringValue());
        }
        return bytes;
    }

    private static long utf8(String s) {
        return s == null ? 0 : s.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
    }

    private static Map<String, MessageAttributeValue> kind(String kind) {
        return Map.of(
                FanOutChunk.KIND_ATTRIBUTE,
                MessageAttributeValue.builder()
                        .dataType("String")
                        .stringValue(kind)
                        .build());
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
