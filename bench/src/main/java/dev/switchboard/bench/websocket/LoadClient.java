package dev.switchboard.bench.websocket;

import java.net.URI;
import java.util.concurrent.CompletableFuture;

/** Opens the bench's WebSocket connections; closing it closes every connection it opened. */
public interface LoadClient extends AutoCloseable {

    /**
     * Connects to a {@code ws://} URI. The future completes after {@link WebSocketListener#onOpen},
     * or fails: refused, timed out, or a {@link HandshakeFailedException} carrying the server's status.
     */
    CompletableFuture<WebSocketConnection> connect(URI uri, WebSocketListener listener);

    /** Asks every open connection to close, waits a few seconds for the servers' replies, then releases its threads. */
    @Override
    void close();
}
