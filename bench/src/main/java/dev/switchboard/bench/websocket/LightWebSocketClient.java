package dev.switchboard.bench.websocket;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A WebSocket client whose every connection is read by one selector thread, which parses frames
 * and calls listeners in place. A load generator built on it spends a read, a parse and a listener
 * call per received message, where a general-purpose client also wakes a worker thread per frame;
 * on a machine shared with the server under test that difference is measurement error.
 * Loopback {@code ws://} only.
 */
public final class LightWebSocketClient implements AutoCloseable {

    /** How long the selector waits at most, so deadlines are checked about this often. */
    private static final long SWEEP_MILLIS = 100;
    private static final int READ_BUFFER_BYTES = 64 * 1024;
    private static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private final Duration handshakeTimeout;
    private final Selector selector;
    private final Thread selectorThread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    /** Connections not yet closed; changed on the selector thread only. */
    private final Set<WebSocketConnection> connections = ConcurrentHashMap.newKeySet();
    /** Upgrade keys and frame masks must be unpredictable (RFC 6455 section 10.3). */
    private final Random random = new SecureRandom();
    private volatile boolean running = true;

    /** {@code handshakeTimeout} bounds each connect, from the call to the server's 101. */
    public LightWebSocketClient(Duration handshakeTimeout) throws IOException {
        this.handshakeTimeout = handshakeTimeout;
        this.selector = Selector.open();
        this.selectorThread = new Thread(this::loop, "light-websocket-selector");
        selectorThread.setDaemon(true);
        selectorThread.start();
    }

    /**
     * Connects to a loopback {@code ws://} URI. The future completes after {@link WebSocketListener#onOpen},
     * or fails: refused, timed out, or a {@link HandshakeFailedException} carrying the server's status.
     */
    public CompletableFuture<WebSocketConnection> connect(URI uri, WebSocketListener listener) {
        InetSocketAddress address;
        try {
            address = loopbackAddress(uri);
        } catch (IllegalArgumentException | UnknownHostException e) {
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<WebSocketConnection> opened = new CompletableFuture<>();
        WebSocketConnection connection = new WebSocketConnection(this, uri, address, listener, opened, handshakeTimeout,
                MAX_MESSAGE_BYTES);
        execute(() -> {
            connections.add(connection);
            connection.start(selector);
        });
        if (!running) {
            opened.completeExceptionally(new IOException("client closed"));
        }
        return opened;
    }

    /**
     * Asks every open connection to close, waits up to 5 s for the servers' replies, then closes what
     * is left and stops the selector thread.
     */
    @Override
    public void close() {
        if (!running) {
            return;
        }
        execute(() -> connections.forEach(WebSocketConnection::close));
        long deadline = System.nanoTime() + CLOSE_WAIT.toNanos();
        try {
            while (!connections.isEmpty() && System.nanoTime() - deadline < 0) {
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        running = false;
        selector.wakeup();
        try {
            selectorThread.join(CLOSE_WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs {@code task} on the selector thread. */
    void execute(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    void forget(WebSocketConnection connection) {
        connections.remove(connection);
    }

    Random random() {
        return random;
    }

    private void loop() {
        ByteBuffer readBuffer = ByteBuffer.allocate(READ_BUFFER_BYTES);
        long nextSweep = System.nanoTime() + SWEEP_MILLIS * 1_000_000;
        try {
            while (running) {
                runTasks();
                selector.select(key -> ready(key, readBuffer), SWEEP_MILLIS);
                long now = System.nanoTime();
                if (now - nextSweep >= 0) {
                    for (WebSocketConnection each : connections) {
                        guarded(() -> each.checkDeadline(now));
                    }
                    nextSweep = now + SWEEP_MILLIS * 1_000_000;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("selector failed", e);
        } finally {
            runTasks();
            for (WebSocketConnection each : connections) {
                guarded(() -> each.abort("client closed"));
            }
            try {
                selector.close();
            } catch (IOException e) {
                // stopping anyway
            }
        }
    }

    private static void ready(SelectionKey key, ByteBuffer readBuffer) {
        WebSocketConnection connection = (WebSocketConnection) key.attachment();
        guarded(() -> connection.onReady(key.readyOps(), readBuffer));
    }

    /** Tasks queued before this call; ones they queue wait for the next turn. */
    private void runTasks() {
        for (int n = tasks.size(); n > 0; n--) {
            Runnable task = tasks.poll();
            if (task == null) {
                return;
            }
            guarded(task);
        }
    }

    /** A listener that throws must not stop the thread that reads every other connection. */
    private static void guarded(Runnable work) {
        try {
            work.run();
        } catch (RuntimeException e) {
            System.err.println("light-websocket: " + e);
        }
    }

    private static InetSocketAddress loopbackAddress(URI uri) throws UnknownHostException {
        if (!"ws".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("not a ws:// URI: " + uri);
        }
        InetAddress host = InetAddress.getByName(uri.getHost());
        if (!host.isLoopbackAddress()) {
            throw new IllegalArgumentException("loopback only, not " + uri.getHost());
        }
        return new InetSocketAddress(host, uri.getPort() < 0 ? 80 : uri.getPort());
    }
}
