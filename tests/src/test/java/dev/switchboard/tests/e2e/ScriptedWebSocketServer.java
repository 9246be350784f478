package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * A loopback WebSocket server (Jetty, port 0) that answers nothing by itself: it records each frame a
 * client sends, and the test writes the answers in the order it chooses. For what the local cloud cannot
 * make deterministic: it dispatches a connection's frames concurrently, as API Gateway does, so which of
 * two requests in flight is answered first is not the test's to choose. Public (with its listener)
 * because Jetty calls listeners through method handles.
 */
public final class ScriptedWebSocketServer implements AutoCloseable {

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

    public ScriptedWebSocketServer() throws Exception {
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(
                server, container -> container.addMapping("/*", (request, response, callback) -> new Listener())));
        server.start();
    }

    /** The WebSocket URL, for a client's {@code ?ws=} or {@code --url}. */
    public String url() {
        return "ws://127.0.0.1:" + connector.getLocalPort() + "/local";
    }

    /**
     * The next frame whose {@code action} is {@code action}, skipping others; fails the test after
     * {@link LocalCloudExtension#WAIT}.
     */
    public Received nextAction(String action) throws InterruptedException {
        long end = System.nanoTime() + LocalCloudExtension.WAIT.toNanos();
        while (true) {
            Received r = received.poll(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertThat(r)
                    .as("a '" + action + "' frame from the client within " + LocalCloudExtension.WAIT)
                    .isNotNull();
            if (r.frame().has("action") && r.frame().get("action").getAsString().equals(action)) {
                return r;
            }
        }
    }

    /** Sends one text frame on {@code session} and waits until it is written. */
    public static void send(Session session, String text) throws Exception {
        Callback.Completable written = new Callback.Completable();
        session.sendText(text, written);
        written.get(LocalCloudExtension.WAIT.toSeconds(), TimeUnit.SECONDS);
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
