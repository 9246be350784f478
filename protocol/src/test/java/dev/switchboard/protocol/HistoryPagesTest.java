package dev.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HistoryPagesTest {

    static ServerFrame.HistoryItem item(int i, int chars) {
        return new ServerFrame.HistoryItem(
                String.format("01M88D2Y06EQJCWH91VNZ5%04d", i), "alice", "é".repeat(chars), 1_795_578_492_934L + i);
    }

    @Test
    void fit_returnsThePageUnchanged_whenItFits() {
        List<ServerFrame.HistoryItem> items =
                IntStream.range(0, 10).mapToObj(i -> item(i, 100)).toList();
        ServerFrame.History frame = HistoryPages.fit("r", items, false, null);
        assertThat(frame).isEqualTo(new ServerFrame.History("r", items, false, null));
    }

    @Test
    void fit_keepsTheOldestThatFit_withMoreAndTheCursor_whenThePageIsTooBig() {
        // 2 bytes per 'é': 40 × 8,000 bytes
        List<ServerFrame.HistoryItem> items =
                IntStream.range(0, 40).mapToObj(i -> item(i, 4000)).toList();
        ServerFrame.History frame = HistoryPages.fit("r", items, false, null);
        assertThat(Json.bytes(frame).length).isLessThanOrEqualTo(ServerFrame.MAX_BYTES);
        int kept = frame.messages().size();
        assertThat(kept).isBetween(15, 16); // 131,072 / ~8,060
        assertThat(frame.messages()).containsExactlyElementsOf(items.subList(0, kept));
        assertThat(frame.more()).isTrue();
        assertThat(frame.next()).isEqualTo(items.get(kept - 1).id());
        // one more would not have fitted
        ServerFrame.History oneMore = new ServerFrame.History(
                "r", items.subList(0, kept + 1), true, items.get(kept).id());
        assertThat(Json.bytes(oneMore).length).isGreaterThan(ServerFrame.MAX_BYTES);
    }

    @Test
    void fit_refusesWithTheIdToSkip_whenNotEvenOneMessageFits() {
        List<ServerFrame.HistoryItem> items = List.of(item(1, 70_000), item(2, 10));
        ProtocolException e =
                catchThrowableOfType(() -> HistoryPages.fit("r", items, false, null), ProtocolException.class);
        assertThat(e.frame().code()).isEqualTo("too_large");
        assertThat(e.getMessage()).contains("after " + items.get(0).id());
    }
}
