package dev.switchboard.core.auth;

/** A refused {@code $connect}: {@code status} is what the handshake answers (401 or 403). */
public final class AuthenticationException extends Exception {

    private final int status;

    public AuthenticationException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
