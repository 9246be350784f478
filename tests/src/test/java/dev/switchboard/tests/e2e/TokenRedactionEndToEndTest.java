package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.switchboard.local.LocalCloud;
import dev.switchboard.local.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Tokens never reach the logs. Everything the local cloud, Jetty and the handlers log (slf4j-simple
 * on System.err, captured from before the cloud starts) is searched for every token used: accepted
 * by query and by header, refused (expired, wrong signature, wrong audience), in a malformed query
 * string, and on a {@code $connect} whose function fails (DynamoDB throttled on every attempt).
 */
class TokenRedactionEndToEndTest {

    static final String SECRET = "a-redaction-test-secret-of-at-least-256-bits!!";

    static String token(String secret, String subject, long expiresInSeconds, String audience) throws Exception {
        JWTClaimsSet.Builder claims = TestTokens.claims(subject, expiresInSeconds);
        if (audience != null) {
            claims.audience(audience);
        }
        return TestTokens.sign(secret, claims);
    }

    @Test
    void noTokenEverAppearsInTheLogs_acceptedRefusedMalformedOrWithAFailingFunction() throws Exception {
        List<String> tokens = new ArrayList<>();
        String logged;
        try (LogCapture log = new LogCapture();
                LocalCloud cloud = LocalCloud.start(LocalCloudFixture.options()
                        .devAuth(false)
                        .jwtSecret(SECRET)
                        .dynamoDbFaults(true)
                        .publicRooms("redact")
                        .environment(java.util.Map.of("SWITCHBOARD_JWT_AUDIENCE", "switchboard-web"))
                        .build())) {
            URI ws = cloud.webSocketUri();

            // accepted, by query: connect, chat, leave
            String byQuery = token(SECRET, "redact-query", 3600, "switchboard-web");
            tokens.add(byQuery);
            try (WsClient client = WsClient.connect(URI.create(ws + "?token=" + byQuery))) {
                ChatEndToEndTest.join(client, "redact", "redact-query");
                ChatEndToEndTest.send(client, "redact", "hello", "r-1");
                // deliberately an unknown action (a literal: no record has it), carrying a token the logs must not show
                client.send("{\"action\":\"dance\",\"token\":\"" + byQuery + "\"}");
                client.nextOfType("error");
            }

            // accepted, by header
            String byHeader = token(SECRET, "redact-header", 3600, "switchboard-web");
            tokens.add(byHeader);
            WebSocket socket = HttpClient.newHttpClient()
                    .newWebSocketBuilder()
                    .header("Authorization", "Bearer " + byHeader)
                    .buildAsync(ws, new WebSocket.Listener() {})
                    .get(10, TimeUnit.SECONDS);
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);

            // refused: expired, wrong signature, wrong audience; by query and by header
            String expired = token(SECRET, "redact-expired", -600, "switchboard-web");
            String forged =
                    token("another-secret-that-is-also-at-least-256-bits!!", "redact-forged", 3600, "switchboard-web");
            String otherAudience = token(SECRET, "redact-aud", 3600, "another-app");
            for (String bad : List.of(expired, forged, otherAudience)) {
                tokens.add(bad);
                assertThat(WsClient.handshakeStatus(
                                catchThrowable(() -> WsClient.tryConnect(URI.create(ws + "?token=" + bad))
                                        .join())))
                        .isEqualTo(401);
                Throwable refused = catchThrowable(() -> HttpClient.newHttpClient()
                        .newWebSocketBuilder()
                        .header("Authorization", "Bearer " + bad)
                        .buildAsync(ws, new WebSocket.Listener() {})
                        .get(10, TimeUnit.SECONDS));
                assertThat(WsClient.handshakeStatus(refused)).isEqualTo(401);
            }

            // a malformed query string around a token (a bad % escape)
            String malformed = token(SECRET, "redact-malformed", 3600, "switchboard-web");
            tokens.add(malformed);
            String status = RawWsClient.handshakeStatusLine(ws, ws.getRawPath() + "?token=" + malformed + "%zz&x=%");
            System.out.println("TokenRedactionEndToEndTest: a malformed query string was answered " + status);
            assertThat(status)
                    .as("the bad escape is passed on as sent, so the token is simply invalid")
                    .startsWith("HTTP/1.1 401");

            // the function fails: every DynamoDB attempt throttled, so $connect throws and is logged
            String failing = token(SECRET, "redact-failing", 3600, "switchboard-web");
            tokens.add(failing);
            cloud.dynamoDbFaults().throttle(1.0, Integer.MAX_VALUE);
            try {
                assertThat(WsClient.handshakeStatus(
                                catchThrowable(() -> WsClient.tryConnect(URI.create(ws + "?token=" + failing))
                                        .join())))
                        .isEqualTo(500);
            } finally {
                cloud.dynamoDbFaults().clear();
            }
            logged = log.text();
        }

        // the paths ran and logged (so the search below is not vacuous) ...
        assertThat(logged)
                .contains("user=redact-query")
                .contains("user=redact-header")
                .contains("refused 401");
        // the failing function: the gateway's line for it (the in-process runtime's own "failed" line is gone
        // now that functions run as processes and log JSON to their own output)
        assertThat(logged).containsPattern("-> ConnectFunction \\d+ ms ERROR");
        // ... and no token, nor the claims or signature part of one, is anywhere in what was logged
        for (String token : tokens) {
            String[] parts = token.split("\\.");
            assertThat(logged)
                    .as("a token in the logs")
                    .doesNotContain(token)
                    .doesNotContain(parts[1])
                    .doesNotContain(parts[2]);
        }
        System.out.printf(
                "TokenRedactionEndToEndTest: %d tokens, %d characters of log searched%n",
                tokens.size(), logged.length());
    }
}
