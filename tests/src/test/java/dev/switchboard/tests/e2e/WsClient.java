package dev.switchboard.tests.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

/**
 * A real WebSocket client (the JDK's) that records every text frame into a queue and the close
 * code into a future, as Jetty's own tests do: tests wait with poll(timeout), never sleep.
 */
final class WsClient implements AutoCloseable {

    /**
     * Long enough for a cold start of a function process on a busy machine (API Gateway waits 29 s): one
     * took 69 s to initialise (its REPORT's Init Duration) on the shared 2-core machine, where 60 s failed
     * LoadEndToEndTest's handshakes; the local cloud allows an initialisation 2 minutes.
     */
    static final Duration WAIT = Duration.ofSeconds(120);
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    final BlockingQueue<String> frames;
    final CompletableFuture<Integer> closeCode;
    private final WebSocket socket;

    private WsClient(WebSocket socket, Listener listener) {
        this.socket = socket;
        this.frames = listener.frames;
        this.closeCode = listener.closeCode;
    }

    static WsClient connect(URI uri) {
        return tryConnect(uri).join();
    }

    /** Completes exceptionally with the handshake's HTTP status when the server refuses. */
    static CompletableFuture<WsClient> tryConnect(URI uri) {
        CompletableFuture<WsClient> result = new CompletableFuture<>();
        Listener listener = new Listener();
        HTTP.newWebSocketBuilder().connectTimeout(WAIT).buildAsync(uri, listener)
                .whenComplete((socket, error) -> {
                    if (error != null) {
                        result.completeExceptionally(error instanceof CompletionException ? error.getCause() : error);
                    } else {
                        result.complete(new WsClient(socket, listener));
                    }
                });
        return result;
    }

    /** The HTTP status a refused handshake to {@code uri} got (fails the test if it was not refused). */
    static int refusedWith(URI uri) {
        return handshakeStatus(org.assertj.core.api.Assertions.catchThrowable(() -> tryConnect(uri).join()));
    }

    static int handshakeStatus(Throwable error) {
        Throwable cause = error;
        while (cause != null && !(cause instanceof WebSocketHandshakeException)) {
            cause = cause.getCause();
        }
        if (cause == null) {
            throw new AssertionError("not a handshake rejection", error);
        }
        return ((WebSocketHandshakeException) cause).getResponse().statusCode();
    }

    WsClient send(String text) {
        socket.sendText(text, true).join();
        return this;
    }

    WsClient sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
        return this;
    }

    /** The next frame, or fails the test after {@link #WAIT}. */
    JsonObject next() throws InterruptedException {
        String frame = frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (frame == null) {
            throw new AssertionError("no frame within " + WAIT);
        }
        return JsonParser.parseString(frame).getAsJsonObject();
    }

    /** The next frame matching, skipping others (presence and the like), or fails after {@link #WAIT}. */
    JsonObject next(Predicate<JsonObject> wanted) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            String frame = frames.poll(Math.max(0, left), TimeUnit.NANOSECONDS);
            if (frame == null) {
                throw new AssertionError("no matching frame within " + WAIT + "; left in queue: " + frames);
            }
            JsonObject json = JsonParser.parseString(frame).getAsJsonObject();
            if (wanted.test(json)) {
                return json;
            }
        }
    }

    JsonObject nextOfType(String type) throws InterruptedException {
        return next(f -> f.has("type") && f.get("type").getAsString().equals(type));
    }

    int awaitClose() throws Exception {
        return closeCode.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Drops the TCP connection without a close handshake, as a killed client would. */
    void abort() {
        socket.abort();
    }

    @Override
    public void close() {
        if (!socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").exceptionally(e -> null);
        }
    }

    private static final class Listener implements WebSocket.Listener {
        // Owned by the listener: frames may arrive before buildAsync completes.
        final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
        final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String frame = partial.toString();
                partial.setLength(0);
                frames.add(frame);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closeCode.completeExceptionally(error);
        }
    }
}
