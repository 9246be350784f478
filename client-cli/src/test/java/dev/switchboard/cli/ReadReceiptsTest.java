package dev.switchboard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.protocol.Request;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The chat's read receipts: one per room for what a moment showed, the newest id, never backwards. */
class ReadReceiptsTest {

    final List<Runnable> planned = new ArrayList<>();
    final List<Request> sent = new ArrayList<>();
    final ReadReceipts receipts = new ReadReceipts(planned::add);

    void runPlanned() {
        List<Runnable> now = List.copyOf(planned);
        planned.clear();
        now.forEach(Runnable::run);
    }

    @Test
    void shown_sendsTheNewestIdOfABurst_oncePerRoom() {
        receipts.sendTo(sent::add);
        receipts.shown("tea", "01KAX3T8Y9ZC4Q2D7N6B5V8M1A");
        receipts.shown("tea", "01KAX3T8Y9ZC4Q2D7N6B5V8M1C");
        receipts.shown("tea", "01KAX3T8Y9ZC4Q2D7N6B5V8M1B"); // an older one arriving late
        receipts.shown("cafe", "01KAX3T8Y9ZC4Q2D7N6B5V8M1D");
        assertThat(planned).as("one flush per room").hasSize(2);
        runPlanned();
        assertThat(sent)
                .containsExactlyInAnyOrder(
                        new Request.Read("tea", "01KAX3T8Y9ZC4Q2D7N6B5V8M1C"),
                        new Request.Read("cafe", "01KAX3T8Y9ZC4Q2D7N6B5V8M1D"));
    }

    @Test
    void shown_neverSendsAPositionAgain_orAnOlderOne() {
        receipts.sendTo(sent::add);
        receipts.shown("tea", "01KAX3T8Y9ZC4Q2D7N6B5V8M1C");
        runPlanned();
        receipts.shown("tea", "01KAX3T8Y9ZC4Q2D7N6B5V8M1C"); // shown again (history after a reconnect)
        receipts.shown("tea", "01KAX3T8Y9ZC4Q2D7N6B5V8M1A");
        assertThat(planned).isEmpty();
        receipts.shown("tea", "01KAX3T8Y9ZC4Q2D7N6B5V8M1D");
        runPlanned();
        assertThat(sent)
                .containsExactly(
                        new Request.Read("tea", "01KAX3T8Y9ZC4Q2D7N6B5V8M1C"),
                        new Request.Read("tea", "01KAX3T8Y9ZC4Q2D7N6B5V8M1D"));
    }

    /**
     * A message shown while the chat still waits for its joins (before the session is handed over) is marked
     * read once there is a session, without waiting for another message (CliEndToEndTest's read-marks test
     * waited 4 minutes for a receipt that a flush without a session had dropped).
     */
    @Test
    void shown_beforeThereIsASession_isSentOnceThereIsOne_andOnlyOnce() {
        receipts.shown("tea", "01KAX3T8Y9ZC4Q2D7N6B5V8M1C");
        runPlanned();
        assertThat(sent).as("no session yet").isEmpty();
        receipts.shown("tea", "01KAX3T8Y9ZC4Q2D7N6B5V8M1D"); // still before the session: only moves the position
        receipts.sendTo(sent::add);
        assertThat(sent).containsExactly(new Request.Read("tea", "01KAX3T8Y9ZC4Q2D7N6B5V8M1D"));
        runPlanned();
        receipts.shown("tea", "01KAX3T8Y9ZC4Q2D7N6B5V8M1D"); // shown again (history after a reconnect)
        runPlanned();
        assertThat(sent).containsExactly(new Request.Read("tea", "01KAX3T8Y9ZC4Q2D7N6B5V8M1D"));
    }
}
