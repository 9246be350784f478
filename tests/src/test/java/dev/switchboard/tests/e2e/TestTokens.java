package dev.switchboard.tests.e2e;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.util.Date;

/**
 * Client tokens for the end-to-end tests, made as an identity provider makes them: a JWT (RFC 7519)
 * signed HS256 with the cloud's shared secret (RFC 7518 section 3.2). A test adds the claims it is
 * about (rooms, audience, admin) to {@link #claims} and signs them with {@link #sign}.
 */
public final class TestTokens {

    private TestTokens() {}

    /** {@code sub} = {@code subject}, {@code exp} = now + {@code expiresInSeconds} (negative: already expired). */
    public static JWTClaimsSet.Builder claims(String subject, long expiresInSeconds) {
        return new JWTClaimsSet.Builder()
                .subject(subject)
                .expirationTime(new Date(System.currentTimeMillis() + expiresInSeconds * 1000));
    }

    /**
     * The claims signed HS256 with {@code secret}, in compact serialization (the {@code ?token=} value).
     *
     * @throws JOSEException when the secret is shorter than 32 bytes (256 bits, RFC 7518 section 3.2)
     */
    public static String sign(String secret, JWTClaimsSet.Builder claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
        jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }
}
