package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Date;
import org.junit.jupiter.api.Test;

class MainTest {
  private static final String SECRET = "0123456789abcdef0123456789abcdef";

  @Test
  void token_isHs256WithSubjectExpiryAndAdminClaim() throws Exception {
    SignedJWT jwt = SignedJWT.parse(Main.token("alice", SECRET, true, Duration.ofHours(1)));
    assertThat(jwt.verify(new MACVerifier(SECRET.getBytes(StandardCharsets.UTF_8)))).isTrue();
    assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo("alice");
    assertThat(jwt.getJWTClaimsSet().getExpirationTime()).isAfter(new Date());
    assertThat(jwt.getJWTClaimsSet().getBooleanClaim("admin")).isTrue();
  }

  @Test
  void token_withoutAdmin_hasNoAdminClaim() throws Exception {
    SignedJWT jwt = SignedJWT.parse(Main.token("bob", SECRET, false, Duration.ofHours(1)));
    assertThat(jwt.getJWTClaimsSet().getClaim("admin")).isNull();
  }
}
