package dev.switchboard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** What the CLI reads of its own token without verifying it: when to refresh, and who it is. */
class ChatSessionClaimsTest {

    /** A JWT-shaped token with this JSON payload (the signature is not read). */
    static String token(String payloadJson) {
        Base64.Encoder base64url = Base64.getUrlEncoder().withoutPadding();
        return base64url.encodeToString("{\"alg\":\"HS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + base64url.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8)) + ".sig";
    }

    @Test
    void expiryAndSubject_areReadFromThePayload() {
        String token = token("{\"sub\":\"ada\",\"exp\":1764000000}");

        assertThat(ChatSession.expiry(token)).isEqualTo(1_764_000_000L);
        assertThat(ChatSession.subject(token)).isEqualTo("ada");
    }

    @Test
    void absentClaims_orNoJwt_giveZeroAndNull() {
        assertThat(ChatSession.expiry(token("{\"sub\":\"ada\"}"))).isZero();
        assertThat(ChatSession.subject(token("{\"exp\":1}"))).isNull();
        for (String notAJwt : new String[] {"not-a-jwt", "a.%%%.c", token("[1,2]")}) {
            assertThat(ChatSession.expiry(notAJwt)).as(notAJwt).isZero();
            assertThat(ChatSession.subject(notAJwt)).as(notAJwt).isNull();
        }
    }
}
