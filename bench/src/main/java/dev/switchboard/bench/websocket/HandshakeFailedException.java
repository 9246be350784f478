package dev.switchboard.bench.websocket;

import java.io.IOException;

/** The server did not accept the WebSocket upgrade, or accepted it in a way RFC 6455 does not allow. */
public final class HandshakeFailedException extends IOException {

    private final int status;

    public HandshakeFailedException(int status, String message) {
        super(message);
        this.status = status;
    }

    /** The HTTP status the server answered with, 0 if it sent none. */
    public int status() {
        return status;
    }
}
