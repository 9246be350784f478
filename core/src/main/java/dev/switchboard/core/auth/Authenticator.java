package dev.switchboard.core.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.switchboard.core.Config;
import dev.switchboard.protocol.Names;
import java.net.MalformedURLException;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides who may connect, and who a {@code refresh} token is. JWTs are verified for signature,
 * exp, nbf, iss and aud: HS256 with the configured shared secret, RS256/ES256 with keys from a JWKS
 * URL (cached by nimbus). Each key source accepts only its own algorithms, so an HS256 token signed
 * with a public RSA key (algorithm confusion) and {@code alg=none} are refused. Dev mode
 * ({@code ?user=}) only when the configuration turns it on. Tokens never appear in messages or logs.
 *
 * <p>The user id is the configured identity claim ({@code sub} by default) and nothing else: a
 * claim a user can edit (Cognito's {@code cognito:username}, {@code email}) never replaces it. The
 * display name ({@code name} by default) travels beside it. The rooms claim becomes
 * {@link RoomGrants}.
 *
 * <p>JWKS tokens (Amazon Cognito) must carry the configured issuer and {@code token_use} {@code id}
 * or {@code access}; an ID token's {@code aud} and an access token's {@code client_id} must be the
 * configured app client id (Cognito access tokens have no {@code aud}), as
 * https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
 * requires.
 */
public final class Authenticator {

    /** Display names longer than this are dropped (they are shown beside every message). */
    static final int MAX_NAME_LENGTH = 64;
    /** Connect and read timeouts of a JWKS fetch, ms (each; one retry): well within API Gateway's 29 s for $connect. */
    static final int JWKS_TIMEOUT_MILLIS = 3_000;

    private final boolean devAuth;
    private final List<Verifier> verifiers;
    private final String userClaim;
    private final Optional<String> nameClaim;
    private final String roomsClaim;
    private final Optional<String> audience;

    /** One key source and how its tokens' audience is checked. */
    private record Verifier(DefaultJWTProcessor<SecurityContext> processor, boolean cognito) {}

    /**
     * @throws IllegalStateException when the JWKS URL is not a URL
     */
    public Authenticator(Config config) {
        this.devAuth = config.devAuth();
        this.userClaim = config.userClaim();
        this.nameClaim = config.nameClaim();
        this.roomsClaim = config.roomsClaim();
        this.audience = config.jwtAudience();
        this.verifiers = new java.util.ArrayList<>();
        config.jwtSecret()
                .ifPresent(secret -> verifiers.add(new Verifier(
                        processor(
                                new JWSVerificationKeySelector<>(
                                        JWSAlgorithm.HS256,
                                        new ImmutableSecret<>(secret.getBytes(StandardCharsets.UTF_8))),
                                config,
                                false),
                        false)));
        config.jwksUrl().ifPresent(url -> {
            try {
                // nimbus's default timeouts are 500 ms each: a cold function's first TLS handshake to the JWKS
                // host can take longer, and the handshake would be refused with 401 for it
                DefaultResourceRetriever retriever = new DefaultResourceRetriever(
                        JWKS_TIMEOUT_MILLIS, JWKS_TIMEOUT_MILLIS, JWKSourceBuilder.DEFAULT_HTTP_SIZE_LIMIT);
                verifiers.add(new Verifier(
                        processor(
                                new JWSVerificationKeySelector<>(
                                        Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256),
                                        JWKSourceBuilder.create(url.toURL(), retriever)
                                                .retrying(true)
                                                .build()),
                                config,
                                true),
                        true));
            } catch (MalformedURLException e) {
                throw new IllegalStateException(Config.JWKS_URL + " is not a valid URL: " + url, e);
            }
        });
    }

    private static DefaultJWTProcessor<SecurityContext> processor(
            JWSVerificationKeySelector<SecurityContext> keys, Config config, boolean cognito) {
        DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
        processor.setJWSKeySelector(keys);
        JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
        config.jwtIssuer().ifPresent(exact::issuer);
        Set<String> required = new HashSet<>(Set.of(config.userClaim(), "exp"));
        if (cognito) {
            required.add("token_use");
        }
        // Cognito: the audience is checked per token_use in verify(), as access tokens carry client_id instead of aud.
        DefaultJWTClaimsVerifier<SecurityContext> verifier = new DefaultJWTClaimsVerifier<>(
                cognito ? null : config.jwtAudience().orElse(null), exact.build(), required);
        // The same leeway as the connection's: a token the functions would already treat as expired is
        // not accepted either (nimbus's own default skew is 60 s).
        verifier.setMaxClockSkew(config.tokenLeewaySeconds());
        processor.setJWTClaimsSetVerifier(verifier);
        return processor;
    }

    public boolean jwtEnabled() {
        return !verifiers.isEmpty();
    }

    /**
     * The identity of a handshake.
     *
     * @param query   query string parameters of the handshake (may be null)
     * @param headers handshake headers (any case; may be null)
     * @throws AuthenticationException 401 without a valid token (or dev user), 403 when the token is
     *     valid but its claims are not usable (user id, rooms claim)
     */
    public Identity authenticate(Map<String, String> query, Map<String, String> headers)
            throws AuthenticationException {
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
            String rooms = query.get("rooms");
            if (rooms == null) {
                return new Identity(user, false); // dev mode grants every room
            }
            try {
                return new Identity(user, null, false, 0, RoomGrants.fromDevSpec(rooms));
            } catch (IllegalArgumentException e) {
                throw new AuthenticationException(
                        403,
                        "?rooms=: " + e.getMessage() + " (dev mode form: team-*:join:send,announcements:join:history)");
            }
        }
        throw new AuthenticationException(401, "a token is required: ?token=JWT or Authorization: Bearer JWT");
    }

    /**
     * Verifies a token and reads its identity ({@code $connect} and {@code refresh}).
     *
     * @throws AuthenticationException 401 when the token is not valid, 403 when its claims are not usable
     */
    public Identity verify(String token) throws AuthenticationException {
        if (verifiers.isEmpty()) {
            throw new AuthenticationException(401, "tokens are not accepted: no JWT secret or JWKS URL is configured");
        }
        String lastProblem = "invalid token";
        for (Verifier verifier : verifiers) {
            try {
                JWTClaimsSet claims = verifier.processor().process(token, null);
                if (verifier.cognito()) {
                    checkCognitoAudience(claims);
                }
                return identity(claims);
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

    private void checkCognitoAudience(JWTClaimsSet claims) throws AuthenticationException, ParseException {
        String use = claims.getStringClaim("token_use");
        String expected = audience.orElseThrow(); // Config requires it with a JWKS
        if ("id".equals(use)) {
            if (claims.getAudience() == null || !claims.getAudience().contains(expected)) {
                throw new AuthenticationException(
                        401,
                        "token rejected: the ID token's aud is not this app client: "
                                + "sign in through the app client configured as JwtAudience");
            }
        } else if ("access".equals(use)) {
            if (!expected.equals(claims.getStringClaim("client_id"))) {
                throw new AuthenticationException(
                        401,
                        "token rejected: the access token's client_id is not this app client: "
                                + "sign in through the app client configured as JwtAudience");
            }
        } else {
            throw new AuthenticationException(
                    401, "token rejected: token_use must be id or access: send a Cognito ID or access token");
        }
    }

    private Identity identity(JWTClaimsSet claims) throws AuthenticationException {
        Object userValue = claims.getClaim(userClaim);
        if (!(userValue instanceof String user) || !Names.isValid(user)) {
            throw new AuthenticationException(
                    403,
                    "the token's " + userClaim + " claim is not a valid user id (" + Names.describe()
                            + "): issue tokens whose " + userClaim + " is one");
        }
        RoomGrants rooms;
        try {
            rooms = RoomGrants.fromClaim(claims.getClaim(roomsClaim));
        } catch (IllegalArgumentException e) {
            throw new AuthenticationException(403, e.getMessage());
        }
        String name = nameClaim
                .map(claims::getClaim)
                .filter(String.class::isInstance)
                .map(String.class::cast)
                .filter(Authenticator::isDisplayable)
                .orElse(null);
        long expiresAt = claims.getExpirationTime().getTime() / 1000;
        return new Identity(user, name, Boolean.TRUE.equals(claims.getClaim("admin")), expiresAt, rooms);
    }

    /** 1-64 characters, none of them control characters: shown beside the user id, never instead of it. */
    static boolean isDisplayable(String name) {
        return !name.isBlank()
                && name.length() <= MAX_NAME_LENGTH
                && name.codePoints().noneMatch(Character::isISOControl);
    }

    private static Optional<String> token(Map<String, String> query, Map<String, String> headers) {
        if (query != null && query.get("token") != null && !query.get("token").isBlank()) {
            return Optional.of(query.get("token"));
        }
        if (headers != null) {
            for (Map.Entry<String, String> header : headers.entrySet()) {
                if (header.getKey().equalsIgnoreCase("Authorization")
                        && header.getValue() != null
                        && header.getValue().regionMatches(true, 0, "Bearer ", 0, 7)) {
                    return Optional.of(header.getValue().substring(7).trim());
                }
            }
        }
        return Optional.empty();
    }
}
