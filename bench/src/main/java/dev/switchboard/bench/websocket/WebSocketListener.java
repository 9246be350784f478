package dev.switchboard.bench.websocket;

/**
 * What a connection tells its owner. Every call comes from the client's one selector thread, so a
 * listener must return quickly: while it runs, no other connection is read.
 */
public interface WebSocketListener {

    /** The upgrade succeeded; the connection can send. */
    default void onOpen(WebSocketConnection connection) {}

    /**
     * A whole text message (fragments joined). {@code receivedNanos} is {@link System#nanoTime()}
     * right after the socket read that completed it.
     */
    void onText(WebSocketConnection connection, String text, long receivedNanos);

    /** The connection is closed: the server's close status, or 1006 if the socket ended without one. */
    default void onClose(WebSocketConnection connection, int status, String reason) {}
}
