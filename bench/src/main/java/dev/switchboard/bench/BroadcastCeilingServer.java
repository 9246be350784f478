package dev.switchboard.bench;

import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * The ceiling: a bare Jetty WebSocket server that sends every text frame it receives to all its
 * clients as-is — no JSON, no storage, no HTTP hop. Nothing that does real work can beat it on the
 * same machine, so our figures are reported as a ratio to it.
 */
public final class BroadcastCeilingServer implements AutoCloseable {

    private final Server server = new Server();
    private final ServerConnector connector = new ServerConnector(server);
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();

    public BroadcastCeilingServer() throws Exception {
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        connector.setAcceptQueueSize(4096);
        server.addConnector(connector);
        server.setHandler(WebSocketUpgradeHandler.from(server, container -> {
            container.setIdleTimeout(java.time.Duration.ofMinutes(10));
            container.addMapping("/", (request, response, callback) -> new Endpoint());
        }));
        server.start();
    }

    public URI uri() {
        return URI.create("ws://127.0.0.1:" + connector.getLocalPort() + "/");
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
            sessions.add(session);
        }

        @Override
        public void onWebSocketText(String text) {
            for (Session each : sessions) {
                if (each != session) {
                    each.sendText(text, Callback.NOOP);
                }
            }
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason, Callback callback) {
            sessions.remove(session);
            callback.succeed();
        }
    }
}
