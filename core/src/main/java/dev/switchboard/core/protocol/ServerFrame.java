package dev.switchboard.core.protocol;

import java.util.List;

/** Frames the server sends; each serializes to the JSON of docs/PROTOCOL.md (gson, nulls omitted). */
public sealed interface ServerFrame {

    String type();

    record Ack(String type, String clientMsgId, String id, long ts) implements ServerFrame {
        public Ack(String clientMsgId, String id, long ts) {
            this("ack", clientMsgId, id, ts);
        }
    }

    record Message(String type, String room, String id, String from, String text, long ts) implements ServerFrame {
        public Message(String room, String id, String from, String text, long ts) {
            this("message", room, id, from, text, ts);
        }
    }

    record Direct(String type, String id, String from, String text, long ts) implements ServerFrame {
        public Direct(String id, String from, String text, long ts) {
            this("direct", id, from, text, ts);
        }
    }

    record Presence(String type, String room, String event, String user) implements ServerFrame {
        public Presence(String room, String event, String user) {
            this("presence", room, event, user);
        }
    }

    record History(String type, String room, List<HistoryItem> messages, boolean more) implements ServerFrame {
        public History(String room, List<HistoryItem> messages, boolean more) {
            this("history", room, messages, more);
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
