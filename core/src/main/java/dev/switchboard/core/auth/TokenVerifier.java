package dev.switchboard.core.auth;

/**
 * Verifies a token and reads its identity; {@link Authenticator#verify} in the function that
 * carries the JWT library. An interface so the chat service does not load that library in the
 * functions that never verify tokens.
 */
@FunctionalInterface
public interface TokenVerifier {

    /**
     * @throws AuthenticationException when the token is not valid (401) or its claims are not usable (403)
     */
    Identity verify(String token) throws AuthenticationException;
}
