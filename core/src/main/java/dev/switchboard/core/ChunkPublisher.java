package dev.switchboard.core;

import java.util.List;

/**
 * Hands part of a large fan-out to another function instance (SNS → BroadcastHandler on AWS), so
 * a room of thousands is delivered by many instances in parallel instead of one looping.
 */
public interface ChunkPublisher {

    /** SNS message attribute that marks a chunk (user notifications do not carry it). */
    String KIND_ATTRIBUTE = "switchboard.kind";
    String KIND_CHUNK = "fanout-chunk";

    void publish(FanOutChunk chunk);

    /** The SNS message body of a chunk: the frame, encoded once, and who gets it. */
    record FanOutChunk(List<String> connectionIds, String frame) {
    }
}
