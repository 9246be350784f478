package dev.switchboard.local;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where every listener of the local cloud binds, one rule for all of them (WebSocket API and
 * {@code @connections}, SNS, DynamoDB Local, and any endpoint added later): on loopback, IPv4
 * {@code 127.0.0.1} and IPv6 {@code ::1}, unless a host is given on purpose; and only requests
 * whose {@code Host} is a local name are served, so a web page cannot reach them through DNS
 * rebinding (a hostile name re-pointed at 127.0.0.1 still carries its own name in {@code Host}).
 *
 * <pre>{@code
 * Server server = new Server();
 * LocalListeners.bind(server, options.host(), port);        // before start()
 * server.setHandler(LocalListeners.localHostsOnly(options.host(), myHandler));
 * server.start();
 * int chosen = LocalListeners.port(server);                 // when port was 0
 * }</pre>
 */
public final class LocalListeners {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard.local");
    /** The loopback addresses bound by default. */
    public static final List<String> LOOPBACK = List.of("127.0.0.1", "::1");

    private LocalListeners() {}

    /**
     * Adds connectors to a server that is not started yet, and binds them now, so the port is known
     * before {@link Server#start()}.
     *
     * @param host null for loopback (IPv4 and, when the machine has it, IPv6), else the address or
     *     name to bind ({@code 0.0.0.0} = every interface)
     * @param port the TCP port; 0 picks a free one, the same on both loopback addresses
     * @throws IOException when the port cannot be bound (in use: pick another or 0)
     */
    public static void bind(Server server, String host, int port) throws IOException {
        bind(server, host, port, HttpConnectionFactory::new);
    }

    /**
     * As {@link #bind(Server, String, int)}, each connector with its own connection factory.
     *
     * @param factory makes the connection factory of one connector (e.g. HTTP/1.1 with settings)
     */
    public static void bind(Server server, String host, int port, Supplier<ConnectionFactory> factory)
            throws IOException {
        List<String> hosts = host == null ? LOOPBACK : List.of(host);
        int chosen = port;
        for (String h : hosts) {
            ServerConnector connector = new ServerConnector(server, factory.get());
            connector.setHost(h);
            connector.setPort(chosen);
            try {
                connector.open();
            } catch (IOException e) {
                if (host == null && h.equals("::1")) {
                    LOG.debug("no IPv6 loopback on this machine, listening on 127.0.0.1 only: {}", e.toString());
                    continue;
                }
                throw new IOException(
                        "cannot listen on " + h + " port " + chosen + ": " + e.getMessage()
                                + " (is another local cloud running? pick another port, or 0 for a free one)",
                        e);
            }
            chosen = connector.getLocalPort();
            server.addConnector(connector);
        }
    }

    /** Stops a server and closes its listeners, also when it was bound but never started. */
    public static void stop(Server server) throws Exception {
        server.stop();
        for (Connector c : server.getConnectors()) {
            if (c instanceof NetworkConnector n) {
                n.close();
            }
        }
    }

    /** The port the server's first network connector listens on (after {@link #bind}). */
    public static int port(Server server) {
        for (Connector c : server.getConnectors()) {
            if (c instanceof NetworkConnector n && n.getLocalPort() > 0) {
                return n.getLocalPort();
            }
        }
        throw new IllegalStateException("the server has no bound network connector: call LocalListeners.bind first");
    }

    /**
     * Serves only requests whose {@code Host} header names this machine: {@code localhost},
     * {@code *.localhost} (RFC 6761 6.3), {@code 127.0.0.1}, {@code [::1]}, or the host given on the
     * command line; others get 403. With a wildcard host ({@code 0.0.0.0}, {@code ::}) every name is
     * served: the user asked for the network.
     */
    public static Handler localHostsOnly(String host, Handler next) {
        return new Handler.Wrapper(next) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                String name = request.getHeaders().get(HttpHeader.HOST);
                if (name == null || isAllowed(host, name)) {
                    return super.handle(request, response, callback);
                }
                LOG.warn(
                        "refused a request for Host '{}' from {}: not a local name (DNS rebinding?); "
                                + "use http://localhost:PORT, or --host to serve other names",
                        name,
                        Request.getRemoteAddr(request));
                Response.writeError(
                        request,
                        response,
                        callback,
                        403,
                        "Host '" + name + "' is not a local name: use localhost (or start with --host " + name + ")");
                return true;
            }
        };
    }

    /** Whether a {@code Host} header value (with or without port) may be served. */
    static boolean isAllowed(String boundHost, String hostHeader) {
        if (boundHost != null && (boundHost.equals("0.0.0.0") || boundHost.equals("::") || boundHost.equals("[::]"))) {
            return true;
        }
        String name = hostHeader.trim().toLowerCase(Locale.ROOT);
        if (name.startsWith("[")) {
            int end = name.indexOf(']');
            name = end < 0 ? name : name.substring(0, end + 1);
        } else if (name.indexOf(':') >= 0) {
            name = name.substring(0, name.indexOf(':'));
        }
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        List<String> allowed = new ArrayList<>(List.of("localhost", "127.0.0.1", "[::1]"));
        if (boundHost != null) {
            String b = boundHost.toLowerCase(Locale.ROOT);
            allowed.add(b.contains(":") && !b.startsWith("[") ? "[" + b + "]" : b);
        }
        return allowed.contains(name) || name.endsWith(".localhost");
    }
}
