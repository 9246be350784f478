package dev.switchboard.core.store;

/**
 * How many items of a user's inbox are not yet read, and not yet seen (a badge shows one of them).
 *
 * @param unread items not marked {@code read}
 * @param unseen items not marked {@code seen} (nor {@code read})
 */
public record InboxCounts(long unread, long unseen) {

    public static final InboxCounts NONE = new InboxCounts(0, 0);
}
