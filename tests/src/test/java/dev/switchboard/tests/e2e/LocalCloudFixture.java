package dev.switchboard.tests.e2e;

import static org.awaitility.Awaitility.await;

import dev.switchboard.local.LocalCloud;
import dev.switchboard.local.LocalCloudOptions;
import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The real template, the options every test's cloud starts from, the warm-up and dev-auth URLs for the
 * end-to-end tests. Test classes get their cloud from {@link LocalCloudExtension} (two regions:
 * {@link TwoRegionsExtension}); {@link #options()} is for a test that starts clouds of its own.
 */
final class LocalCloudFixture {

    static final Path TEMPLATE = Path.of("..", "template.yaml");
    /**
     * Function processes start cold on a shared CI machine many times slower than Lambda: the tests
     * allow initialisation 2 minutes (Lambda: 10 s) and every invocation 60 s (the template: 10–60 s),
     * so a busy machine does not fail them. Timeouts themselves are tested in the local module
     * (ProcessRuntimeTest, LocalCloudTest) with short limits.
     */
    static final Duration INIT_TIMEOUT = Duration.ofMinutes(2);

    static final Duration FUNCTION_TIMEOUT = Duration.ofSeconds(60);

    private LocalCloudFixture() {}

    /**
     * What every test's cloud starts from: the repository's real template, free ports, and the test
     * timeouts above; each test adds what it is about (dev auth, a JWT secret, an environment).
     */
    static LocalCloudOptions.Builder options() {
        return LocalCloudOptions.builder()
                .template(TEMPLATE)
                .port(0)
                .dynamoDbPort(0)
                .snsPort(0)
                .functionInitTimeout(INIT_TIMEOUT)
                .functionTimeout(FUNCTION_TIMEOUT);
    }

    /**
     * Warms the connect and message functions behind {@code uri}: a handshake and a ping, until the pong
     * arrives. A cold function process takes seconds on a loaded 2-core machine (one $connect took 10.6 s
     * in CI, past the CLI's 10 s connect timeout), so whichever test ran first used to fail; a handshake
     * the client gave up on still warmed the function, so it is tried again, for two of
     * {@link WsClient#WAIT} at most.
     *
     * @param uri a WebSocket URL that gets in ({@link #userUri} with dev auth, a {@code ?token=} URL without)
     * @throws org.awaitility.core.ConditionTimeoutException when no pong came back in that time
     */
    static void warmUp(URI uri) {
        Duration wait = WsClient.WAIT;
        await().atMost(wait.multipliedBy(2)).pollDelay(Duration.ZERO).until(() -> {
            try (WsClient warm = WsClient.tryConnect(uri).get(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                warm.send(Json.write(new Request.Ping()));
                String pong = warm.frames.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
                return pong != null && pong.contains("\"pong\"");
            } catch (ExecutionException | TimeoutException slow) {
                return false;
            }
        });
    }

    static URI userUri(LocalCloud cloud, String user) {
        String base = String.valueOf(cloud.webSocketUri());
        return URI.create(
                base + (base.contains("?") ? "&" : "?") + "user=" + URLEncoder.encode(user, StandardCharsets.UTF_8));
    }
}
