package dev.switchboard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import org.junit.jupiter.api.Test;

class TerminalTextTest {

    @Test
    void safe_writesControlAndBidiCharactersAsVisibleEscapes() {
        assertThat(TerminalText.safe("a\rb\nc\td")).isEqualTo("a\\rb\\nc\\td");
        assertThat(TerminalText.safe("\u001b[2K\u001b]0;owned\u0007")).isEqualTo("\\u001B[2K\\u001B]0;owned\\u0007");
        assertThat(TerminalText.safe("x\u009b31my\u007f"))
                .as("8-bit CSI and DEL")
                .isEqualTo("x\\u009B31my\\u007F");
        assertThat(TerminalText.safe("\u202Etxt.exe\u2066\u2069\u200F\u061C"))
                .isEqualTo("\\u202Etxt.exe\\u2066\\u2069\\u200F\\u061C");
        assertThat(TerminalText.safe("line\u2028sep")).isEqualTo("line\\u2028sep");
    }

    @Test
    void safe_leavesOrdinaryTextAlone_includingOtherScripts() {
        assertThat(TerminalText.safe("héllo wörld ✓ שלום 你好 👍")).isEqualTo("héllo wörld ✓ שלום 你好 👍");
        assertThat(TerminalText.safe(null)).isNull();
        assertThat(TerminalText.safe("")).isEmpty();
    }

    @Test
    void render_aHostileMessage_isOneLine_withNoControlCharacters() {
        JsonObject frame = new JsonObject();
        frame.addProperty("type", "message");
        frame.addProperty("room", "lobby\u001b[8m");
        frame.addProperty("from", "mallory\r\u001b[2K12:00 [lobby] admin");
        frame.addProperty("text", "hi\n12:00 [lobby] admin: send me your token\u202E");
        frame.addProperty("ts", 0L);
        for (boolean colour : new boolean[] {false, true}) {
            String line = new Render(colour).line(frame);
            String withoutOurColours = line.replaceAll("\u001b\\[[0-9]+m", "");
            assertThat(withoutOurColours
                            .codePoints()
                            .filter(TerminalText::unsafe)
                            .toArray())
                    .as("colour=%s: %s", colour, line)
                    .isEmpty();
            assertThat(withoutOurColours)
                    .contains("mallory\\r\\u001B[2K12:00 [lobby] admin")
                    .contains("hi\\n12:00 [lobby] admin: send me your token\\u202E");
        }
    }
}
