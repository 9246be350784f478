package dev.switchboard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * A loopback WebSocket server (Jetty, port 0) that answers nothing by itself: it records every frame
 * a client sends, with the connection it came on, and the test writes the answers, in the order it
 * chooses. For what a real server cannot make deterministic (the local cloud, like API Gateway,
 * dispatches a connection's frames concurrently). The CLI's tests and, through this module's test-jar,
 * the chat page's end-to-end tests use it. Public (with its listener) because Jetty calls listeners
 * through method handles.
 */
public final class ScriptedServer implements AutoCloseable {

    /** The longest a test waits for a client's frame: far above a loaded machine's latency, never a product bound. */
    public static final long WAIT_SECONDS = 60;

    /** One frame a client sent, and the connection to answer on. */
    public record Received(Session session, JsonObject frame) {
        /** The frame's {@code requestId}, or null: what a server echoes. */
        public String requestId() {
            return frame.has("requestId") ? frame.get("requestId").getAsString() : null;
        }
    }

    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();
    private final long waitSeconds;

    /** Starts the server; {@link #next} waits {@link #WAIT_SECONDS} for a frame. */
    public ScriptedServer() throws Exception {
        this(Duration.ofSeconds(WAIT_SECONDS));
    }

    /** Starts the server; {@link #next} waits {@code wait} for a frame (a browser on a loaded machine needs longer). */
    public ScriptedServer(Duration wait) throws Exception {
        this.waitSeconds = wait.toSeconds();
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(
                server, container -> container.addMapping("/*", (request, response, callback) -> new Listener())));
        server.start();
    }

    /** The server's URL without a query, as {@code --url} (or the chat page's {@code ?ws=}) takes it. */
    public String url() {
        return "ws://127.0.0.1:" + connector.getLocalPort() + "/local";
    }

    /** The server's URL with {@code query} (such as {@code user=ann}). */
    public URI uri(String query) {
        return URI.create("ws://127.0.0.1:" + connector.getLocalPort() + "/local?" + query);
    }

    /** The next frame a client sent that matches, skipping others; fails the test after the server's wait. */
    public Received next(Predicate<JsonObject> wanted) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(waitSeconds);
        while (true) {
            Received r = received.poll(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertThat(r)
                    .as("a frame from the client within " + waitSeconds + " s")
                    .isNotNull();
            if (wanted.test(r.frame())) {
                return r;
            }
        }
    }

    /** The next frame whose {@code action} is {@code action}. */
    public Received nextAction(String action) throws InterruptedException {
        return next(f -> f.has("action") && f.get("action").getAsString().equals(action));
    }

    /** Sends one text frame on {@code session} and waits until it is written. */
    public static void send(Session session, String text) throws Exception {
        Callback.Completable written = new Callback.Completable();
        session.sendText(text, written);
        written.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    /** Records each text frame as a JSON object. */
    public final class Listener extends Session.Listener.AbstractAutoDemanding {
        @Override
        public void onWebSocketText(String message) {
            received.add(
                    new Received(getSession(), JsonParser.parseString(message).getAsJsonObject()));
        }
    }
}
