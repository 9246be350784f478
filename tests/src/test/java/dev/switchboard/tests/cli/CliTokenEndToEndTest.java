package dev.switchboard.tests.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.tests.cli.CliProcess.Run;
import dev.switchboard.tests.e2e.LocalCloudExtension;
import dev.switchboard.tests.e2e.TestTokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI with tokens that expire: it refreshes from its token file before the token runs out, and
 * a reconnect the server refuses (401) ends it with a message instead of retrying for ever.
 */
class CliTokenEndToEndTest {

    static final String SECRET = "a-cli-token-test-secret-of-at-least-256-bits!!";

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.with(
            b -> b.devAuth(false).jwtSecret(SECRET).environment(Map.of("SWITCHBOARD_TOKEN_LEEWAY_SECONDS", "1")));

    /** The CLI gives up on a handshake after 30 s: warm the functions before a short token's clock starts. */
    @BeforeAll
    static void warmUp() throws Exception {
        local.warmUp(local.tokenUri(token("warm-up", 600)));
    }

    static String token(String user, long seconds) throws Exception {
        return TestTokens.sign(SECRET, TestTokens.claims(user, seconds));
    }

    /** The connection id of {@code user}'s member item in {@code room}, once it has joined. */
    static Optional<String> memberConnection(String room, String user) {
        return local.table().partition("ROOM#" + room).stream()
                .filter(item -> user.equals(item.get("user").s()))
                .map(item -> item.get("connectionId").s())
                .findFirst();
    }

    /** The token expiry (epoch s) stored on the connection, 0 when it has none. */
    static long tokenExp(String connectionId) {
        return local.table().connectionItems(connectionId).stream()
                .filter(item -> item.get("sk").s().equals("META") && item.containsKey("tokenExp"))
                .mapToLong(item -> Long.parseLong(item.get("tokenExp").n()))
                .findFirst()
                .orElse(0);
    }

    @Test
    void listen_refreshesFromItsTokenFile_andKeepsReceivingAfterTheFirstTokenExpired(@TempDir Path dir)
            throws Exception {
        Path file = dir.resolve("token");
        long shortLife = 15;
        long minted = System.currentTimeMillis();
        Files.writeString(file, token("renew", shortLife));
        String url = local.cloud().webSocketUri().toString();
        CliProcess listening = CliProcess.start(
                "listen",
                "--url",
                url,
                "--token-file",
                file.toString(),
                "--room",
                "lobby",
                "--json",
                "--count",
                "1",
                "--timeout",
                CliEndToEndTest.LISTEN_TIMEOUT);
        await().atMost(LocalCloudExtension.WAIT)
                .until(() -> memberConnection("lobby", "renew").isPresent());
        Files.writeString(file, token("renew", 600)); // what an identity provider's refresh would write
        String connectionId = memberConnection("lobby", "renew").orElseThrow();
        // the CLI sends refresh by itself, a quarter of the token's life before it ends
        await().atMost(Duration.ofSeconds(shortLife + 30)).until(() -> tokenExp(connectionId) > minted / 1000 + 300);
        long expSecond = (minted + shortLife * 1000) / 1000;
        await().atMost(Duration.ofSeconds(shortLife + 30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> System.currentTimeMillis() / 1000 > expSecond + 1);

        // the default 10 s wait for the ack is a user's; a loaded machine's cold function instances need more (a
        // second MessageFunction instance took 19 s to initialise here), and the listener waits as long
        Run sent = CliProcess.run(
                "send",
                "--url",
                url,
                "--token",
                token("sender", 600),
                "--room",
                "lobby",
                "--timeout",
                CliEndToEndTest.SEND_TIMEOUT,
                "after the first token");
        assertThat(sent.exitCode()).as(sent.err()).isZero();
        Run listened = listening.exit(Duration.ofMinutes(4));
        assertThat(listened.exitCode()).as(listened.err()).isZero();
        assertThat(listened.out()).contains("after the first token");
        assertThat(listened.err()).contains("token refreshed");
    }

    @Test
    void aReconnectRefused401_endsTheCli_withAMessage(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("token");
        Files.writeString(file, token("refused", 600));
        String url = local.cloud().webSocketUri().toString();
        CliProcess listening = CliProcess.start(
                "listen",
                "--url",
                url,
                "--token-file",
                file.toString(),
                "--room",
                "lobby",
                "--timeout",
                CliEndToEndTest.LISTEN_TIMEOUT); // bounds only a failure: the wait for its exit below is the test's
        await().atMost(LocalCloudExtension.WAIT)
                .until(() -> memberConnection("lobby", "refused").isPresent());
        Files.writeString(file, "not.a.jwt");
        // the server closes the connection (as API Gateway's DELETE @connections does); the CLI reconnects with the
        // file's token
        String connectionId = memberConnection("lobby", "refused").orElseThrow();
        HttpResponse<String> deleted = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(
                                        local.cloud().connectionsEndpoint() + "/@connections/" + connectionId))
                                .DELETE()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(deleted.statusCode()).isEqualTo(204);

        Run listened = listening.exit(LocalCloudExtension.WAIT);
        assertThat(listened.exitCode())
                .as(listened.err())
                .isEqualTo(4); // "4 handshake rejected (401/403: user or token)", the CLI's documented exit codes
        assertThat(listened.err()).contains("HTTP 401").contains("stopped reconnecting");
    }
}
