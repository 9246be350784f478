package dev.switchboard.core.auth;

import java.net.MalformedURLException;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;

import dev.switchboard.core.Config;
import dev.switchboard.core.protocol.Names;

/**
 * Decides who may connect. JWTs are verified for signature, exp, nbf, iss and aud: HS256 with the
 * configured shared secret, RS256/ES256 with keys from a JWKS URL (cached by nimbus). Each key
 * source accepts only its own algorithms, so an HS256 token signed with a public RSA key
 * (algorithm confusion) and {@code alg=none} are refused. Dev mode ({@code ?user=}) only when the
 * configuration turns it on. Tokens never appear in messages or logs.
 */
public final class Authenticator {

    private final boolean devAuth;
    private final List<DefaultJWTProcessor<SecurityContext>> processors;

    public Authenticator(Config config) {
        this.devAuth = config.devAuth();
        this.processors = new java.util.ArrayList<>();
        config.jwtSecret().ifPresent(secret -> processors.add(processor(
                new JWSVerificationKeySelector<>(JWSAlgorithm.HS256, new ImmutableSecret<>(secret.getBytes(StandardCharsets.UTF_8))),
                config)));
        config.jwksUrl().ifPresent(url -> {
            try {
                processors.add(processor(new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256),
                        JWKSourceBuilder.create(url.toURL()).retrying(true).build()), config));
            } catch (MalformedURLException e) {
                throw new IllegalStateException(Config.JWKS_URL + " is not a valid URL: " + url, e);
            }
        });
    }

    private static DefaultJWTProcessor<SecurityContext> processor(JWSVerificationKeySelector<SecurityContext> keys, Config config) {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(keys);
        JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
        config.jwtIssuer().ifPresent(exact::issuer);
        Set<String> required = new HashSet<>(Set.of("sub", "exp"));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(
                config.jwtAudience().orElse(null), exact.build(), required));
        return processor;
    }

    public boolean jwtEnabled() {
        return !processors.isEmpty();
    }

    /**
     * @param query   query string parameters of the handshake (may be null)
     * @param headers handshake headers (any case; may be null)
     */
    public Identity authenticate(Map<String, String> query, Map<String, String> headers) throws AuthenticationException {
        Optional<String> token = token(query, headers);
        if (token.isPresent()) {
            return verify(token.get());
        }
        if (devAuth) {
            String user = query == null ? null : query.get("user");
            if (user == null) {
                throw new AuthenticationException(401, "dev mode: connect with ?user=NAME");
            }
            if (!Names.isValid(user)) {
                throw new AuthenticationException(403, "user name must be " + Names.describe());
            }
            return new Identity(user, false);
        }
        throw new AuthenticationException(401, "a token is required: ?token=JWT or Authorization: Bearer JWT");
    }

    private Identity verify(String token) throws AuthenticationException {
        if (processors.isEmpty()) {
            throw new AuthenticationException(401, "tokens are not accepted: no JWT secret or JWKS URL is configured");
        }
        String lastProblem = "invalid token";
        for (DefaultJWTProcessor<SecurityContext> processor : processors) {
            try {
                JWTClaimsSet claims = processor.process(token, null);
                String user = claims.getSubject();
                Object username = claims.getClaim("cognito:username");
                if (username instanceof String name && Names.isValid(name)) {
                    user = name;
                }
                if (!Names.isValid(user)) {
                    throw new AuthenticationException(403, "the token's subject is not a valid user name (" + Names.describe() + ")");
                }
                return new Identity(user, Boolean.TRUE.equals(claims.getClaim("admin")));
            } catch (ParseException e) {
                throw new AuthenticationException(401, "the token is not a JWT");
            } catch (BadJOSEException e) {
                lastProblem = "token rejected: " + e.getMessage();
            } catch (JOSEException e) {
                lastProblem = "token could not be verified: " + e.getMessage();
            }
        }
        throw new AuthenticationException(401, lastProblem);
    }

    private static Optional<String> token(Map<String, String> query, Map<String, String> headers) {
        if (query != null && query.get("token") != null && !query.get("token").isBlank()) {
            return Optional.of(query.get("token"));
        }
        if (headers != null) {
            for (Map.Entry<String, String> header : headers.entrySet()) {
                if (header.getKey().equalsIgnoreCase("Authorization") && header.getValue() != null
                        && header.getValue().regionMatches(true, 0, "Bearer ", 0, 7)) {
                    return Optional.of(header.getValue().substring(7).trim());
                }
            }
        }
        return Optional.empty();
    }
}
