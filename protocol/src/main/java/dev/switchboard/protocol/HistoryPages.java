package dev.switchboard.protocol;

import java.util.List;

/**
 * Cuts a {@code history} page so its frame fits {@link ServerFrame#MAX_BYTES}: a page is limited by
 * count in the query, but 50 messages of 4,000 characters (up to 12,000 bytes each in UTF-8) are
 * several times API Gateway's 128 KB, and a post over it is refused (413), so the client would get
 * nothing at all. The oldest messages of the page are kept; the frame then says {@code more} and
 * gives the cursor ({@code next}) for the rest.
 */
public final class HistoryPages {

    private HistoryPages() {}

    /**
     * The frame holding the longest oldest-first prefix of {@code items} that fits.
     *
     * @param items oldest first, as the store returns them
     * @param more  whether the store left messages out (by count)
     * @param next  the store's cursor for newer messages, or null
     * @return {@code items} whole when they fit; else a prefix with {@code more: true} and
     *         {@code next} = the last message it holds
     * @throws ProtocolException {@code too_large} when not even the first message fits (it was
     *         stored under a larger text limit); the message names the id to resume after
     */
    public static ServerFrame.History fit(String room, List<ServerFrame.HistoryItem> items, boolean more, String next) {
        return fit(room, items, more, next, null);
    }

    /**
     * As {@link #fit(String, List, boolean, String)}, for a frame that echoes {@code requestId}
     * (null: none): the page is cut so that the frame fits with it.
     */
    public static ServerFrame.History fit(
            String room, List<ServerFrame.HistoryItem> items, boolean more, String next, String requestId) {
        ServerFrame.History whole = new ServerFrame.History(room, items, more, next).withRequestId(requestId);
        if (bytes(whole) <= ServerFrame.MAX_BYTES) {
            return whole;
        }
        String longestId = FramePages.longestId(items, ServerFrame.HistoryItem::id);
        // an upper bound: the empty page with the longest cursor, then each item plus its comma
        int fit = FramePages.prefixThatFits(
                items, bytes(new ServerFrame.History(room, List.of(), true, longestId).withRequestId(requestId)));
        if (fit == 0) {
            String id = items.get(0).id();
            throw new ProtocolException(
                    ErrorCode.TOO_LARGE,
                    "message " + id + " is too large for one frame (API Gateway's "
                            + "128 KB message limit): ask for history after " + id + " to skip it",
                    "history");
        }
        List<ServerFrame.HistoryItem> kept = List.copyOf(items.subList(0, fit));
        return new ServerFrame.History(room, kept, true, kept.get(fit - 1).id()).withRequestId(requestId);
    }

    private static int bytes(ServerFrame frame) {
        return Json.bytes(frame).length;
    }
}
