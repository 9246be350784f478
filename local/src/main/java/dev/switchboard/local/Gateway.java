package dev.switchboard.local;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ResourceHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.resource.Resource;
import org.eclipse.jetty.util.resource.ResourceFactory;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.server.ServerUpgradeRequest;
import org.eclipse.jetty.websocket.server.ServerUpgradeResponse;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API Gateway's WebSocket API on Jetty: the handshake runs {@code $connect}, text frames are routed
 * by the route selection expression, {@code $disconnect} follows every accepted connection, and
 * {@code /{stage}/@connections/{id}} is the management API. Limits follow API Gateway's quotas.
 */
public final class Gateway {
  private static final Logger LOG = LoggerFactory.getLogger("switchboard.gateway");
  static final int MAX_FRAME = 32 * 1024;
  static final int MAX_MESSAGE = 128 * 1024;
  static final int MAX_POST = 131072;
  private static final DateTimeFormatter REQUEST_TIME =
      DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH).withZone(ZoneOffset.UTC);
  private static final SecureRandom RANDOM = new SecureRandom();

  private final LocalTemplate template;
  private final Map<String, FunctionRuntime> functions;
  private final String stage;
  private final String apiId;
  private final Duration idleTimeout;
  private final Duration maxAge;
  private final ExecutorService dispatch;
  private final ScheduledExecutorService scheduler;
  private final Faults faults;
  private final Map<String, Connection> connections = new ConcurrentHashMap<>();
  private final TokenBucket throttle;
  private volatile String domainName = "localhost";

  Gateway(LocalTemplate template, Map<String, FunctionRuntime> functions, String stage, String apiId,
      Duration idleTimeout, Duration maxAge, ExecutorService dispatch, ScheduledExecutorService scheduler,
      Faults faults, boolean throttling) {
    this.throttle = throttling && template.throttlingRateLimit() > 0
        ? new TokenBucket(template.throttlingRateLimit(), Math.max(1, template.throttlingBurstLimit())) : null;
    this.template = template;
    this.functions = functions;
    this.stage = stage;
    this.apiId = apiId;
    this.idleTimeout = idleTimeout;
    this.maxAge = maxAge;
    this.dispatch = dispatch;
    this.scheduler = scheduler;
    this.faults = faults;
  }

  void domainName(String name) {
    this.domainName = name;
  }

  int openConnections() {
    return connections.size();
  }

  /** The handler tree: WebSocket upgrade on any path, else {@code @connections}, else the chat page. */
  Handler handler(Server server) {
    List<Handler> chain = new ArrayList<>();
    chain.add(new ConnectionsApi());
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
      // Jetty would log this failure with the request URI, ?token= and all: log it redacted instead.
      LOG.warn("handshake failed: {}", Redaction.stackTrace(e));
      Response.writeError(request, response, callback, 500);
      return null;
    }
  }

  private Object connect(ServerUpgradeRequest request, ServerUpgradeResponse response, Callback callback) {
    long now = System.currentTimeMillis();
    String id = newId();
    String sourceIp = Request.getRemoteAddr(request);
    String userAgent = request.getHeaders().get("User-Agent");
    Connection c = new Connection(id, now, sourceIp, userAgent);
    if (throttle != null && !throttle.tryAcquire()) {
      Response.writeError(request, response, callback, 429);
      return null;
    }
    LocalTemplate.Route route = template.routes().get("$connect");
    if (route != null) {
      JsonObject event = event(c, "$connect", "CONNECT", now);
      addHandshake(event, request);
      Outcome outcome = invoke(route, c, event, "$connect");
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
    return new Endpoint(this, c);
  }

  private static void addHandshake(JsonObject event, Request request) {
    JsonObject headers = new JsonObject();
    JsonObject multiHeaders = new JsonObject();
    for (HttpField f : request.getHeaders()) {
      headers.addProperty(f.getName(), f.getValue());
      JsonArray values = multiHeaders.has(f.getName()) ? multiHeaders.getAsJsonArray(f.getName()) : new JsonArray();
      values.add(f.getValue());
      multiHeaders.add(f.getName(), values);
    }
    event.add("headers", headers);
    event.add("multiValueHeaders", multiHeaders);
    String query = request.getHttpURI().getQuery();
    if (query != null && !query.isEmpty()) {
      JsonObject single = new JsonObject();
      JsonObject multi = new JsonObject();
      for (String pair : query.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String k = decodeQuery(eq < 0 ? pair : pair.substring(0, eq));
        String v = eq < 0 ? "" : decodeQuery(pair.substring(eq + 1));
        single.addProperty(k, v);
        JsonArray values = multi.has(k) ? multi.getAsJsonArray(k) : new JsonArray();
        values.add(v);
        multi.add(k, values);
      }
      event.add("queryStringParameters", single);
      event.add("multiValueQueryStringParameters", multi);
    }
  }

  /** A bad % escape is passed on as sent (the function then refuses the value) rather than failing the handshake. */
  private static String decodeQuery(String s) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException badEscape) {
      return s;
    }
  }

  // ------------------------------------------------------------------ events and invocation

  private JsonObject event(Connection c, String routeKey, String eventType, long now) {
    JsonObject ctx = new JsonObject();
    ctx.addProperty("routeKey", routeKey);
    ctx.addProperty("eventType", eventType);
    ctx.addProperty("extendedRequestId", newId());
    ctx.addProperty("requestTime", REQUEST_TIME.format(Instant.ofEpochMilli(now)));
    ctx.addProperty("messageDirection", "IN");
    ctx.addProperty("stage", stage);
    ctx.addProperty("connectedAt", c.connectedAt);
    ctx.addProperty("requestTimeEpoch", now);
    JsonObject identity = new JsonObject();
    identity.addProperty("sourceIp", c.sourceIp);
    if (c.userAgent != null) {
      identity.addProperty("userAgent", c.userAgent);
    }
    ctx.add("identity", identity);
    ctx.addProperty("requestId", ctx.get("extendedRequestId").getAsString());
    ctx.addProperty("domainName", domainName);
    ctx.addProperty("connectionId", c.id);
    ctx.addProperty("apiId", apiId);
    JsonObject event = new JsonObject();
    event.add("requestContext", ctx);
    event.addProperty("isBase64Encoded", false);
    return event;
  }

  /** What a route's function answered. */
  record Outcome(String error, JsonObject response) {
    int statusCode() {
      if (response != null && response.has("statusCode") && !response.get("statusCode").isJsonNull()) {
        return response.get("statusCode").getAsInt();
      }
      return 200; // a handler returning nothing counts as success, as on API Gateway
    }

    String header(String name) {
      if (response == null || !response.has("headers") || !response.get("headers").isJsonObject()) {
        return null;
      }
      for (Map.Entry<String, JsonElement> e : response.getAsJsonObject("headers").entrySet()) {
        if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isJsonNull()) {
          return e.getValue().getAsString();
        }
      }
      return null;
    }

    String body() {
      return response != null && response.has("body") && !response.get("body").isJsonNull()
          ? response.get("body").getAsString() : null;
    }
  }

  private Outcome invoke(LocalTemplate.Route route, Connection c, JsonObject event, String routeKey) {
    FunctionRuntime fn = functions.get(route.functionId());
    String requestId = event.getAsJsonObject("requestContext").get("requestId").getAsString();
    long start = System.nanoTime();
    try {
      String out = fn.invoke(event.toString(), requestId);
      JsonObject response = null;
      if (out != null) {
        JsonElement parsed = JsonParser.parseString(out);
        response = parsed.isJsonObject() ? parsed.getAsJsonObject() : null;
      }
      Outcome outcome = new Outcome(null, response);
      LOG.info("{} {} -> {} {} ms status {}", routeKey, c.id, fn.definition().functionName(),
          (System.nanoTime() - start) / 1_000_000, outcome.statusCode());
      return outcome;
    } catch (FunctionRuntime.InvocationException e) {
      LOG.warn("{} {} -> {} {} ms {}: {}", routeKey, c.id, fn.definition().functionName(),
          (System.nanoTime() - start) / 1_000_000, e.timeout() ? "TIMEOUT" : "ERROR", e.getMessage());
      return new Outcome(e.getMessage(), null);
    } catch (RuntimeException e) {
      LOG.warn("{} {} -> {} {} ms ERROR: unreadable result", routeKey, c.id, fn.definition().functionName(),
          (System.nanoTime() - start) / 1_000_000, e);
      return new Outcome(String.valueOf(e), null);
    }
  }

  private void onMessage(Connection c, String text) {
    long now = System.currentTimeMillis();
    String routeKey = selectRoute(text);
    LocalTemplate.Route route = routeKey == null ? null : template.routes().get(routeKey);
    if (route == null) {
      route = template.routes().get("$default");
      routeKey = "$default";
    }
    JsonObject event = event(c, routeKey, "MESSAGE", now);
    String requestId = event.getAsJsonObject("requestContext").get("requestId").getAsString();
    if (throttle != null && !throttle.tryAcquire()) {
      // The stage's DefaultRouteSettings limits: the message is dropped with a 429-style error frame.
      c.send(gatewayError("Too Many Requests", c.id, requestId));
      LOG.info("{} {} -> throttled (stage limit {}/s, burst {})", routeKey, c.id,
          template.throttlingRateLimit(), template.throttlingBurstLimit());
      return;
    }
    if (route == null) {
      c.send(gatewayError("Forbidden", c.id, requestId));
      LOG.info("{} {} -> no route, Forbidden", routeKey, c.id);
      return;
    }
    event.getAsJsonObject("requestContext").addProperty("messageId", newId());
    event.addProperty("body", text);
    Outcome outcome = invoke(route, c, event, routeKey);
    if (outcome.error() != null) {
      c.send(gatewayError("Internal server error", c.id, requestId));
    } else if (route.twoWay() && outcome.body() != null) {
      c.send(outcome.body());
    }
  }

  private static String gatewayError(String message, String connectionId, String requestId) {
    // API Gateway's own formatting, spaces included.
    return "{\"message\": \"" + message + "\", \"connectionId\":\"" + connectionId + "\", \"requestId\":\""
        + requestId + "\"}";
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

  private void onClose(Connection c, int status, String reason) {
    connections.remove(c.id, c);
    if (c.maxAgeTask != null) {
      c.maxAgeTask.cancel(false);
    }
    if (c.disconnected.compareAndSet(false, true)) {
      c.enqueue(() -> disconnect(c, status, reason));
    }
  }

  private void disconnect(Connection c, int status, String reason) {
    LocalTemplate.Route route = template.routes().get("$disconnect");
    if (route == null) {
      return;
    }
    JsonObject event = event(c, "$disconnect", "DISCONNECT", System.currentTimeMillis());
    event.getAsJsonObject("requestContext").addProperty("disconnectStatusCode", status);
    event.getAsJsonObject("requestContext").addProperty("disconnectReason", reason == null ? "" : reason);
    invoke(route, c, event, "$disconnect");
  }

  /** Closes every connection, running each one's {@code $disconnect} before returning. */
  void shutdown(Duration wait) {
    List<CompletableFuture<Void>> pending = new ArrayList<>();
    for (Connection c : connections.values()) {
      connections.remove(c.id);
      if (c.disconnected.compareAndSet(false, true)) {
        pending.add(c.enqueue(() -> disconnect(c, 1001, "Going away")));
      }
      Session s = c.session;
      if (s != null) {
        s.close(1001, "Going away", org.eclipse.jetty.websocket.api.Callback.NOOP);
      }
    }
    try {
      CompletableFuture.allOf(pending.toArray(new CompletableFuture[0])).get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn("not every $disconnect finished within {}", wait);
    }
  }

  /** API Gateway's throttling algorithm: a token bucket refilled at the steady-state rate. */
  private static final class TokenBucket {
    private final double rate;
    private final double burst;
    private double tokens;
    private long last = System.nanoTime();

    TokenBucket(double rate, int burst) {
      this.rate = rate;
      this.burst = burst;
      this.tokens = burst;
    }

    synchronized boolean tryAcquire() {
      long now = System.nanoTime();
      tokens = Math.min(burst, tokens + (now - last) / 1e9 * rate);
      last = now;
      if (tokens >= 1) {
        tokens -= 1;
        return true;
      }
      return false;
    }
  }

  static String newId() {
    byte[] bytes = new byte[11];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().encodeToString(bytes); // 16 chars ending in '=' like JC1dgf9yoAMCK-g=
  }

  // ------------------------------------------------------------------ one connection

  private final class Connection {
    final String id;
    final long connectedAt;
    final String sourceIp;
    final String userAgent;
    final AtomicBoolean disconnected = new AtomicBoolean();
    volatile long lastActiveAt;
    volatile Session session;
    volatile ScheduledFuture<?> maxAgeTask;
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

    Connection(String id, long connectedAt, String sourceIp, String userAgent) {
      this.id = id;
      this.connectedAt = connectedAt;
      this.lastActiveAt = connectedAt;
      this.sourceIp = sourceIp;
      this.userAgent = userAgent;
    }

    /** Events of one connection run in arrival order, one after the other, off Jetty's threads. */
    synchronized CompletableFuture<Void> enqueue(Runnable task) {
      tail = tail.thenRunAsync(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          LOG.error("event of connection {} failed", id, e);
        }
      }, dispatch);
      return tail;
    }

    void send(String text) {
      Session s = session;
      if (s != null && s.isOpen()) {
        s.sendText(text, org.eclipse.jetty.websocket.api.Callback.NOOP);
      }
    }
  }

  /** Public because Jetty calls the listener through method handles. */
  public static final class Endpoint extends Session.Listener.AbstractAutoDemanding {
    private final Gateway gateway;
    private final Connection c;

    Endpoint(Gateway gateway, Connection c) {
      this.gateway = gateway;
      this.c = c;
    }

    @Override
    public void onWebSocketOpen(Session session) {
      super.onWebSocketOpen(session);
      c.session = session;
      gateway.connections.put(c.id, c);
      c.maxAgeTask = gateway.scheduler.schedule(
          () -> session.close(1001, "Going away", org.eclipse.jetty.websocket.api.Callback.NOOP),
          gateway.maxAge.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void onWebSocketText(String message) {
      c.lastActiveAt = System.currentTimeMillis();
      c.enqueue(() -> gateway.onMessage(c, message));
    }

    @Override
    public void onWebSocketBinary(ByteBuffer payload, org.eclipse.jetty.websocket.api.Callback callback) {
      callback.succeed();
      getSession().close(1003, "Binary frames are not supported", org.eclipse.jetty.websocket.api.Callback.NOOP);
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

  // ------------------------------------------------------------------ @connections

  /**
   * {@code /{stage}/@connections/{id}}. There is no SigV4 check: on AWS IAM decides who may call
   * it; here only processes on this machine reach it and the SDK signs with dummy credentials.
   */
  private final class ConnectionsApi extends Handler.Abstract {
    @Override
    public boolean handle(Request request, Response response, Callback callback) throws IOException {
      String path = request.getHttpURI().getPath();
      int at = path.indexOf("/@connections");
      if (at < 0) {
        return false;
      }
      String pathStage = path.substring(1, Math.max(1, at));
      String rest = path.substring(at + "/@connections".length());
      if (!pathStage.equals(stage) || !rest.startsWith("/") || rest.length() < 2) {
        error(response, callback, 403, "ForbiddenException", "Forbidden");
        return true;
      }
      String id = URLDecoder.decode(rest.substring(1), StandardCharsets.UTF_8);
      int fault = faults.next();
      if (fault != 0) {
        String type = switch (fault) {
          case 410 -> "GoneException";
          case 429 -> "LimitExceededException";
          case 403 -> "ForbiddenException";
          case 413 -> "PayloadTooLargeException";
          default -> "InternalServerErrorException";
        };
        error(response, callback, fault, type, "injected fault");
        return true;
      }
      Connection c = connections.get(id);
      switch (request.getMethod()) {
        case "POST" -> post(request, response, callback, c);
        case "GET" -> {
          if (gone(c, response, callback)) {
            return true;
          }
          JsonObject identity = new JsonObject();
          identity.addProperty("sourceIp", c.sourceIp);
          identity.addProperty("userAgent", c.userAgent);
          JsonObject body = new JsonObject();
          body.addProperty("connectedAt", Instant.ofEpochMilli(c.connectedAt).toString());
          body.add("identity", identity);
          body.addProperty("lastActiveAt", Instant.ofEpochMilli(c.lastActiveAt).toString());
          json(response, callback, 200, body.toString());
        }
        case "DELETE" -> {
          if (gone(c, response, callback)) {
            return true;
          }
          c.session.close(1000, "", org.eclipse.jetty.websocket.api.Callback.NOOP);
          response.setStatus(204);
          callback.succeeded();
        }
        default -> error(response, callback, 403, "ForbiddenException", "Forbidden");
      }
      return true;
    }

    private void post(Request request, Response response, Callback callback, Connection c) throws IOException {
      byte[] body;
      try (InputStream in = Content.Source.asInputStream(request)) {
        body = in.readNBytes(MAX_POST + 1);
      }
      if (body.length > MAX_POST) {
        error(response, callback, 413, "PayloadTooLargeException", "Message too long");
        return;
      }
      if (gone(c, response, callback)) {
        return;
      }
      c.session.sendText(new String(body, StandardCharsets.UTF_8), org.eclipse.jetty.websocket.api.Callback.from(
          () -> {
            response.setStatus(200);
            callback.succeeded();
          },
          failure -> {
            LOG.warn("@connections POST {}: write failed, answering 410: {}", c.id, failure.toString());
            error(response, callback, 410, "GoneException", null);
          }));
    }

    private boolean gone(Connection c, Response response, Callback callback) {
      if (c == null || c.session == null || !c.session.isOpen()) {
        error(response, callback, 410, "GoneException", null);
        return true;
      }
      return false;
    }

    private void error(Response response, Callback callback, int status, String type, String message) {
      response.getHeaders().put("x-amzn-ErrorType", type);
      JsonObject body = new JsonObject();
      body.addProperty("message", message);
      body.add("message", message == null ? com.google.gson.JsonNull.INSTANCE : body.get("message"));
      json(response, callback, status, new com.google.gson.GsonBuilder().serializeNulls().create().toJson(body));
    }

    private void json(Response response, Callback callback, int status, String json) {
      response.setStatus(status);
      response.getHeaders().put("Content-Type", "application/json");
      Content.Sink.write(response, true, json, callback);
    }
  }

  static Map<String, String> toMap(JsonObject o) {
    Map<String, String> m = new LinkedHashMap<>();
    o.entrySet().forEach(e -> m.put(e.getKey(), e.getValue().getAsString()));
    return m;
  }
}
