package dev.switchboard.bench.websocket;

import java.net.URI;

/** One client WebSocket of a {@link LoadClient}: send text, ask whether it is open, close it. */
public interface WebSocketConnection {

    /** The URI it was opened with. */
    URI uri();

    /** Open: upgraded, and neither side has started closing. */
    boolean isOpen();

    /** Sends one text message (from any thread, never blocking); false if the connection is not open. */
    boolean sendText(String text);

    /** Starts the closing handshake (status 1000); the socket closes when the server answers, or after a timeout. */
    void close();
}
