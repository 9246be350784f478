package dev.switchboard.protocol;

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

    /**
     * A frame that answers a request of the connection it is posted to: it echoes the request's
     * {@code requestId} (docs/PROTOCOL.md, "Matching answers to requests"), so a client with several
     * requests in flight tells their answers apart. Null, and then omitted, when the request had none;
     * copies of a frame that go to other connections (fan-out) never carry it.
     */
    sealed interface Answer extends ServerFrame {

        /** The request's {@code requestId}, or null. */
        String requestId();

        /** This frame echoing {@code requestId} (null: none). */
        Answer withRequestId(String requestId);
    }

    record Ack(String type, String clientMsgId, String id, long ts, String requestId) implements Answer {
        public Ack(String clientMsgId, String id, long ts) {
            this("ack", clientMsgId, id, ts, null);
        }

        @Override
        public Ack withRequestId(String requestId) {
            return new Ack(type, clientMsgId, id, ts, requestId);
        }
    }

    /** {@code name}: the sender's display name from its token, or null (omitted). */
    record Message(String type, String room, String id, String from, String text, long ts, String name)
            implements ServerFrame {
        public Message(String room, String id, String from, String text, long ts) {
            this("message", room, id, from, text, ts, null);
        }

        public Message(String room, String id, String from, String text, long ts, String name) {
            this("message", room, id, from, text, ts, name);
        }
    }

    /**
     * {@code name}: the sender's display name from its token, or null (omitted). {@code inbox}: true
     * when the message is also in the recipient's inbox (null: omitted).
     */
    record Direct(String type, String id, String from, String text, long ts, String name, Boolean inbox)
            implements ServerFrame {
        public Direct(String id, String from, String text, long ts, String name) {
            this("direct", id, from, text, ts, name, null);
        }

        public Direct(String id, String from, String text, long ts, String name, boolean inbox) {
            this("direct", id, from, text, ts, name, inbox ? Boolean.TRUE : null);
        }
    }

    /**
     * {@code name}: the user's display name from its token, or null (omitted). {@code requestId} only on
     * the joiner's (leaver's) own copy, which answers its {@code join} ({@code leave}).
     */
    record Presence(String type, String room, String event, String user, String name, String requestId)
            implements Answer {
        public Presence(String room, String event, String user) {
            this("presence", room, event, user, null, null);
        }

        public Presence(String room, String event, String user, String name) {
            this("presence", room, event, user, name, null);
        }

        @Override
        public Presence withRequestId(String requestId) {
            return new Presence(type, room, event, user, name, requestId);
        }
    }

    /**
     * The answer to {@code refresh}: the new token's expiry (epoch seconds) and the rooms the
     * connection was taken out of because the new token no longer grants {@code join} there.
     */
    record Refreshed(String type, long expiresAt, List<String> left, String requestId) implements Answer {
        public Refreshed(long expiresAt, List<String> left) {
            this("refreshed", expiresAt, left, null);
        }

        @Override
        public Refreshed withRequestId(String requestId) {
            return new Refreshed(type, expiresAt, left, requestId);
        }
    }

    /**
     * {@code more}: the room has messages this page left out. {@code next}: when the newer ones can be
     * fetched, pass it as {@code after} for the next page (null otherwise); a page cut to fit
     * {@link #MAX_BYTES} always has it.
     */
    record History(String type, String room, List<HistoryItem> messages, boolean more, String next, String requestId)
            implements Answer {
        public History(String room, List<HistoryItem> messages, boolean more, String next) {
            this("history", room, messages, more, next, null);
        }

        @Override
        public History withRequestId(String requestId) {
            return new History(type, room, messages, more, next, requestId);
        }
    }

    /**
     * One message of a history page, in its latest version: {@code editedAt} (epoch ms) when it was
     * edited, null otherwise (omitted); a deleted message is a tombstone: {@code deleted} true, no
     * {@code text}.
     */
    record HistoryItem(String id, String from, String text, long ts, Long editedAt, Boolean deleted) {
        public HistoryItem(String id, String from, String text, long ts) {
            this(id, from, text, ts, null, null);
        }
    }

    /**
     * Someone in {@code room} is typing: sent to the room's other members at most once per user and
     * room per presence window (3 s by default). Show "typing…" for a few seconds after it.
     */
    record Typing(String type, String room, String user, String name) implements ServerFrame {
        public Typing(String room, String user, String name) {
            this("typing", room, user, name);
        }
    }

    /** {@code user} has read {@code room} up to message {@code id} (and everything before it). */
    record Receipt(String type, String room, String user, String id, String requestId) implements Answer {
        public Receipt(String room, String user, String id) {
            this("receipt", room, user, id, null);
        }

        @Override
        public Receipt withRequestId(String requestId) {
            return new Receipt(type, room, user, id, requestId);
        }
    }

    /**
     * The answer to {@code join} beside the joiner's presence confirmation: how many messages of
     * others came after the user's last read one ({@code lastRead}, null when none was read), counted
     * up to {@code 100}: 100 means at least that many (show "99+").
     */
    record Unread(String type, String room, int count, String lastRead, String requestId) implements Answer {
        public Unread(String room, int count, String lastRead) {
            this("unread", room, count, lastRead, null);
        }

        @Override
        public Unread withRequestId(String requestId) {
            return new Unread(type, room, count, lastRead, requestId);
        }
    }

    /** Message {@code id} of {@code room} now reads {@code text}, since {@code editedAt} (epoch ms); {@code ts} is unchanged. */
    record Edited(String type, String room, String id, String from, String text, long ts, long editedAt, String name)
            implements ServerFrame {
        public Edited(String room, String id, String from, String text, long ts, long editedAt, String name) {
            this("edited", room, id, from, text, ts, editedAt, name);
        }
    }

    /** Message {@code id} of {@code room} was deleted by its author at {@code deletedAt} (epoch ms). */
    record Deleted(String type, String room, String id, String from, long deletedAt) implements ServerFrame {
        public Deleted(String room, String id, String from, long deletedAt) {
            this("deleted", room, id, from, deletedAt);
        }
    }

    /** {@code next}: pass as {@code after} for the next page; null on the last page. */
    record Members(String type, String room, List<String> users, Integer count, String next, String requestId)
            implements Answer {
        public Members(String room, List<String> users, Integer count, String next) {
            this("members", room, users, count, next, null);
        }

        @Override
        public Members withRequestId(String requestId) {
            return new Members(type, room, users, count, next, requestId);
        }
    }

    /** {@code inbox}: true when the notification is also in the recipient's inbox (null: omitted, live only). */
    record Notification(String type, String id, String title, String body, long ts, Boolean inbox)
            implements ServerFrame {
        public Notification(String id, String title, String body, long ts) {
            this("notification", id, title, body, ts, null);
        }

        public Notification(String id, String title, String body, long ts, boolean inbox) {
            this("notification", id, title, body, ts, inbox ? Boolean.TRUE : null);
        }
    }

    /**
     * A page of the caller's inbox, newest first. {@code next}: pass as {@code after} for older items
     * (null on the last page). {@code unread} / {@code unseen}: the counts, on the first page only
     * (null, omitted, on later ones).
     */
    record Inbox(
            String type, List<InboxEntry> items, boolean more, String next, Long unread, Long unseen, String requestId)
            implements Answer {
        public Inbox(List<InboxEntry> items, boolean more, String next, Long unread, Long unseen) {
            this("inbox", items, more, next, unread, unseen, null);
        }

        @Override
        public Inbox withRequestId(String requestId) {
            return new Inbox(type, items, more, next, unread, unseen, requestId);
        }
    }

    /**
     * One inbox item. {@code kind} {@code notification} has {@code title} and {@code body};
     * {@code direct} has {@code from}, {@code text} and maybe {@code name}. Absent fields are omitted.
     */
    record InboxEntry(
            String id,
            String kind,
            String from,
            String name,
            String text,
            String title,
            String body,
            long ts,
            boolean seen,
            boolean read) {}

    /** The answer to {@code badge}: the caller's inbox counts, items not read and items not seen. */
    record Badge(String type, long unread, long unseen, String requestId) implements Answer {
        public Badge(long unread, long unseen) {
            this("badge", unread, unseen, null);
        }

        @Override
        public Badge withRequestId(String requestId) {
            return new Badge(type, unread, unseen, requestId);
        }
    }

    /**
     * A {@code mark} took effect: to every connection of the user (other tabs clear their badge). {@code ids}: the
     * ids the mark named, all now in {@code state}; {@code unread} / {@code unseen}: the counts after it.
     * {@code requestId} only on the marking connection's copy.
     */
    record Marked(String type, String state, List<String> ids, long unread, long unseen, String requestId)
            implements Answer {
        public Marked(String state, List<String> ids, long unread, long unseen) {
            this("marked", state, ids, unread, unseen, null);
        }

        @Override
        public Marked withRequestId(String requestId) {
            return new Marked(type, state, ids, unread, unseen, requestId);
        }
    }

    record Pong(String type, String requestId) implements Answer {
        public Pong() {
            this("pong", null);
        }

        @Override
        public Pong withRequestId(String requestId) {
            return new Pong(type, requestId);
        }
    }

    /**
     * {@code retryAfterMs}: only on {@code rate_limited}, when the refused request would pass.
     * {@code requestId}: the refused request's, when it had a valid one. {@code clientMsgId}: the refused
     * request's, when it is a {@code send}, {@code direct}, {@code edit}, {@code delete} or {@code broadcast}
     * that had one. Both null (omitted) for a frame that was not a JSON object.
     */
    record Error(
            String type,
            String code,
            String message,
            String requestAction,
            Long retryAfterMs,
            String requestId,
            String clientMsgId)
            implements Answer {
        public Error(ErrorCode code, String message, String requestAction) {
            this("error", code.wire(), message, requestAction, null, null, null);
        }

        public Error(ErrorCode code, String message, String requestAction, long retryAfterMs) {
            this("error", code.wire(), message, requestAction, retryAfterMs, null, null);
        }

        @Override
        public Error withRequestId(String requestId) {
            return new Error(type, code, message, requestAction, retryAfterMs, requestId, clientMsgId);
        }

        /** This error naming the request it refuses: {@code requestId} and {@code clientMsgId} (each may be null). */
        public Error correlated(String requestId, String clientMsgId) {
            return new Error(type, code, message, requestAction, retryAfterMs, requestId, clientMsgId);
        }
    }
}
