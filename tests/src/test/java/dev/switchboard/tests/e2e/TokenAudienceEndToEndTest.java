package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.switchboard.local.WsClient;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * $connect with an expected audience and issuer (the template's JwtAudience / JwtIssuer, given to
 * the functions as SWITCHBOARD_JWT_AUDIENCE / SWITCHBOARD_JWT_ISSUER): a correctly signed token
 * minted for another audience or by another issuer is refused with 401 and stores nothing.
 */
class TokenAudienceEndToEndTest {

    static final String SECRET = "an-audience-test-secret-of-at-least-256-bits!!";
    static final String AUDIENCE = "switchboard-web";
    static final String ISSUER = "https://issuer.switchboard.test";

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.with(b -> b.devAuth(false)
            .jwtSecret(SECRET)
            .publicRooms("aud-room")
            .environment(Map.of("SWITCHBOARD_JWT_AUDIENCE", AUDIENCE, "SWITCHBOARD_JWT_ISSUER", ISSUER)));

    static String token(String subject, List<String> audience, String issuer) throws Exception {
        JWTClaimsSet.Builder claims = TestTokens.claims(subject, 3600);
        if (audience != null) {
            claims.audience(audience);
        }
        if (issuer != null) {
            claims.issuer(issuer);
        }
        return TestTokens.sign(SECRET, claims);
    }

    @Test
    void rightAudienceAndIssuer_isAccepted_andTheConnectionIsStored() throws Exception {
        try (WsClient client = WsClient.connect(local.tokenUri(token("aud-ok", List.of(AUDIENCE), ISSUER)))) {
            ChatEndToEndTest.join(client, "aud-room", "aud-ok");
            assertThat(local.table().connectionsOf("aud-ok")).hasSize(1);
        }
    }

    @Test
    void anAudienceListContainingOurs_isAccepted() throws Exception {
        try (WsClient client =
                WsClient.connect(local.tokenUri(token("aud-list", List.of("another-app", AUDIENCE), ISSUER)))) {
            ChatEndToEndTest.join(client, "aud-room", "aud-list");
        }
    }

    @Test
    void wrongAudience_isRefused401_andNothingIsStored() throws Exception {
        assertThat(WsClient.refusedWith(local.tokenUri(token("aud-wrong", List.of("another-app"), ISSUER))))
                .isEqualTo(401);
        assertThat(local.table().connectionsOf("aud-wrong")).isEmpty();
    }

    @Test
    void missingAudience_isRefused401() throws Exception {
        assertThat(WsClient.refusedWith(local.tokenUri(token("aud-missing", null, ISSUER))))
                .isEqualTo(401);
        assertThat(local.table().connectionsOf("aud-missing")).isEmpty();
    }

    @Test
    void wrongOrMissingIssuer_isRefused401_andNothingIsStored() throws Exception {
        assertThat(WsClient.refusedWith(local.tokenUri(token("iss-wrong", List.of(AUDIENCE), "https://evil.example"))))
                .isEqualTo(401);
        assertThat(WsClient.refusedWith(local.tokenUri(token("iss-missing", List.of(AUDIENCE), null))))
                .isEqualTo(401);
        assertThat(local.table().connectionsOf("iss-wrong")).isEmpty();
        assertThat(local.table().connectionsOf("iss-missing")).isEmpty();
    }

    @Test
    void theAuthorizationHeader_isCheckedTheSameWay() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Throwable refused = catchThrowable(() -> http.newWebSocketBuilder()
                .header("Authorization", "Bearer " + token("hdr-wrong", List.of("another-app"), ISSUER))
                .buildAsync(local.cloud().webSocketUri(), new WebSocket.Listener() {})
                .get(10, TimeUnit.SECONDS));
        assertThat(WsClient.handshakeStatus(refused)).isEqualTo(401);

        WebSocket accepted = http.newWebSocketBuilder()
                .header("Authorization", "Bearer " + token("hdr-ok", List.of(AUDIENCE), ISSUER))
                .buildAsync(local.cloud().webSocketUri(), new WebSocket.Listener() {})
                .get(10, TimeUnit.SECONDS);
        try {
            assertThat(local.table().connectionsOf("hdr-ok")).hasSize(1);
            assertThat(local.table().connectionsOf("hdr-wrong")).isEmpty();
        } finally {
            accepted.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        }
    }
}
