package dev.switchboard.bench;

import java.net.URI;
import java.nio.file.Path;
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

    /**
     * Runs the server in its own JVM, as the local cloud runs in its own: prints its URI, then
     * serves until stdin closes (the parent ending). Keeps the load generator's file descriptors
     * and CPU apart from the server's, which matters at 10,000 connections.
     */
    public static void main(String[] args) throws Exception {
        try (BroadcastCeilingServer server = new BroadcastCeilingServer()) {
            System.out.println("ceiling " + server.uri());
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the parent closes our stdin
            }
        }
    }

    /** Starts {@link #main} in a child JVM from the same class path; closing it stops the child. */
    static Child spawn() throws Exception {
        String classPath = Path.of(BroadcastCeilingServer.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .toURI())
                .toString();
        Process process = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        classPath,
                        BroadcastCeilingServer.class.getName())
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        var out = new java.io.BufferedReader(
                new java.io.InputStreamReader(process.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.startsWith("ceiling ")) {
                return new Child(process, URI.create(line.substring("ceiling ".length())));
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("the ceiling server did not start");
    }

    /** The ceiling server in its own JVM. */
    record Child(Process process, URI uri) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            process.getOutputStream().close();
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
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
