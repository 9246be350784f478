package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.local.WsClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** $connect with HS256 JWT auth (dev mode off): only a valid, unexpired, properly signed token gets in. */
class TokenEndToEndTest {

    static final String SECRET = "a-test-secret-that-is-at-least-256-bits-long!!";

    @RegisterExtension
    static final LocalCloudExtension local =
            LocalCloudExtension.with(b -> b.devAuth(false).jwtSecret(SECRET));

    static String token(String secret, String subject, long expiresInSeconds) throws Exception {
        return TestTokens.sign(secret, TestTokens.claims(subject, expiresInSeconds));
    }

    @Test
    void validToken_connectsAsItsSubject() throws Exception {
        try (WsClient client = WsClient.connect(local.tokenUri(token(SECRET, "tina", 3600)))) {
            ChatEndToEndTest.join(client, "lobby", "tina"); // public by default: the token has no rooms claim
        }
    }

    @Test
    void expiredToken_isRefused401() throws Exception {
        assertThat(WsClient.refusedWith(local.tokenUri(token(SECRET, "tina", -600))))
                .isEqualTo(401);
    }

    @Test
    void wrongSignature_isRefused401() throws Exception {
        assertThat(WsClient.refusedWith(
                        local.tokenUri(token("another-secret-that-is-also-at-least-256-bits!!", "tina", 3600))))
                .isEqualTo(401);
    }

    @Test
    void unsignedAlgNone_isRefused401() {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"none\"}".getBytes(StandardCharsets.UTF_8));
        String claims =
                b64.encodeToString(("{\"sub\":\"mallory\",\"exp\":" + (System.currentTimeMillis() / 1000 + 3600) + "}")
                        .getBytes(StandardCharsets.UTF_8));
        assertThat(WsClient.refusedWith(local.tokenUri(header + "." + claims + ".")))
                .isEqualTo(401);
    }

    @Test
    void missingToken_andDevModeUser_areRefused401() {
        assertThat(WsClient.refusedWith(local.cloud().webSocketUri())).isEqualTo(401);
        // dev mode is off: ?user= alone is not an identity
        assertThat(WsClient.refusedWith(URI.create(local.cloud().webSocketUri() + "?user=mallory")))
                .isEqualTo(401);
    }

    @Test
    void garbageToken_isRefused401() {
        assertThat(WsClient.refusedWith(local.tokenUri("not.a.jwt"))).isEqualTo(401);
    }
}
