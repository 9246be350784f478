package dev.switchboard.protocol;

/** A valid client request, as parsed from one text frame. */
public sealed interface Request {

    String action();

    /**
     * The request's {@code clientMsgId}: set only on {@code send}, {@code direct}, {@code edit},
     * {@code delete} and {@code broadcast} (whose records override this), and there it may be null.
     * Their error frames echo it, so a client correlates a refusal without a {@code requestId}.
     */
    default String clientMsgId() {
        return null;
    }

    record Join(String room) implements Request {
        public String action() {
            return "join";
        }
    }

    record Leave(String room) implements Request {
        public String action() {
            return "leave";
        }
    }

    /** {@code clientMsgId} may be null: then the send is not idempotent. */
    record Send(String room, String text, String clientMsgId) implements Request {
        public String action() {
            return "send";
        }
    }

    record Direct(String to, String text, String clientMsgId) implements Request {
        public String action() {
            return "direct";
        }
    }

    /** {@code after} null = the newest page. */
    record History(String room, String after, int limit) implements Request {
        public String action() {
            return "history";
        }
    }

    /** {@code after} null = the first page of members. */
    record Who(String room, String after) implements Request {
        public String action() {
            return "who";
        }
    }

    record Ping() implements Request {
        public String action() {
            return "ping";
        }
    }

    /** A fresh token for the connection's user: replaces its expiry and permissions. */
    record Refresh(String token) implements Request {
        public String action() {
            return "refresh";
        }

        @Override
        public String toString() {
            return "Refresh[token=redacted]"; // never in logs
        }
    }

    /**
     * Admin only: a notification, as SNS publishes them, to a room, a user or everyone.
     * Exactly one of {@code room}, {@code user}, {@code all} is set.
     */
    record Broadcast(String room, String user, boolean all, String title, String body, String clientMsgId)
            implements Request {
        public String action() {
            return "broadcast";
        }
    }

    /**
     * "I am typing in this room": ephemeral (never stored), announced to the room's other members at
     * most once per user and room per presence window, and only in rooms within the presence cap.
     */
    record Typing(String room) implements Request {
        public String action() {
            return "typing";
        }
    }

    /** A read receipt: {@code id} (a message of the room) is the last one the user has read there. */
    record Read(String room, String id) implements Request {
        public String action() {
            return "read";
        }
    }

    /** Replaces the text of one's own message {@code id} in {@code room}; {@code clientMsgId} may be null. */
    record Edit(String room, String id, String text, String clientMsgId) implements Request {
        public String action() {
            return "edit";
        }
    }

    /** Deletes one's own message {@code id} in {@code room} (history keeps a tombstone); {@code clientMsgId} may be null. */
    record Delete(String room, String id, String clientMsgId) implements Request {
        public String action() {
            return "delete";
        }
    }

    /**
     * A page of the caller's inbox, newest first.
     *
     * @param after the {@code next} of the previous page (an item id): the items after it in the
     *              listing, which are older; null = the newest page
     * @param limit items per page, 1 to {@link RequestParser#INBOX_PAGE_MAX}
     */
    record Inbox(String after, int limit) implements Request {
        public String action() {
            return "inbox";
        }
    }

    /**
     * Marks items of the caller's inbox {@code seen} or {@code read}.
     *
     * @param ids   1 to {@link RequestParser#MARK_MAX_IDS} distinct item ids
     * @param state {@code seen} or {@code read}
     */
    record Mark(java.util.List<String> ids, InboxState state) implements Request {
        public String action() {
            return "mark";
        }
    }

    /** The caller's unread and unseen inbox counts (what a badge shows), answered with a {@code badge} frame. */
    record Badge() implements Request {
        public String action() {
            return "badge";
        }
    }
}
