package dev.switchboard.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * One WebSocket to a Switchboard deployment (the JDK's client). Frames land in a queue; a closed
 * socket puts {@link #CLOSED} in it so readers wake up.
 */
final class Connection implements AutoCloseable {

    static final JsonObject CLOSED = new JsonObject();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    final BlockingQueue<JsonObject> frames = new LinkedBlockingQueue<>();
    private volatile WebSocket socket;

    /** The URL with ?user= or ?token= added, as the server expects. */
    static URI endpoint(String url, String user, String token) throws CliException {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new CliException(
                    ExitCode.UNREACHABLE,
                    "'" + url
                            + "' is not a valid URL: use ws://localhost:8080/local or wss://API_ID.execute-api.REGION.amazonaws.com/STAGE");
        }
        if (uri.getScheme() == null
                || !(uri.getScheme().equals("ws") || uri.getScheme().equals("wss"))
                || uri.getHost() == null) {
            throw new CliException(
                    ExitCode.UNREACHABLE, "'" + url + "' is not a WebSocket URL: it must start with ws:// or wss://");
        }
        if ((token == null || token.isBlank()) && (user == null || user.isBlank())) {
            throw new CliException(
                    ExitCode.USAGE,
                    "say who you are: --user NAME (servers with dev auth) or --token JWT (or the environment variable "
                            + "SWITCHBOARD_TOKEN)");
        }
        String credential = token != null && !token.isBlank()
                ? "token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)
                : "user=" + URLEncoder.encode(user == null ? "" : user, StandardCharsets.UTF_8);
        return URI.create(url + (url.contains("?") ? "&" : "?") + credential);
    }

    /**
     * How long the opening handshake may take: longer than API Gateway waits for the {@code $connect}
     * function (29 s at most, "Integration timeout" in
     * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html;
     * then it answers 504), so the CLI never gives up on a handshake the server is still allowed to accept:
     * a cold start took 18 s on a loaded machine, and a 10 s limit left a registered connection behind a
     * failed CLI. The local cloud answers within the same 29 s (504 past it), except that a cold start's
     * initialisation beyond Lambda's 10 s limit on a slow machine is not counted (docs/LOCAL.md,
     * "Integration timeout").
     */
    static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(30);

    void open(URI endpoint) throws CliException {
        try {
            socket = HTTP.newWebSocketBuilder()
                    .connectTimeout(HANDSHAKE_TIMEOUT)
                    .buildAsync(endpoint, new Listener())
                    .get(HANDSHAKE_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.UNREACHABLE, "interrupted while connecting");
        } catch (TimeoutException e) {
            throw new CliException(ExitCode.UNREACHABLE, noHandshake(endpoint));
        } catch (ExecutionException e) {
            throw explain(endpoint, e.getCause());
        }
    }

    private static CliException explain(URI endpoint, Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof WebSocketHandshakeException handshake) {
                int status = handshake.getResponse().statusCode();
                String query = endpoint.getRawQuery() == null ? "" : endpoint.getRawQuery();
                boolean tokenSent = query.contains("token=");
                boolean userSent = query.startsWith("user=") || query.contains("&user=");
                String hint = status == 401 && tokenSent
                        ? "the server refused the token (expired, or signed with another secret?): get a fresh one"
                        : status == 401 && userSent
                                ? "the server does not accept --user (it runs without dev auth): pass --token JWT (or set "
                                        + "SWITCHBOARD_TOKEN)"
                                : status == 401
                                        ? "the server wants credentials: pass --token JWT or set SWITCHBOARD_TOKEN (or --user NAME if "
                                                + "it runs with dev auth)"
                                        : status == 403
                                                ? "the credentials were refused: check the user name or get a fresh token"
                                                : "check the URL (stage) and that this is a Switchboard WebSocket API";
                return new CliException(
                        status == 401 || status == 403 ? ExitCode.REJECTED : ExitCode.UNREACHABLE,
                        "the server refused the connection (HTTP " + status + "): " + hint);
            }
            if (t instanceof ConnectException) {
                return new CliException(
                        ExitCode.UNREACHABLE,
                        "nothing is listening at " + safe(endpoint)
                                + ": is the server running? (local: bin/switchboard-local --dev-auth)");
            }
            if (t instanceof SSLException) {
                return new CliException(
                        ExitCode.UNREACHABLE,
                        "TLS failed with " + safe(endpoint) + ": " + t.getMessage()
                                + " (use ws:// for the local cloud, wss:// for AWS)");
            }
            if (t instanceof HttpConnectTimeoutException) {
                return new CliException(
                        ExitCode.UNREACHABLE,
                        "timed out connecting to " + safe(endpoint) + ": check the host, the port and your network");
            }
            if (t instanceof HttpTimeoutException) {
                return new CliException(ExitCode.UNREACHABLE, noHandshake(endpoint));
            }
            if (t instanceof IOException
                    && t.getMessage() != null
                    && t.getMessage().contains("UnresolvedAddress")) {
                return new CliException(ExitCode.UNREACHABLE, "unknown host in " + safe(endpoint));
            }
        }
        return new CliException(ExitCode.UNREACHABLE, "could not connect to " + safe(endpoint) + ": " + cause);
    }

    private static String noHandshake(URI endpoint) {
        return "no answer to the handshake from " + safe(endpoint) + " within " + HANDSHAKE_TIMEOUT.toSeconds()
                + " s (API Gateway gives up on $connect after 29 s): check the URL, then try again (the server may"
                + " have been starting)";
    }

    /** The endpoint without its query: tokens never reach the terminal. */
    static String safe(URI endpoint) {
        return endpoint.getScheme() + "://" + endpoint.getAuthority()
                + (endpoint.getPath() == null ? "" : endpoint.getPath());
    }

    /**
     * Sends one text frame and waits until it is written. Synchronized: the JDK's WebSocket allows at most
     * one send outstanding at a time and fails a second with {@code IllegalStateException: Send pending}
     * (the java.net.http.WebSocket javadoc), and a chat sends from several threads at once (the user's
     * lines, the reader's history requests, receipts, typing): ChatSessionHistoryTest saw it fail so.
     *
     * @return true when the frame was written; false when the connection was already closing or closed
     *     (the JDK fails the send with {@code IOException: Output closed} once a Close was sent or received,
     *     or with the network error): nothing was sent, and the listener puts {@link #CLOSED} in
     *     {@link #frames} for that close, so a reader learns of it there and reconnects
     */
    synchronized boolean send(String json) {
        try {
            socket.sendText(json, true).join();
            return true;
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof java.io.IOException) {
                return false;
            }
            throw e;
        }
    }

    boolean isOpen() {
        return socket != null && !socket.isInputClosed();
    }

    /** Drops the connection without a close handshake (tests: a network failure). */
    void abort() {
        if (socket != null) {
            socket.abort();
            frames.add(CLOSED); // abort() calls no listener method: tell the reader ourselves
        }
    }

    @Override
    public void close() {
        if (socket != null && !socket.isOutputClosed()) {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye")
                    .orTimeout(2, TimeUnit.SECONDS)
                    .exceptionally(e -> null)
                    .join();
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    frames.add(JsonParser.parseString(partial.toString()).getAsJsonObject());
                } catch (RuntimeException e) {
                    JsonObject unreadable = new JsonObject();
                    unreadable.addProperty("type", "unreadable");
                    frames.add(unreadable);
                }
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            frames.add(CLOSED);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            frames.add(CLOSED);
        }
    }
}
