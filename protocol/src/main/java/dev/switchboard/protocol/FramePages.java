package dev.switchboard.protocol;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;

/** What {@link HistoryPages} and {@link InboxPages} share: how many items of a page fit one frame. */
final class FramePages {

    private FramePages() {}

    /** The longest id among {@code items}: a cut page's cursor is one of them, so this bounds its size. */
    static <T> String longestId(List<T> items, Function<T, String> id) {
        return items.stream().map(id).reduce("", (a, b) -> a.length() >= b.length() ? a : b);
    }

    /**
     * @param emptyPageBytes the UTF-8 size of the frame with no items and the longest cursor
     * @return how many leading {@code items} fit {@link ServerFrame#MAX_BYTES} (an upper bound: each
     *     item's JSON plus its comma), 0 when not even the first does
     */
    static <T> int prefixThatFits(List<T> items, long emptyPageBytes) {
        long size = emptyPageBytes;
        int fit = 0;
        while (fit < items.size()) {
            size += Json.GSON.toJson(items.get(fit)).getBytes(StandardCharsets.UTF_8).length + 1;
            if (size > ServerFrame.MAX_BYTES) {
                break;
            }
            fit++;
        }
        return fit;
    }
}
