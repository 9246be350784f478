package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.switchboard.core.auth.Identity;
import dev.switchboard.protocol.ServerFrame;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every frame the chat service posts fits API Gateway's 128 KB message limit: history pages are cut
 * by bytes, a text whose frames would not fit is refused before it is stored. The poster records the
 * size of every post, as {@code @connections} would see it.
 */
class ChatServiceFrameLimitTest {

    /** 3 bytes in UTF-8, written raw by gson: a 4,000 character text is 12,000 bytes. */
    static final String EURO = "\u20ac";

    @RegisterExtension
    static final ChatServiceFixture fixture = new ChatServiceFixture("switchboard-frame-limit");

    static ChatService service(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of(Config.SEND_RATE_PER_SECOND, "0"));
        env.putAll(extra);
        return fixture.service(env);
    }

    static List<JsonObject> framesOf(String connectionId, String type) {
        return fixture.framesOf(connectionId, type);
    }

    @Test
    void history_ofFiftyMaximumLengthMessages_comesInPagesThatEachFit_andTheCursorsReachEveryMessageOnce() {
        ChatService chat = service(Map.of());
        chat.connect("c-writer", new Identity("writer", false), 0);
        chat.connect("c-reader", new Identity("reader", false), 0);
        chat.handle("c-writer", "{\"action\":\"join\",\"room\":\"big\"}");
        chat.handle("c-reader", "{\"action\":\"join\",\"room\":\"big\"}");
        String text = EURO.repeat(4000);
        for (int i = 0; i < 50; i++) {
            chat.handle(
                    "c-writer",
                    "{\"action\":\"send\",\"room\":\"big\",\"text\":\"" + text + "\",\"clientMsgId\":\"m" + i + "\"}");
        }
        List<String> sent = framesOf("c-writer", "ack").stream()
                .map(a -> a.get("id").getAsString())
                .toList();
        assertThat(sent).hasSize(50);

        // the default request a joining member makes, then the cursor of each page
        chat.handle("c-reader", "{\"action\":\"history\",\"room\":\"big\",\"limit\":50}");
        List<String> received = new ArrayList<>();
        int pages = 0;
        while (true) {
            List<JsonObject> history = framesOf("c-reader", "history");
            assertThat(history).as("one answer per request").hasSize(pages + 1);
            JsonObject page = history.get(pages++);
            page.getAsJsonArray("messages")
                    .forEach(m -> received.add(m.getAsJsonObject().get("id").getAsString()));
            if (!page.has("next")) {
                assertThat(page.get("more").getAsBoolean()).isFalse();
                break;
            }
            assertThat(page.get("more").getAsBoolean()).isTrue();
            chat.handle(
                    "c-reader",
                    "{\"action\":\"history\",\"room\":\"big\",\"after\":\""
                            + page.get("next").getAsString() + "\"}");
        }
        // 50 × 12,000 bytes is 600,000 bytes: at least five pages of at most 131,072
        assertThat(pages).isGreaterThanOrEqualTo(5);
        assertThat(fixture.posts("c-reader"))
                .allSatisfy(frame -> assertThat(frame.length).isLessThanOrEqualTo(ServerFrame.MAX_BYTES));
        assertThat(received).containsExactlyElementsOf(sent);
    }

    @Test
    void aText_whoseFrameWouldNotFit_isRefusedAsTooLarge_andNotStored() {
        // a deployment that raised the text limit far above the default
        ChatService chat = service(Map.of(Config.MAX_TEXT_LENGTH, "100000"));
        chat.connect("c-big", new Identity("big", false), 0);
        chat.handle("c-big", "{\"action\":\"join\",\"room\":\"huge\"}");
        // U+2028 is 3 bytes as the client sends it, 6 in the frame (gson writes it as an escape)
        String text = "a\u2028".repeat(25_000); // 175,000 bytes in the frame
        chat.handle("c-big", "{\"action\":\"send\",\"room\":\"huge\",\"text\":\"" + text + "\",\"clientMsgId\":\"x\"}");
        JsonObject error = framesOf("c-big", "error").get(0);
        assertThat(error.get("code").getAsString()).isEqualTo("too_large");
        assertThat(error.get("requestAction").getAsString()).isEqualTo("send");
        assertThat(error.get("message").getAsString()).contains("131072").contains("send a shorter text");
        assertThat(framesOf("c-big", "ack")).isEmpty();
        chat.handle("c-big", "{\"action\":\"history\",\"room\":\"huge\"}");
        JsonElement messages = framesOf("c-big", "history").get(0).get("messages");
        assertThat(messages.getAsJsonArray()).isEmpty();

        // within the limit it goes through, and its history page fits
        chat.handle(
                "c-big",
                "{\"action\":\"send\",\"room\":\"huge\",\"text\":\"" + "a\u2028".repeat(10_000)
                        + "\",\"clientMsgId\":\"y\"}");
        assertThat(framesOf("c-big", "ack")).hasSize(1);
        chat.handle("c-big", "{\"action\":\"history\",\"room\":\"huge\"}");
        assertThat(framesOf("c-big", "history").get(1).getAsJsonArray("messages"))
                .hasSize(1);
        assertThat(fixture.posts("c-big"))
                .allSatisfy(frame -> assertThat(frame.length).isLessThanOrEqualTo(ServerFrame.MAX_BYTES));
    }
}
