package dev.switchboard.core.protocol;

import java.util.List;

/** Frames the server sends; each serializes to the JSON of docs/PROTOCOL.md (gson, nulls omitted). */
public sealed interface ServerFrame {

    /**
     * The most a frame may hold, in bytes of UTF-8: API Gateway's WebSocket "message payload size"
     * quota of 128 KB, which also bounds every {@code @connections} post ("Quotas for configuring and
     * running a WebSocket API in API Gateway",
     * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html).
     * A bigger post is refused (413) and the client gets nothing, so the server never sends one.
     */
    int MAX_BYTES = 128 * 1024;

    String type();

    record Ack(String type, String clientMsgId, String id, long ts) implements ServerFrame {
        public Ack(String clientMsgId, String id, long ts) {
            this("ack", clientMsgId, id, ts);
        }
    }

    /** {@code name}: the sender's display name from its token, or null (omitted). */
    record Message(String type, String room, String id, String from, String text, long ts, String name) implements ServerFrame {
        public Message(String room, String id, String from, String text, long ts) {
            this("message", room, id, from, text, ts, null);
        }

        public Message(String room, String id, String from, String text, long ts, String name) {
            this("message", room, id, from, text, ts, name);
        }
    }

    /** {@code name}: the sender's display name from its token, or null (omitted). */
    record Direct(String type, String id, String from, String text, long ts, String name) implements ServerFrame {
        public Direct(String id, String from, String text, long ts, String name) {
            this("direct", id, from, text, ts, name);
        }
    }

    /** {@code name}: the user's display name from its token, or null (omitted). */
    record Presence(String type, String room, String event, String user, String name) implements ServerFrame {
        public Presence(String room, String event, String user) {
            this("presence", room, event, user, null);
        }

        public Presence(String room, String event, String user, String name) {
            this("presence", room, event, user, name);
        }
    }

    /**
     * The answer to {@code refresh}: the new token's expiry (epoch seconds) and the rooms the
     * connection was taken out of because the new token no longer grants {@code join} there.
     */
    record Refreshed(String type, long expiresAt, List<String> left) implements ServerFrame {
        public Refreshed(long expiresAt, List<String> left) {
            this("refreshed", expiresAt, left);
        }
    }

    /**
     * {@code more}: the room has messages this page left out. {@code next}: when the newer ones can be
     * fetched, pass it as {@code after} for the next page (null otherwise); a page cut to fit
     * {@link #MAX_BYTES} always has it.
     */
    record History(String type, String room, List<HistoryItem> messages, boolean more, String next) implements ServerFrame {
        public History(String room, List<HistoryItem> messages, boolean more, String next) {
            this("history", room, messages, more, next);
        }
    }

    record HistoryItem(String id, String from, String text, long ts) {
    }

    /** {@code next}: pass as {@code after} for the next page; null on the last page. */
    record Members(String type, String room, List<String> users, Integer count, String next) implements ServerFrame {
        public Members(String room, List<String> users, Integer count, String next) {
            this("members", room, users, count, next);
        }
    }

    record Notification(String type, String id, String title, String body, long ts) implements ServerFrame {
        public Notification(String id, String title, String body, long ts) {
            this("notification", id, title, body, ts);
        }
    }

    record Pong(String type) implements ServerFrame {
        public Pong() {
            this("pong");
        }
    }

    /** {@code retryAfterMs}: only on {@code rate_limited}, when the refused request would pass. */
    record Error(String type, String code, String message, String requestAction, Long retryAfterMs) implements ServerFrame {
        public Error(ErrorCode code, String message, String requestAction) {
            this("error", code.wire(), message, requestAction, null);
        }

        public Error(ErrorCode code, String message, String requestAction, long retryAfterMs) {
            this("error", code.wire(), message, requestAction, retryAfterMs);
        }
    }
}
