package dev.switchboard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
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
 * chooses. Public (with its listener) because Jetty calls listeners through method handles.
 */
public final class ScriptedServer implements AutoCloseable {

    /** The longest a test waits for a client's frame: far above a loaded machine's latency, never a product bound. */
    static final long WAIT_SECONDS = 60;

    /** One frame a client sent, and the connection to answer on. */
    record Received(Session session, JsonObject frame) {}

    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);
    private final BlockingQueue<Received> received = new LinkedBlockingQueue<>();

    ScriptedServer() throws Exception {
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(
                server, container -> container.addMapping("/*", (request, response, callback) -> new Listener())));
        server.start();
    }

    /** The server's URL without a query, as {@code --url} takes it. */
    String url() {
        return "ws://127.0.0.1:" + connector.getLocalPort() + "/local";
    }

    /** The server's URL with {@code query} (such as {@code user=ann}). */
    URI uri(String query) {
        return URI.create("ws://127.0.0.1:" + connector.getLocalPort() + "/local?" + query);
    }

    /** The next frame a client sent that matches, skipping others; fails the test after {@link #WAIT_SECONDS}. */
    Received next(Predicate<JsonObject> wanted) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        while (true) {
            Received r = received.poll(end - System.nanoTime(), TimeUnit.NANOSECONDS);
            assertThat(r)
                    .as("a frame from the client within " + WAIT_SECONDS + " s")
                    .isNotNull();
            if (wanted.test(r.frame())) {
                return r;
            }
        }
    }

    /** The next frame whose {@code action} is {@code action}. */
    Received nextAction(String action) throws InterruptedException {
        return next(f -> f.has("action") && f.get("action").getAsString().equals(action));
    }

    /** Sends one text frame on {@code session} and waits until it is written. */
    static void send(Session session, String text) throws Exception {
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
