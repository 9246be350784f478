package dev.switchboard.protocol;

/** A request the server refuses; becomes an error frame, never escapes a handler. */
public final class ProtocolException extends RuntimeException {

    private final ServerFrame.Error frame;

    public ProtocolException(ErrorCode code, String message, String requestAction) {
        super(message, null, false, false);
        this.frame = new ServerFrame.Error(code, message, requestAction);
    }

    /** A refusal that names when to try again ({@code rate_limited}). */
    public ProtocolException(ErrorCode code, String message, String requestAction, long retryAfterMs) {
        super(message, null, false, false);
        this.frame = new ServerFrame.Error(code, message, requestAction, retryAfterMs);
    }

    public ServerFrame.Error frame() {
        return frame;
    }
}
