package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every server frame fits API Gateway's 128 KB message limit. The local cloud refuses a bigger
 * {@code @connections} post with 413 as API Gateway does, so a frame that did not fit would never
 * arrive: these tests check what does arrive, and its size in bytes.
 */
class FrameLimitEndToEndTest {

    static final int MAX_BYTES = 128 * 1024;

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.with(b -> b.devAuth(true)
            // 50 sends in a row: the per-connection send limit is not what this test is about
            .environment(Map.of("SWITCHBOARD_SEND_RATE_PER_SECOND", "0")));

    static LogCapture log;

    @BeforeAll
    static void start() throws Exception {
        log = new LogCapture();
        local.warmUp();
    }

    @AfterAll
    static void stop() {
        log.close();
    }

    /** The next frame of {@code type}, with its size in bytes as it arrived. */
    record Sized(JsonObject frame, int bytes) {}

    static Sized next(WsClient client, String type) throws InterruptedException {
        long deadline = System.nanoTime() + WsClient.WAIT.toNanos();
        while (true) {
            String raw = client.frames.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertThat(raw).as("a %s frame within %s", type, WsClient.WAIT).isNotNull();
            JsonObject frame = JsonParser.parseString(raw).getAsJsonObject();
            assertThat(frame.has("type"))
                    .as("no gateway error: %s", raw.length() > 200 ? raw.substring(0, 200) : raw)
                    .isTrue();
            if (frame.get("type").getAsString().equals(type)) {
                return new Sized(frame, raw.getBytes(StandardCharsets.UTF_8).length);
            }
        }
    }

    @Test
    void history_ofFiftyMaximumLengthMessages_arrivesInPagesThatEachFit() throws Exception {
        String room = "long-reads";
        // 4,000 characters (the default limit) of 3 bytes each: 12 KB per message, 600 KB for 50
        String text = "\u20ac".repeat(4000);
        List<String> sent = new ArrayList<>();
        try (WsClient writer = WsClient.connect(local.userUri("writer"))) {
            ChatEndToEndTest.join(writer, room, "writer");
            for (int i = 0; i < 50; i++) {
                sent.add(ChatEndToEndTest.send(writer, room, text, "long-" + i));
            }
        }
        try (WsClient reader = WsClient.connect(local.userUri("reader"))) {
            ChatEndToEndTest.join(reader, room, "reader");
            // what a joining client asks first (the chat page asks for 50)
            reader.send(Json.write(new Request.History(room, null, 50)));
            List<String> received = new ArrayList<>();
            List<Integer> sizes = new ArrayList<>();
            while (true) {
                Sized page = next(reader, "history");
                sizes.add(page.bytes());
                page.frame().getAsJsonArray("messages").forEach(m -> {
                    assertThat(m.getAsJsonObject().get("text").getAsString()).isEqualTo(text);
                    received.add(m.getAsJsonObject().get("id").getAsString());
                });
                if (!page.frame().has("next")) {
                    assertThat(page.frame().get("more").getAsBoolean()).isFalse();
                    break;
                }
                assertThat(page.frame().get("more").getAsBoolean()).isTrue();
                reader.send(Json.write(
                        new Request.History(room, page.frame().get("next").getAsString(), 50)));
            }
            System.out.println("FrameLimitEndToEndTest history page sizes (bytes): " + sizes);
            assertThat(sizes)
                    .hasSizeGreaterThanOrEqualTo(5)
                    .allSatisfy(size -> assertThat(size).isLessThanOrEqualTo(MAX_BYTES));
            assertThat(received).as("every message once, oldest first").containsExactlyElementsOf(sent);
        }
    }

    @Test
    void a100KbNotification_isRefusedWithAClearLogLine_andTheNextOneIsDelivered() throws Exception {
        try (WsClient member = WsClient.connect(local.userUri("notified"))) {
            ChatEndToEndTest.join(member, "alerts", "notified");
            String big = "{\"target\":{\"room\":\"alerts\"},\"title\":\"Report\",\"body\":\"" + "x".repeat(100 * 1024)
                    + "\"}";
            String refusedId = local.publish(big);
            await().atMost(WsClient.WAIT).until(() -> log.text().contains(refusedId));
            String line = log.lines().stream()
                    .filter(l -> l.contains(refusedId))
                    .findFirst()
                    .orElseThrow();
            assertThat(line)
                    .contains("field 'body' is 102400 characters; at most 16000 are allowed")
                    .contains("shorten it or send a link");

            local.publish("{\"target\":{\"room\":\"alerts\"},\"title\":\"Small\",\"body\":\"fits\"}");
            // the first notification the member gets is the small one: the big one never came
            assertThat(next(member, "notification").frame().get("title").getAsString())
                    .isEqualTo("Small");
        }
    }
}
