package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;

/**
 * permessage-deflate (RFC 7692), which browsers, node {@code ws} and wscat offer and API Gateway
 * negotiates, changes none of API Gateway's limits (issue 14 item 2): a compressed message of any
 * size up to the limits is answered, a frame that inflates past 32 KB is closed with 1009.
 */
class CompressionEndToEndTest {

    static final Path WS_MODULE_PARENT = globalNodeModules().resolve("wscat").resolve("node_modules");

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.devAuth();

    @BeforeAll
    static void checkNodeWs() {
        if (!Files.isDirectory(WS_MODULE_PARENT.resolve("ws"))) {
            throw new IllegalStateException(
                    "node ws not found under " + WS_MODULE_PARENT + ": run `npm install -g wscat` (.ci/run does it)");
        }
    }

    private static Path globalNodeModules() {
        try {
            Process npm = new ProcessBuilder("npm", "root", "-g")
                    .redirectErrorStream(true)
                    .start();
            String root = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            npm.waitFor(30, TimeUnit.SECONDS);
            return Path.of(root);
        } catch (Exception e) {
            throw new IllegalStateException("cannot run `npm root -g`: install node and npm (.ci/run does it)", e);
        }
    }

    private static JsonObject nodePing(String user, int padChars) throws Exception {
        ProcessBuilder node = new ProcessBuilder(
                "node",
                Path.of("src/test/resources/node/deflate-ping.js").toString(),
                local.userUri(user).toString(),
                Integer.toString(padChars));
        node.environment().put("NODE_PATH", WS_MODULE_PARENT.toString());
        Process p = node.start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("node finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(out).as("node output (stderr: %s)", err).startsWith("{");
        return JsonParser.parseString(out.lines().reduce((a, b) -> b).orElseThrow())
                .getAsJsonObject();
    }

    @Test
    void nodeWs_negotiatesDeflate_andAnEightKilobytePingIsAnswered() throws Exception {
        JsonObject result = nodePing("deflate-8k", 8_200);

        // ws.extensions is the negotiated Sec-WebSocket-Extensions value; Jetty's own '@' settings stay out of it.
        assertThat(result.get("extensions").getAsString())
                .startsWith("permessage-deflate")
                .doesNotContain("@");
        // Before: closed 1009 "Inflated payload exceeded the decompress buffer size" at 8,192 bytes.
        assertThat(result.get("reply").getAsString()).contains("\"type\":\"pong\"");
    }

    @Test
    void nodeWs_compressedTwentyKilobyteMessage_isAnswered() throws Exception {
        JsonObject result = nodePing("deflate-20k", 20_000);

        assertThat(result.get("reply").getAsString()).contains("\"type\":\"pong\"");
    }

    @Test
    void nodeWs_compressedFrameInflatingPast32KB_isClosed1009_asUncompressed() throws Exception {
        // 40,000 'p' compress to a few hundred bytes on the wire; the limit is on what they carry.
        JsonObject result = nodePing("deflate-40k", 40_000);

        assertThat(result.has("reply")).as("answered: %s", result).isFalse();
        assertThat(result.get("close").getAsInt()).isEqualTo(1009);
    }

    @Test
    void knownGap_compressedFrameInflatingToExactly32KB_isClosed1009() throws Exception {
        // {"action":"ping","pad":"…"} is 26 characters around the pad: 32,742 make exactly 32,768 bytes,
        // the frame quota, which an uncompressed frame may have. Jetty fails an inflate buffer it
        // fills exactly, so the local cloud is one byte harsher under compression (docs/LOCAL.md).
        JsonObject result = nodePing("deflate-32k", 32_768 - 26);

        assertThat(result.get("close").getAsInt()).isEqualTo(1009);
    }

    @Test
    void chromium_validNineKilobyteMessage_isAnswered() {
        ChatPageBrowserTest.checkBrowser();
        WebDriver browser = ChatPageBrowserTest.browser();
        try {
            browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
            browser.get(String.valueOf(local.cloud().chatPageUri()));
            Object result = ((JavascriptExecutor) browser)
                    .executeAsyncScript("""
                    const [url, done] = arguments;
                    const ws = new WebSocket(url);
                    ws.onopen = () => ws.send(JSON.stringify({action: 'ping', pad: '中'.repeat(3000)}));
                    ws.onmessage = (e) => { done({extensions: ws.extensions, reply: e.data}); ws.close(); };
                    ws.onclose = (e) => done({extensions: ws.extensions, close: e.code});
                    """, local.userUri("chromium-9k").toString());

            @SuppressWarnings("unchecked")
            Map<String, Object> answer = (Map<String, Object>) result;
            assertThat(String.valueOf(answer.get("extensions"))).contains("permessage-deflate");
            // Before: a 9,000-byte message (3,000 × 中) from Chromium was closed with 1009.
            assertThat(String.valueOf(answer.get("reply"))).contains("\"type\":\"pong\"");
        } finally {
            browser.quit();
        }
    }
}
