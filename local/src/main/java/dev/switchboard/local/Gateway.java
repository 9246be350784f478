package dev.switchboard.local;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.switchboard.local.metrics.Usage;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ResourceHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.resource.Resource;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.websocket.api.ExtensionConfig;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API Gateway's WebSocket API on Jetty — the handshake and the frames: the handshake runs
 * {@code $connect}, text frames are routed by the route selection expression, {@code $disconnect}
 * follows every accepted connection. Its parts: {@link GatewayEvents} shapes the events,
 * {@link RouteInvoker} runs the functions, {@link ConnectionsApi} is the management API,
 * {@link TokenBucket} the stage throttling. Limits follow API Gateway's quotas.
 */
public final class Gateway {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard.gateway");
    /** API Gateway's WebSocket frame quota, bytes. */
    static final int MAX_FRAME = 32 * 1024;
    /** API Gateway's WebSocket message quota, bytes. */
    static final int MAX_MESSAGE = 128 * 1024;

    private final LocalTemplate template;
    private final Duration idleTimeout;
    private final Duration maxAge;
    private final ExecutorService dispatch;
    private final ScheduledExecutorService scheduler;
    private final Faults faults;
    private final String stage;
    private final GatewayEvents events;
    private final RouteInvoker invoker;
    private final Map<String, GatewayConnection> connections = new ConcurrentHashMap<>();
    private final TokenBucket throttle;
    /** Billing units of the traffic (messages received, connection time) for the cost readout. */
    private volatile Usage usage = new Usage();

    private final boolean serialDispatch;

    Gateway(
            LocalTemplate template,
            Map<String, FunctionRuntime> functions,
            String stage,
            String apiId,
            Duration idleTimeout,
            Duration maxAge,
            ExecutorService dispatch,
            java.util.concurrent.Executor invocations,
            ScheduledExecutorService scheduler,
            Faults faults,
            boolean throttling,
            boolean serialDispatch) {
        this.serialDispatch = serialDispatch;
        this.throttle = throttling && template.throttlingRateLimit() > 0
                ? new TokenBucket(template.throttlingRateLimit(), Math.max(1, template.throttlingBurstLimit()))
                : null;
        this.template = template;
        this.stage = stage;
        this.events = new GatewayEvents(stage, apiId);
        this.invoker = new RouteInvoker(functions, invocations);
        this.idleTimeout = idleTimeout;
        this.maxAge = maxAge;
        this.dispatch = dispatch;
        this.scheduler = scheduler;
        this.faults = faults;
    }

    int openConnections() {
        return connections.size();
    }

    void usage(Usage usage) {
        this.usage = usage;
    }

    /** The handler tree: WebSocket upgrade on any path, else {@code @connections}, else the chat page. */
    Handler handler(Server server) {
        List<Handler> chain = new ArrayList<>();
        chain.add(new ConnectionsApi(stage, connections::get, faults));
        Resource web = ResourceFactory.of(server).newClassLoaderResource("web/");
        if (web != null) {
            ResourceHandler page = new ResourceHandler();
            page.setBaseResource(web);
            page.setWelcomeFiles(List.of("index.html"));
            page.setDirAllowed(false);
            chain.add(page);
        }
        WebSocketUpgradeHandler upgrade = WebSocketUpgradeHandler.from(server, container -> {
            container.setMaxFrameSize(MAX_FRAME);
            container.setAutoFragment(false); // else Jetty splits an oversize frame instead of closing with 1009
            container.setMaxTextMessageSize(MAX_MESSAGE);
            container.setMaxBinaryMessageSize(MAX_MESSAGE);
            container.setIdleTimeout(idleTimeout);
            container.addMapping("/*", this::handshake);
        });
        upgrade.setHandler(new Handler.Sequence(chain.toArray(new Handler[0])));
        return upgrade;
    }

    // ------------------------------------------------------------------ handshake and $connect

    private Object handshake(ServerUpgradeRequest request, ServerUpgradeResponse response, Callback callback) {
        try {
            return connect(request, response, callback);
        } catch (RuntimeException e) {
            // Logged here rather than by Jetty; the request URI's ?token= is redacted by the layout (logback.xml).
            LOG.warn("handshake failed", e);
            Response.writeError(request, response, callback, 500);
            return null;
        }
    }

    private Object connect(ServerUpgradeRequest request, ServerUpgradeResponse response, Callback callback) {
        long now = System.currentTimeMillis();
        GatewayConnection c = new GatewayConnection(
                GatewayEvents.newId(),
                now,
                Request.getRemoteAddr(request),
                request.getHeaders().get("User-Agent"),
                dispatch,
                serialDispatch);
        if (throttle != null && !throttle.tryAcquire()) {
            Response.writeError(request, response, callback, 429);
            return null;
        }
        LocalTemplate.Route route = template.routes().get("$connect");
        if (route != null) {
            JsonObject event = events.event(c, "$connect", "CONNECT", now);
            GatewayEvents.addHandshake(event, request);
            RouteInvoker.Outcome outcome = invoker.invoke(route, c, event, "$connect");
            if (outcome.integrationTimedOut()) {
                // API Gateway answers an integration timeout with 504 (INTEGRATION_TIMEOUT) and this body; the
                // handshake fails and no $disconnect follows. The function goes on and may still store the
                // connection, as on AWS, where only the TTL removes it.
                response.setStatus(504);
                response.getHeaders().put(org.eclipse.jetty.http.HttpHeader.CONTENT_TYPE, "application/json");
                Content.Sink.write(
                        response, true, "{\"message\":\"" + RouteInvoker.TIMED_OUT_MESSAGE + "\"}", callback);
                return null;
            }
            if (outcome.error() != null) {
                Response.writeError(request, response, callback, 500);
                return null;
            }
            int status = outcome.statusCode();
            if (status < 200 || status > 299) {
                // API Gateway fails the handshake with the handler's status; no $disconnect follows.
                Response.writeError(request, response, callback, status);
                return null;
            }
            String protocol = outcome.header("Sec-WebSocket-Protocol");
            if (protocol != null) {
                response.setAcceptedSubProtocol(protocol); // echoed only when $connect returns it
            }
        }
        keepFrameLimitsUnderCompression(response);
        return new Endpoint(this, c);
    }

    /**
     * API Gateway negotiates permessage-deflate (RFC 7692) when the client offers it: it answers
     * {@code sec-websocket-extensions: permessage-deflate;server_max_window_bits=12} to such an offer
     * (python-websockets/websockets#1065, where its answer is quoted). Jetty does too, but inflates a
     * frame into an 8 KB buffer and closes with 1009 when a frame inflates to more, which would halve
     * the frame limit. The buffers are set to the 32 KB frame quota instead, so compression changes
     * no limit: a frame may still carry 32 KB of text (one byte less: Jetty fails a buffer it fills
     * exactly, see docs/LOCAL.md), a message 128 KB.
     */
    private static void keepFrameLimitsUnderCompression(ServerUpgradeResponse response) {
        List<ExtensionConfig> extensions = new ArrayList<>(response.getExtensions());
        for (ExtensionConfig e : extensions) {
            if (e.getName().equals("permessage-deflate")) {
                // Parameters starting with '@' are Jetty's own: they configure the extension and are not sent.
                e.setParameter("@inflate_buffer_size", MAX_FRAME);
                e.setParameter("@deflate_buffer_size", MAX_FRAME);
            }
        }
        response.setExtensions(extensions);
    }

    // ------------------------------------------------------------------ frames

    private void onMessage(GatewayConnection c, String text) {
        long now = System.currentTimeMillis();
        usage.apiMessage(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        String routeKey = selectRoute(text);
        LocalTemplate.Route route = routeKey == null ? null : template.routes().get(routeKey);
        if (route == null) {
            route = template.routes().get("$default");
            routeKey = "$default";
        }
        JsonObject event = events.event(c, routeKey, "MESSAGE", now);
        String requestId = GatewayEvents.requestId(event);
        if (throttle != null && !throttle.tryAcquire()) {
            // The stage's DefaultRouteSettings limits: the message is dropped with a 429-style error frame.
            c.send(GatewayEvents.gatewayError("Too Many Requests", c.id, requestId));
            LOG.info(
                    "{} {} -> throttled (stage limit {}/s, burst {})",
                    routeKey,
                    c.id,
                    template.throttlingRateLimit(),
                    template.throttlingBurstLimit());
            return;
        }
        if (route == null) {
            c.send(GatewayEvents.gatewayError("Forbidden", c.id, requestId));
            LOG.info("{} {} -> no route, Forbidden", routeKey, c.id);
            return;
        }
        event.getAsJsonObject("requestContext").addProperty("messageId", GatewayEvents.newId());
        event.addProperty("body", text);
        RouteInvoker.Outcome outcome = invoker.invoke(route, c, event, routeKey);
        if (outcome.integrationTimedOut()) {
            // What API Gateway sends when the integration outlives its timeout; the socket stays open.
            c.send(GatewayEvents.gatewayError(RouteInvoker.TIMED_OUT_MESSAGE, c.id, requestId));
        } else if (outcome.error() != null) {
            c.send(GatewayEvents.gatewayError("Internal server error", c.id, requestId));
        } else if (route.twoWay() && outcome.body() != null) {
            c.send(outcome.body());
        }
    }

    /** Evaluates {@code $request.body.a.b}; null when the frame is not JSON or has no such value. */
    private String selectRoute(String text) {
        String expr = template.routeSelectionExpression();
        String prefix = "$request.body.";
        if (expr == null || !expr.startsWith(prefix)) {
            return null;
        }
        try {
            JsonElement node = JsonParser.parseString(text);
            for (String part : expr.substring(prefix.length()).split("\\.")) {
                if (node == null || !node.isJsonObject()) {
                    return null;
                }
                node = node.getAsJsonObject().get(part);
            }
            if (node == null || !node.isJsonPrimitive()) {
                return null;
            }
            String key = node.getAsString();
            return key.equals("$connect") || key.equals("$disconnect") ? null : key;
        } catch (RuntimeException notJson) {
            return null;
        }
    }

    // ------------------------------------------------------------------ close and $disconnect

    private void onClose(GatewayConnection c, int status, String reason) {
        connections.remove(c.id, c);
        usage.connectionClosed(c, System.currentTimeMillis());
        if (c.maxAgeTask != null) {
            c.maxAgeTask.cancel(false);
        }
        if (c.disconnected.compareAndSet(false, true)) {
            c.enqueue(() -> disconnect(c, status, reason));
        }
    }

    private void disconnect(GatewayConnection c, int status, String reason) {
        LocalTemplate.Route route = template.routes().get("$disconnect");
        if (route == null) {
            return;
        }
        JsonObject event = events.event(c, "$disconnect", "DISCONNECT", System.currentTimeMillis());
        event.getAsJsonObject("requestContext").addProperty("disconnectStatusCode", status);
        event.getAsJsonObject("requestContext").addProperty("disconnectReason", reason == null ? "" : reason);
        invoker.invoke(route, c, event, "$disconnect");
    }

    /** Closes every connection, running each one's {@code $disconnect} before returning. */
    void shutdown(Duration wait) {
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        for (GatewayConnection c : connections.values()) {
            connections.remove(c.id);
            if (c.disconnected.compareAndSet(false, true)) {
                pending.add(c.enqueue(() -> disconnect(c, 1001, "Going away")));
            }
            c.close(1001, "Going away");
        }
        try {
            CompletableFuture.allOf(pending.toArray(new CompletableFuture[0]))
                    .get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.warn("not every $disconnect finished within {}", wait);
        }
    }

    /**
     * Jetty's listener for one connection. It demands each frame itself (no auto-demand), so a
     * connection with {@link GatewayConnection#MAX_IN_FLIGHT} frames being handled is not read
     * further. Public because Jetty calls the listener through method handles.
     */
    public static final class Endpoint extends Session.Listener.Abstract {
        private final Gateway gateway;
        private final GatewayConnection c;

        Endpoint(Gateway gateway, GatewayConnection c) {
            this.gateway = gateway;
            this.c = c;
        }

        @Override
        public void onWebSocketOpen(Session session) {
            super.onWebSocketOpen(session);
            c.session = session;
            gateway.connections.put(c.id, c);
            gateway.usage.connectionOpened(c, System.currentTimeMillis());
            c.maxAgeTask = gateway.scheduler.schedule(
                    () -> c.close(1001, "Going away"), gateway.maxAge.toMillis(), TimeUnit.MILLISECONDS);
            session.demand();
        }

        @Override
        public void onWebSocketText(String message) {
            c.lastActiveAt = System.currentTimeMillis();
            c.dispatchFrame(() -> gateway.onMessage(c, message));
        }

        @Override
        public void onWebSocketBinary(ByteBuffer payload, org.eclipse.jetty.websocket.api.Callback callback) {
            callback.succeed();
            getSession().close(1003, "Binary frames are not supported", org.eclipse.jetty.websocket.api.Callback.NOOP);
        }

        @Override
        public void onWebSocketPing(ByteBuffer payload) {
            // A listener that handles pings answers them itself (RFC 6455 5.5.3: same application data).
            getSession().sendPong(payload, org.eclipse.jetty.websocket.api.Callback.NOOP);
            c.demand();
        }

        @Override
        public void onWebSocketPong(ByteBuffer payload) {
            c.demand();
        }

        @Override
        public void onWebSocketClose(int statusCode, String reason) {
            gateway.onClose(c, statusCode, reason);
        }

        @Override
        public void onWebSocketError(Throwable cause) {
            LOG.debug("connection {} error: {}", c.id, cause.toString());
        }
    }
}
