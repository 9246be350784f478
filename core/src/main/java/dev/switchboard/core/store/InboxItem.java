package dev.switchboard.core.store;

/**
 * One entry of a user's inbox: a notification addressed to the user, or a direct message to them
 * (docs/PROTOCOL.md, "Inbox"). Kept for the inbox retention ({@code SWITCHBOARD_INBOX_RETENTION_DAYS})
 * whether or not the user was connected when it came.
 *
 * @param id    the id the live frame carried (a notification's is derived from its SNS message id)
 * @param kind  {@link #NOTIFICATION} or {@link #DIRECT}
 * @param from  the sender's user id ({@code direct}); null for a notification
 * @param name  the sender's display name ({@code direct}), or null
 * @param text  a direct message's text; null for a notification
 * @param title a notification's title; null for a direct message
 * @param body  a notification's body (may be empty); null for a direct message
 * @param ts    when it was sent or published, ms since the epoch
 * @param seen  the user has seen it (in a list or a badge); every read item is seen
 * @param read  the user has read it
 */
public record InboxItem(
        String id,
        String kind,
        String from,
        String name,
        String text,
        String title,
        String body,
        long ts,
        boolean seen,
        boolean read) {

    public static final String NOTIFICATION = "notification";
    public static final String DIRECT = "direct";

    /** A notification, unseen and unread. */
    public static InboxItem notification(String id, String title, String body, long ts) {
        return new InboxItem(id, NOTIFICATION, null, null, null, title, body, ts, false, false);
    }

    /** A direct message, unseen and unread. */
    public static InboxItem direct(String id, String from, String name, String text, long ts) {
        return new InboxItem(id, DIRECT, from, name, text, null, null, ts, false, false);
    }
}
