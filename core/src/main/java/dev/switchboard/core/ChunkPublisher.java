package dev.switchboard.core;

import java.util.List;

/**
 * Hands part of a large fan-out to another function instance (SNS → BroadcastHandler on AWS), so
 * a room of thousands, or everyone, is delivered by many instances in parallel instead of one
 * looping. Chunks travel on the internal fan-out topic only ({@link Config#FANOUT_TOPIC_ARN}):
 * a chunk makes any frame reach any connection, so it must never come from outside.
 */
public interface ChunkPublisher {

    /** SNS message attribute that says which kind of chunk a message is. */
    String KIND_ATTRIBUTE = "switchboard.kind";
    /** {@link FanOutChunk}: a frame and the connection ids to post it to. */
    String KIND_CHUNK = "fanout-chunk";
    /** {@link ShardChunk}: a frame for every connection of one shard of the byShard index. */
    String KIND_SHARD = "fanout-shard";

    /** Publishes one chunk; throws (the SDK's exception) when SNS refuses it. */
    void publish(FanOutChunk chunk);

    /**
     * Publishes one message per shard (in batches of 10, SNS's PublishBatch limit); throws when SNS
     * refuses any of them, naming how many.
     */
    void publishShards(List<ShardChunk> shards);

    /** The SNS message body of a chunk: the frame, encoded once, and who gets it. */
    record FanOutChunk(List<String> connectionIds, String frame) {
    }

    /** The SNS message body of a shard chunk: the frame, and the shard (0 .. allShards-1) whose connections get it. */
    record ShardChunk(int shard, String frame) {
    }
}
