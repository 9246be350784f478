package dev.switchboard.protocol;

import java.util.List;

/**
 * Cuts an {@code inbox} page so its frame fits {@link ServerFrame#MAX_BYTES}, as {@link HistoryPages}
 * does for history: 50 notifications of 16,000 characters are several times API Gateway's 128 KB.
 * The newest items of the page are kept; the frame then says {@code more} and its {@code next}
 * continues after the last one kept.
 */
public final class InboxPages {

    private InboxPages() {}

    /**
     * @param items  newest first, as the store returns them
     * @param more   whether older items exist beyond {@code items}
     * @param next   the store's cursor for older items, or null
     * @param unread the unread count to include (first page), or null
     * @param unseen the unseen count to include (first page), or null
     * @return {@code items} whole when they fit; else the longest newest-first prefix that fits,
     *     with {@code more: true} and {@code next} = its last id. Never empty while items exist:
     *     one item always fits (a notification's and a direct message's size limits see to it)
     * @throws ProtocolException {@code too_large} when not even one item fits (stored under larger limits)
     */
    public static ServerFrame.Inbox fit(
            List<ServerFrame.InboxEntry> items, boolean more, String next, Long unread, Long unseen) {
        return fit(items, more, next, unread, unseen, null);
    }

    /**
     * As {@link #fit(List, boolean, String, Long, Long)}, for a frame that echoes {@code requestId}
     * (null: none): the page is cut so that the frame fits with it.
     */
    public static ServerFrame.Inbox fit(
            List<ServerFrame.InboxEntry> items, boolean more, String next, Long unread, Long unseen, String requestId) {
        ServerFrame.Inbox whole = new ServerFrame.Inbox(items, more, next, unread, unseen).withRequestId(requestId);
        if (Json.bytes(whole).length <= ServerFrame.MAX_BYTES) {
            return whole;
        }
        String longestId = FramePages.longestId(items, ServerFrame.InboxEntry::id);
        // an upper bound: the empty page with the longest cursor, then each item plus its comma
        int fit = FramePages.prefixThatFits(
                items,
                Json.bytes(new ServerFrame.Inbox(List.of(), true, longestId, unread, unseen).withRequestId(requestId))
                        .length);
        if (fit == 0) {
            String id = items.get(0).id();
            throw new ProtocolException(
                    ErrorCode.TOO_LARGE,
                    "inbox item " + id + " is too large for one frame (API Gateway's "
                            + "128 KB message limit): ask for the inbox after " + id + " to skip it",
                    "inbox");
        }
        List<ServerFrame.InboxEntry> kept = List.copyOf(items.subList(0, fit));
        return new ServerFrame.Inbox(kept, true, kept.get(fit - 1).id(), unread, unseen).withRequestId(requestId);
    }
}
