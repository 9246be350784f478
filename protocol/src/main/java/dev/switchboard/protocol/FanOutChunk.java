package dev.switchboard.protocol;

import java.util.List;
import java.util.Map;

/**
 * The SNS message body of a fan-out chunk on the internal fan-out topic: a frame, encoded once, and
 * the connection ids to post it to. Published by the Message and Broadcast functions when an audience
 * is larger than one invocation should serve, delivered by the Broadcast function; the message carries
 * the SNS message attribute {@link #KIND_ATTRIBUTE} = {@link #KIND}.
 *
 * @param connectionIds API Gateway connection ids in the publisher's (and so the delivering function's)
 *     region; at most one page of the room's members
 * @param frame the server frame as JSON text (what is posted to each connection, unchanged)
 * @param elsewhere with several regions, the recipients living in other regions, by home (core's
 *     {@code Home.toAttribute()}, each written once so a chunk of 1,000 stays far below SNS's 256 KB);
 *     null (omitted) when there are none
 */
public record FanOutChunk(List<String> connectionIds, String frame, Map<String, List<String>> elsewhere) {

    /** SNS message attribute that says which kind of chunk a message is (String data type). */
    public static final String KIND_ATTRIBUTE = "switchboard.kind";
    /** {@link #KIND_ATTRIBUTE} value of a {@link FanOutChunk}. */
    public static final String KIND = "fanout-chunk";

    /** A chunk whose recipients all live in the publisher's region. */
    public FanOutChunk(List<String> connectionIds, String frame) {
        this(connectionIds, frame, null);
    }

    /** The SNS message body: this record as JSON ({@code {"connectionIds":[...],"frame":"..."}}). */
    public String toJson() {
        return Json.GSON.toJson(this);
    }

    /**
     * @param json an SNS message body published by {@link #toJson}
     * @throws com.google.gson.JsonParseException when it is not JSON of this shape
     */
    public static FanOutChunk fromJson(String json) {
        return Json.GSON.fromJson(json, FanOutChunk.class);
    }
}
