package dev.switchboard.bench.websocket;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * A real Jetty WebSocket server whose endpoint does what the client's text asks: send a fragmented
 * message, a large one, a ping, or close; anything else is echoed. Path {@code /refuse} answers the
 * upgrade with 401, as the local cloud does for a bad token.
 */
public final class ScriptedServer implements AutoCloseable {

    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);
    /** Close statuses the server received from clients. */
    final BlockingQueue<Integer> closesReceived = new LinkedBlockingQueue<>();

    ScriptedServer() throws Exception {
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            container.setIdleTimeout(Duration.ofSeconds(30));
            container.setMaxTextMessageSize(1024 * 1024);
            container.addMapping("/refuse", (request, response, callback) -> {
                Response.writeError(request, response, callback, 401);
                return null;
            });
            container.addMapping("/", (request, response, callback) -> new Endpoint());
        }));
        server.start();
    }

    URI uri(String path) {
        return URI.create("ws://127.0.0.1:" + connector.getLocalPort() + path);
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }

    public final class Endpoint implements Session.Listener.AutoDemanding {
        private Session session;

        @Override
        public void onWebSocketOpen(Session session) {
            this.session = session;
        }

        @Override
        public void onWebSocketText(String text) {
            if (text.equals("fragmented")) {
                // three frames of one message: text, continuation, final continuation
                session.sendPartialText(
                        "frag",
                        false,
                        Callback.from(
                                () -> session.sendPartialText(
                                        "men",
                                        false,
                                        Callback.from(
                                                () -> session.sendPartialText("ted ✓", true, Callback.NOOP), x -> {})),
                                x -> {}));
            } else if (text.startsWith("large ")) {
                session.sendText("y".repeat(Integer.parseInt(text.substring("large ".length()))), Callback.NOOP);
            } else if (text.startsWith("ping ")) {
                session.sendPing(
                        ByteBuffer.wrap(text.substring("ping ".length()).getBytes(StandardCharsets.UTF_8)),
                        Callback.NOOP);
            } else if (text.equals("close")) {
                session.close(4001, "told to", Callback.NOOP);
            } else {
                session.sendText("echo " + text, Callback.NOOP);
            }
        }

        @Override
        public void onWebSocketPong(ByteBuffer payload) {
            session.sendText("pong " + StandardCharsets.UTF_8.decode(payload), Callback.NOOP);
        }

        @Override
        public void onWebSocketClose(int status, String reason) {
            closesReceived.add(status);
        }
    }
}
