package dev.switchboard.local;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The Lambda Runtime API (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html), one
 * endpoint per function instance: each instance gets its own loopback port (its
 * {@code AWS_LAMBDA_RUNTIME_API}), as each Lambda execution environment has its own Runtime API, and
 * the port tells which instance a request comes from. Paths: {@code GET
 * /2018-06-01/runtime/invocation/next} (held open until there is an event), {@code POST
 * .../invocation/{id}/response}, {@code POST .../invocation/{id}/error}, {@code POST
 * /2018-06-01/runtime/init/error}.
 */
final class RuntimeApiServer implements AutoCloseable {

    /** Largest synchronous response body Lambda accepts: 6 MB (Lambda quotas, "Invocation payload"). */
    static final int MAX_RESPONSE_BYTES = 6 * 1024 * 1024;

    private static final String PREFIX = "/2018-06-01/runtime/";
    private static final Pattern INVOCATION =
            Pattern.compile("^/2018-06-01/runtime/invocation/([^/]+)/(response|error)$");

    /** What one instance's endpoint does with the requests its runtime sends. */
    interface Endpoint {
        /** The runtime asks for the next event: answer through {@code response} and {@code callback}, now or later. */
        void next(Response response, Callback callback);

        /** The handler's result for invocation {@code requestId}; false when that id is not the current one. */
        boolean response(String requestId, byte[] body);

        /** The handler failed invocation {@code requestId} ({@code errorType} from the Lambda-Runtime-Function-Error-Type header). */
        boolean error(String requestId, String errorType, byte[] body);

        /** Initialisation failed (the handler could not be loaded or built). */
        void initError(String errorType, byte[] body);
    }

    private final Server server;
    private final Map<Integer, Endpoint> endpoints = new ConcurrentHashMap<>();
    private final Map<Integer, ServerConnector> connectors = new ConcurrentHashMap<>();

    RuntimeApiServer() throws Exception {
        // Each instance's connector holds one selector thread (accepting too: no acceptor threads).
        QueuedThreadPool threads = new QueuedThreadPool(1024, 2);
        threads.setName("runtime-api");
        threads.setDaemon(true);
        server = new Server(threads);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                return RuntimeApiServer.this.handle(request, response, callback);
            }
        });
        server.start();
    }

    /** Opens a new loopback port for {@code endpoint}; returns the port. */
    int open(Endpoint endpoint) throws Exception {
        ServerConnector connector = new ServerConnector(server, 0, 1);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        // A `next` is held open for as long as the instance waits (frozen) for an event: minutes.
        connector.setIdleTimeout(0);
        server.addConnector(connector);
        if (!connector.isStarted()) {
            connector.start();
        }
        int port = connector.getLocalPort();
        endpoints.put(port, endpoint);
        connectors.put(port, connector);
        return port;
    }

    /** Closes an instance's port. */
    void close(int port) {
        endpoints.remove(port);
        ServerConnector connector = connectors.remove(port);
        if (connector != null) {
            try {
                connector.stop();
            } catch (Exception e) {
                // the instance is gone; nothing more to close
            }
            server.removeConnector(connector);
        }
    }

    private boolean handle(Request request, Response response, Callback callback) throws Exception {
        Endpoint endpoint = endpoints.get(Request.getLocalPort(request));
        String path = request.getHttpURI().getPath();
        if (endpoint == null || !path.startsWith(PREFIX)) {
            error(response, callback, 404, "ResourceNotFound", "no such Runtime API resource: " + path);
            return true;
        }
        if (path.equals(PREFIX + "invocation/next") && "GET".equals(request.getMethod())) {
            endpoint.next(response, callback);
            return true;
        }
        if (!"POST".equals(request.getMethod())) {
            error(response, callback, 405, "MethodNotAllowed", request.getMethod() + " " + path);
            return true;
        }
        byte[] body = Content.Source.asInputStream(request).readAllBytes();
        String errorType = request.getHeaders().get("Lambda-Runtime-Function-Error-Type");
        if (path.equals(PREFIX + "init/error")) {
            endpoint.initError(errorType, body);
            accepted(response, callback);
            return true;
        }
        Matcher m = INVOCATION.matcher(path);
        if (!m.matches()) {
            error(response, callback, 404, "ResourceNotFound", "no such Runtime API resource: " + path);
            return true;
        }
        String requestId = m.group(1);
        if (m.group(2).equals("response") && body.length > MAX_RESPONSE_BYTES) {
            endpoint.error(
                    requestId,
                    "Function.ResponseSizeTooLarge",
                    ("{\"errorMessage\":\"Response payload size ("
                                    + body.length + " bytes) exceeded maximum allowed payload size ("
                                    + MAX_RESPONSE_BYTES
                                    + " bytes).\",\"errorType\":\"Function.ResponseSizeTooLarge\"}")
                            .getBytes(StandardCharsets.UTF_8));
            error(response, callback, 413, "RequestEntityTooLarge", "response over " + MAX_RESPONSE_BYTES + " bytes");
            return true;
        }
        boolean known = m.group(2).equals("response")
                ? endpoint.response(requestId, body)
                : endpoint.error(requestId, errorType, body);
        if (known) {
            accepted(response, callback);
        } else {
            // The Runtime API's answer to an id that is not the current invocation's.
            error(response, callback, 400, "InvalidRequestID", "Invalid request ID");
        }
        return true;
    }

    private static void accepted(Response response, Callback callback) {
        response.setStatus(202);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap("{\"status\":\"OK\"}".getBytes(StandardCharsets.UTF_8)), callback);
    }

    private static void error(Response response, Callback callback, int status, String type, String message) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        com.google.gson.JsonObject body = new com.google.gson.JsonObject();
        body.addProperty("errorMessage", message);
        body.addProperty("errorType", type);
        response.write(true, ByteBuffer.wrap(body.toString().getBytes(StandardCharsets.UTF_8)), callback);
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            // stopping anyway
        }
    }
}
