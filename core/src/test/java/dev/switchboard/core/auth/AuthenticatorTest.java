package dev.switchboard.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.core.Config;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who a token says it is: one identity claim, a display name beside it, the rooms claim, and
 * Cognito's two token kinds (a JWKS served on loopback, as a user pool serves it).
 */
class AuthenticatorTest {

    static final String SECRET = "an-authenticator-test-secret-of-256-bits!!!!";
    static final String ISSUER = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_TEST";
    static final String CLIENT = "app-client-1";
    static RSAKey key;
    static ECKey ecKey;
    static HttpServer jwks;

    @BeforeAll
    static void serveJwks() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("k1").generate();
        ecKey = new ECKeyGenerator(Curve.P_256).keyID("e1").generate();
        // the public halves only, as a user pool's jwks.json has them
        byte[] body = new JWKSet(List.of(key.toPublicJWK(), ecKey.toPublicJWK()))
                .toString()
                .getBytes(StandardCharsets.UTF_8);
        jwks = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        jwks.createContext("/jwks.json", exchange -> {
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        jwks.start();
    }

    @AfterAll
    static void stop() {
        jwks.stop(0);
    }

    static Config config(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(
                Map.of("SWITCHBOARD_TABLE", "t", "SWITCHBOARD_MANAGEMENT_ENDPOINT", "http://localhost/x"));
        env.putAll(extra);
        return Config.fromEnv(env);
    }

    static String hs256(Consumer<JWTClaimsSet.Builder> claims) throws Exception {
        JWTClaimsSet.Builder builder =
                new JWTClaimsSet.Builder().expirationTime(new Date(System.currentTimeMillis() + 600_000));
        claims.accept(builder);
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), builder.build());
        jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }

    static String rs256(Consumer<JWTClaimsSet.Builder> claims) throws Exception {
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder()
                .expirationTime(new Date(System.currentTimeMillis() + 600_000))
                .issuer(ISSUER)
                .subject("0f1e2d3c-sub");
        claims.accept(builder);
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(), builder.build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    static Authenticator cognito() {
        return new Authenticator(config(Map.of(
                "SWITCHBOARD_JWKS_URL",
                "http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks.json",
                "SWITCHBOARD_JWT_ISSUER",
                ISSUER,
                "SWITCHBOARD_JWT_AUDIENCE",
                CLIENT)));
    }

    @Test
    void verify_takesTheUserFromSub_neverFromCognitoUsername() throws Exception {
        Identity identity = new Authenticator(config(Map.of("SWITCHBOARD_JWT_SECRET", SECRET)))
                .verify(hs256(
                        c -> c.subject("alice").claim("cognito:username", "bob").claim("name", "Alice A.")));
        assertThat(identity.user()).isEqualTo("alice");
        assertThat(identity.name()).isEqualTo("Alice A.");
        assertThat(identity.rooms()).isEqualTo(RoomGrants.NONE);
        assertThat(identity.expiresAt()).isGreaterThan(System.currentTimeMillis() / 1000);
    }

    @Test
    void verify_usesTheConfiguredIdentityClaim_andRefusesTokensWithoutIt() throws Exception {
        Authenticator byUid =
                new Authenticator(config(Map.of("SWITCHBOARD_JWT_SECRET", SECRET, "SWITCHBOARD_USER_CLAIM", "uid")));
        assertThat(byUid.verify(hs256(c -> c.subject("not-this").claim("uid", "carol")))
                        .user())
                .isEqualTo("carol");
        assertThatThrownBy(() -> byUid.verify(hs256(c -> c.subject("dave"))))
                .isInstanceOf(AuthenticationException.class)
                .satisfies(
                        e -> assertThat(((AuthenticationException) e).status()).isEqualTo(401));
    }

    @Test
    void verify_dropsADisplayNameWithControlCharacters_orTooLong() throws Exception {
        Authenticator auth = new Authenticator(config(Map.of("SWITCHBOARD_JWT_SECRET", SECRET)));
        assertThat(auth.verify(hs256(c -> c.subject("e").claim("name", "evil\u001b[2Jname")))
                        .name())
                .isNull();
        assertThat(auth.verify(hs256(c -> c.subject("e").claim("name", "x".repeat(65))))
                        .name())
                .isNull();
    }

    @Test
    void verify_readsTheRoomsClaim_andRefusesAMalformedOneWith403() throws Exception {
        Authenticator auth = new Authenticator(config(Map.of("SWITCHBOARD_JWT_SECRET", SECRET)));
        Identity identity = auth.verify(hs256(c -> c.subject("f").claim("rooms", Map.of("team-*", List.of("join")))));
        assertThat(identity.rooms().allows("team-x", Permission.JOIN)).isTrue();
        assertThat(identity.rooms().allows("team-x", Permission.SEND)).isFalse();
        assertThatThrownBy(() -> auth.verify(hs256(c -> c.subject("f").claim("rooms", List.of("team-*")))))
                .satisfies(
                        e -> assertThat(((AuthenticationException) e).status()).isEqualTo(403));
    }

    @Test
    void config_withAJwks_requiresIssuerAndAudience() {
        assertThatThrownBy(() -> config(Map.of(
                        "SWITCHBOARD_JWKS_URL", "http://127.0.0.1/jwks.json", "SWITCHBOARD_JWT_AUDIENCE", CLIENT)))
                .hasMessageContaining("SWITCHBOARD_JWT_ISSUER")
                .hasMessageContaining("JwtIssuer");
        assertThatThrownBy(() -> config(
                        Map.of("SWITCHBOARD_JWKS_URL", "http://127.0.0.1/jwks.json", "SWITCHBOARD_JWT_ISSUER", ISSUER)))
                .hasMessageContaining("SWITCHBOARD_JWT_AUDIENCE")
                .hasMessageContaining("JwtAudience");
    }

    @Test
    void cognitoIdToken_isCheckedByAud() throws Exception {
        assertThat(cognito()
                        .verify(rs256(c -> c.claim("token_use", "id").audience(CLIENT)))
                        .user())
                .isEqualTo("0f1e2d3c-sub");
        assertThatThrownBy(() ->
                        cognito().verify(rs256(c -> c.claim("token_use", "id").audience("another-client"))))
                .hasMessageContaining("aud");
        assertThatThrownBy(() ->
                        cognito().verify(rs256(c -> c.claim("token_use", "id").claim("client_id", CLIENT))))
                .as("an ID token must carry aud; client_id does not stand in")
                .hasMessageContaining("aud");
    }

    @Test
    void cognitoAccessToken_isCheckedByClientId_asItHasNoAud() throws Exception {
        assertThat(cognito()
                        .verify(rs256(c -> c.claim("token_use", "access").claim("client_id", CLIENT)))
                        .user())
                .isEqualTo("0f1e2d3c-sub");
        assertThatThrownBy(() -> cognito()
                        .verify(rs256(c -> c.claim("token_use", "access").claim("client_id", "another-client"))))
                .hasMessageContaining("client_id");
    }

    @Test
    void cognitoToken_withoutOrWithAnUnknownTokenUse_orFromAnotherIssuer_isRefused() throws Exception {
        assertThatThrownBy(() -> cognito().verify(rs256(c -> c.audience(CLIENT))))
                .isInstanceOf(AuthenticationException.class);
        assertThatThrownBy(() -> cognito()
                        .verify(rs256(c -> c.claim("token_use", "refresh").audience(CLIENT))))
                .hasMessageContaining("token_use");
        assertThatThrownBy(() -> cognito()
                        .verify(rs256(
                                c -> c.claim("token_use", "id").audience(CLIENT).issuer("https://evil.example"))))
                .isInstanceOf(AuthenticationException.class);
    }

    static JWTClaimsSet.Builder cognitoIdClaims() {
        return new JWTClaimsSet.Builder()
                .expirationTime(new Date(System.currentTimeMillis() + 600_000))
                .issuer(ISSUER)
                .subject("0f1e2d3c-sub")
                .claim("token_use", "id")
                .audience(CLIENT);
    }

    static int statusOf(Throwable e) {
        assertThat(e).isInstanceOf(AuthenticationException.class);
        return ((AuthenticationException) e).status();
    }

    @Test
    void es256Token_fromTheJwks_isAccepted() throws Exception {
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("e1").build(),
                cognitoIdClaims().build());
        jwt.sign(new ECDSASigner(ecKey));
        assertThat(cognito().verify(jwt.serialize()).user()).isEqualTo("0f1e2d3c-sub");
    }

    @Test
    void tokenSignedWithAKeyNotInTheJwks_isRefused_evenUnderAKnownKeyId() throws Exception {
        RSAKey stranger = new RSAKeyGenerator(2048).keyID("k1").generate(); // claims to be the pool's key k1
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(),
                cognitoIdClaims().build());
        jwt.sign(new RSASSASigner(stranger));
        assertThat(statusOf(catchThrowable(() -> cognito().verify(jwt.serialize()))))
                .isEqualTo(401);
    }

    /**
     * Algorithm confusion (RFC 8725 section 2.1): an attacker signs an HS256 token with the RSA public key,
     * which anyone can fetch from the JWKS, hoping the verifier uses it as an HMAC secret. Each key source
     * accepts only its own algorithms, so the JWKS never verifies an HS256 token.
     */
    @Test
    void algorithmConfusion_hs256SignedWithTheJwksPublicKey_isRefused() throws Exception {
        for (byte[] publicKeyAsSecret : List.of(
                key.toRSAPublicKey().getEncoded(),
                key.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8))) {
            SignedJWT jwt = new SignedJWT(
                    new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("k1").build(),
                    cognitoIdClaims().build());
            jwt.sign(new MACSigner(publicKeyAsSecret));
            assertThat(statusOf(catchThrowable(() -> cognito().verify(jwt.serialize()))))
                    .isEqualTo(401);
        }
    }

    /** {@code alg: none} (RFC 7519 section 6): an unsecured token is refused by every key source. */
    @Test
    void unsecuredToken_algNone_isRefused() {
        String hsClaims = new PlainJWT(new JWTClaimsSet.Builder()
                        .subject("mallory")
                        .expirationTime(new Date(System.currentTimeMillis() + 600_000))
                        .build())
                .serialize();
        String cognitoClaims = new PlainJWT(cognitoIdClaims().build()).serialize();
        assertThat(hsClaims).endsWith("."); // really an unsecured JWT: header.claims. and no signature
        Authenticator both = new Authenticator(config(Map.of(
                "SWITCHBOARD_JWT_SECRET",
                SECRET,
                "SWITCHBOARD_JWKS_URL",
                "http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks.json",
                "SWITCHBOARD_JWT_ISSUER",
                ISSUER,
                "SWITCHBOARD_JWT_AUDIENCE",
                CLIENT)));
        for (String token : List.of(hsClaims, cognitoClaims)) {
            assertThat(statusOf(catchThrowable(() -> both.verify(token))))
                    .as(token)
                    .isEqualTo(401);
            assertThat(statusOf(catchThrowable(() -> both.authenticate(Map.of("token", token), Map.of()))))
                    .isEqualTo(401);
        }
    }

    @Test
    void hs256Token_withAnotherSecret_orPastItsExpiryAndLeeway_isRefused() throws Exception {
        Authenticator auth = new Authenticator(config(Map.of("SWITCHBOARD_JWT_SECRET", SECRET)));
        SignedJWT forged = new SignedJWT(
                new JWSHeader(JWSAlgorithm.HS256),
                new JWTClaimsSet.Builder()
                        .subject("g")
                        .expirationTime(new Date(System.currentTimeMillis() + 600_000))
                        .build());
        forged.sign(new MACSigner("another-secret-of-at-least-256-bits-length!".getBytes(StandardCharsets.UTF_8)));
        assertThat(statusOf(catchThrowable(() -> auth.verify(forged.serialize()))))
                .isEqualTo(401);
        // the default leeway is 30 s: ten minutes past exp is expired
        String expired = hs256(c -> c.subject("g").expirationTime(new Date(System.currentTimeMillis() - 600_000)));
        assertThat(catchThrowable(() -> auth.verify(expired))).hasMessageContaining("xpired");
    }

    @Test
    void hs256Token_whenOnlyAJwksIsConfigured_isRefused() throws Exception {
        assertThat(statusOf(catchThrowable(() -> cognito()
                        .verify(hs256(c -> c.subject("h")
                                .issuer(ISSUER)
                                .claim("token_use", "id")
                                .audience(CLIENT))))))
                .isEqualTo(401);
    }

    /** RFC 7518 section 3.2: an HS256 key must be at least 256 bits; a shorter one fails the function's start. */
    @Test
    void tooShortHs256Secret_isRefusedAtStartUp_namingTheVariableAndAFix() {
        String thirtyOneBytes = "x".repeat(Config.MIN_JWT_SECRET_BYTES - 1);
        assertThatThrownBy(() -> config(Map.of("SWITCHBOARD_JWT_SECRET", thirtyOneBytes)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SWITCHBOARD_JWT_SECRET")
                .hasMessageContaining("31 bytes")
                .hasMessageContaining("openssl rand -base64 32");
        // counted in UTF-8 bytes: 11 three-byte characters are 33 bytes
        assertThat(config(Map.of("SWITCHBOARD_JWT_SECRET", "\u20ac".repeat(11))).jwtSecret())
                .isPresent();
        assertThat(config(Map.of("SWITCHBOARD_JWT_SECRET", "x".repeat(Config.MIN_JWT_SECRET_BYTES)))
                        .jwtSecret())
                .isPresent();
    }
}
