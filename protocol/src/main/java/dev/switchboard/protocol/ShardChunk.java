package dev.switchboard.protocol;

/**
 * The SNS message body of a shard chunk on the internal fan-out topic: a frame for every connection of
 * one write shard of the table's {@code byShard} index (a broadcast to everyone). The message carries
 * the SNS message attribute {@link FanOutChunk#KIND_ATTRIBUTE} = {@link #KIND}.
 *
 * @param shard 0 .. shards-1
 * @param frame the server frame as JSON text
 * @param inbox true when {@code frame} is a {@code notification} to store in the inbox of each user of the
 *     shard's connections (core's {@code InboxTarget.ALL}); null (omitted) otherwise
 */
public record ShardChunk(int shard, String frame, Boolean inbox) {

    /** A chunk whose frame is only posted. */
    public ShardChunk(int shard, String frame) {
        this(shard, frame, null);
    }

    /** {@link FanOutChunk#KIND_ATTRIBUTE} value of a {@link ShardChunk}. */
    public static final String KIND = "fanout-shard";

    /** The SNS message body: this record as JSON ({@code {"shard":3,"frame":"..."}}, {@code "inbox":true} when set). */
    public String toJson() {
        return Json.GSON.toJson(this);
    }

    /**
     * @param json an SNS message body published by {@link #toJson}
     * @throws com.google.gson.JsonParseException when it is not JSON of this shape
     */
    public static ShardChunk fromJson(String json) {
        return Json.GSON.fromJson(json, ShardChunk.class);
    }
}
