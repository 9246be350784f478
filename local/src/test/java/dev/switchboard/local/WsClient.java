package dev.switchboard.local;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The one WebSocket test client (the JDK's {@code java.net.http.WebSocket}) of the local cloud's tests
 * and the end-to-end tests (shared through this module's test-jar): it records every text frame into
 * a queue and the close code into a future, as Jetty's own tests do, so tests wait with
 * {@code poll(timeout)}, never sleep. Every handshake carries {@code User-Agent: switchboard-test}
 * (what {@code identity.userAgent} of the events then says). For what the JDK refuses to send
 * (invalid UTF-8, frames over 32 KB, any opcode) the end-to-end tests have {@code RawWsClient}.
 */
public final class WsClient implements AutoCloseable {

    /**
     * Long enough for a cold start of a function process on a busy machine (API Gateway waits 29 s): one
     * took 69 s to initialise (its REPORT's Init Duration) on the shared 2-core machine, where 60 s failed
     * LoadEndToEndTest's handshakes; the local cloud allows an initialisation 2 minutes.
     */
    public static final Duration WAIT = Duration.ofSeconds(120);
    /** The User-Agent of every handshake. */
    public static final String USER_AGENT = "switchboard-test";

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** Every text frame received, whole (fragments joined), in arrival order. */
    public final BlockingQueue<String> frames;
    /** The close code the server sent; completes exceptionally when the connection failed without one. */
    public final CompletableFuture<Integer> closeCode;
    /** The JDK socket, for what this class does not wrap (fragments, sendClose, the subprotocol). */
    public final WebSocket socket;

    private final Listener listener;

    private WsClient(WebSocket socket, Listener listener) {
        this.socket = socket;
        this.listener = listener;
        this.frames = listener.frames;
        this.closeCode = listener.closeCode;
    }

    /** Connects, offering {@code subprotocols} (none: no Sec-WebSocket-Protocol header); fails when refused. */
    public static WsClient connect(URI uri, String... subprotocols) {
        return tryConnect(uri, subprotocols).join();
    }

    /** Completes exceptionally with the handshake's failure (see {@link #handshakeStatus}) when the server refuses. */
    public static CompletableFuture<WsClient> tryConnect(URI uri, String... subprotocols) {
        CompletableFuture<WsClient> result = new CompletableFuture<>();
        Listener listener = new Listener();
        WebSocket.Builder builder =
                HTTP.newWebSocketBuilder().connectTimeout(WAIT).header("User-Agent", USER_AGENT);
        if (subprotocols.length > 0) {
            builder.subprotocols(subprotocols[0], Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
        }
        builder.buildAsync(uri, listener).whenComplete((socket, error) -> {
            if (error != null) {
                result.completeExceptionally(error instanceof CompletionException ? error.getCause() : error);
            } else {
                result.complete(new WsClient(socket, listener));
            }
        });
        return result;
    }

    /** The HTTP status a refused handshake to {@code uri} got (fails the test if it was not refused). */
    public static int refusedWith(URI uri) {
        return handshakeStatus(org.assertj.core.api.Assertions.catchThrowable(
                () -> tryConnect(uri).join()));
    }

    /** The HTTP status of the {@link WebSocketHandshakeException} somewhere in {@code error}'s causes. */
    public static int handshakeStatus(Throwable error) {
        Throwable cause = error;
        while (cause != null && !(cause instanceof WebSocketHandshakeException)) {
            cause = cause.getCause();
        }
        if (cause == null) {
            throw new AssertionError("not a handshake rejection", error);
        }
        return ((WebSocketHandshakeException) cause).getResponse().statusCode();
    }

    /** Sends one text frame and waits until the JDK has written it. */
    public WsClient send(String text) {
        socket.sendText(text, true).join();
        return this;
    }

    /** Sends one binary frame and waits until the JDK has written it. */
    public WsClient sendBinary(byte[] bytes) {
        socket.sendBinary(ByteBuffer.wrap(bytes), true).join();
        return this;
    }

    /** The next text frame as received, or fails the test after {@link #WAIT}. */
    public String nextText() throws InterruptedException {
        String frame = frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        if (frame == null) {
            throw new AssertionError("no frame within " + WAIT);
        }
        return frame;
    }

    /** The next frame as a JSON object, or fails the test after {@link #WAIT}. */
    public JsonObject next() throws InterruptedException {
        return JsonParser.parseString(nextText()).getAsJsonObject();
    }

    /** The next frame matching, skipping others (presence and the like), or fails after {@link #WAIT}. */
    public JsonObject next(Predicate<JsonObject> wanted) throws InterruptedException {
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

    /** The next frame whose {@code type} is {@code type}, skipping others. */
    public JsonObject nextOfType(String type) throws InterruptedException {
        return next(f -> f.has("type") && f.get("type").getAsString().equals(type));
    }

    /** The close code, waiting up to {@link #WAIT} for the server to close. */
    public int awaitClose() throws Exception {
        return closeCode.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The reason of the server's close frame, once {@link #closeCode} is done (null before). */
    public String closeReason() {
        return listener.closeReason;
    }

    /** Drops the TCP connection without a close handshake, as a killed client would. */
    public void abort() {
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
        volatile String closeReason;
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
            closeReason = reason;
            closeCode.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closeCode.completeExceptionally(error);
        }
    }
}
