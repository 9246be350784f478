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

    private ProtocolException(ServerFrame.Error frame) {
        super(frame.message(), null, false, false);
        this.frame = frame;
    }

    public ServerFrame.Error frame() {
        return frame;
    }

    /**
     * The same refusal, its frame naming the request it refuses (see {@link ServerFrame.Error#correlated}).
     *
     * @param requestId   the request's valid {@code requestId}, or null
     * @param clientMsgId the request's {@code clientMsgId} (only {@code send}, {@code direct}, {@code edit},
     *                    {@code delete}, {@code broadcast}), or null
     */
    public ProtocolException correlated(String requestId, String clientMsgId) {
        return new ProtocolException(frame.correlated(requestId, clientMsgId));
    }
}
