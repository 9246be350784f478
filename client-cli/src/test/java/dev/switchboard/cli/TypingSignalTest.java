package dev.switchboard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.terminal.impl.DumbTerminal;
import org.junit.jupiter.api.Test;

/** The CLI's typing signal: coalesced per room and window, never for commands, fed by JLine's key input. */
class TypingSignalTest {

    final AtomicLong now = new AtomicLong(1_000_000);
    final List<String> sent = new CopyOnWriteArrayList<>();
    final TypingSignal typing = new TypingSignal(now::get);

    @Test
    void keyTyped_sendsAtMostOnePerRoomAndWindow() {
        typing.sendTo(sent::add);
        assertThat(typing.keyTyped("tea", "h")).isTrue();
        now.addAndGet(TypingSignal.WINDOW_MILLIS - 1);
        assertThat(typing.keyTyped("tea", "he")).as("inside the window").isFalse();
        assertThat(typing.keyTyped("cafe", "hel"))
                .as("another room is another signal")
                .isTrue();
        assertThat(typing.keyTyped("tea", "hell"))
                .as("back in the first room: a new signal")
                .isTrue();
        now.addAndGet(TypingSignal.WINDOW_MILLIS);
        assertThat(typing.keyTyped("tea", "hello")).as("the next window").isTrue();
        assertThat(sent).containsExactly("tea", "cafe", "tea", "tea");
    }

    @Test
    void keyTyped_sendsNothing_forACommand_withoutARoom_orBeforeThereIsASession() {
        assertThat(typing.keyTyped("tea", "h")).as("no session yet").isFalse();
        typing.sendTo(sent::add);
        assertThat(typing.keyTyped("tea", "/wh"))
                .as("a command is not a message")
                .isFalse();
        assertThat(typing.keyTyped(null, "h")).as("no current room").isFalse();
        assertThat(sent).isEmpty();
    }

    @Test
    void install_signalsOnKeyInput_onceForABurst_andTheLineStillReadsWhole() throws Exception {
        PipedOutputStream keys = new PipedOutputStream();
        PipedInputStream in = new PipedInputStream(keys);
        try (DumbTerminal terminal =
                new DumbTerminal("test", "ansi", in, new ByteArrayOutputStream(), StandardCharsets.UTF_8)) {
            LineReader reader = LineReaderBuilder.builder().terminal(terminal).build();
            typing.sendTo(sent::add);
            typing.install(reader, () -> "tea");
            keys.write("hello\r/who\r".getBytes(StandardCharsets.UTF_8));
            keys.flush();

            assertThat(reader.readLine("> ")).isEqualTo("hello");
            assertThat(sent).as("five keys within one window: one signal").containsExactly("tea");
            now.addAndGet(TypingSignal.WINDOW_MILLIS);
            assertThat(reader.readLine("> ")).isEqualTo("/who");
            assertThat(sent).as("a command line sends no typing").containsExactly("tea");
        }
    }
}
