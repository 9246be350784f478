package dev.switchboard.local;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DynamoDB Local never throttles. This HTTP proxy sits between the functions and DynamoDB Local
 * (their {@code AWS_ENDPOINT_URL_DYNAMODB} points here) and answers a chosen fraction of
 * requests the way DynamoDB does when it throttles: HTTP 400 with a
 * {@code ProvisionedThroughputExceededException} or {@code ThrottlingException} body, so the SDK's
 * own retry policy is what gets exercised. Everything else is forwarded unchanged.
 *
 * <p>The SDK numbers its attempts in the {@code amz-sdk-request: attempt=N; max=M} header, so a
 * test can throttle only first attempts (every request then succeeds on a retry) or every attempt
 * (the request fails after the SDK's last retry).
 */
public final class DynamoDbFaultProxy implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard.dynamodb-faults");
    private static final Pattern ATTEMPT = Pattern.compile("attempt=(\\d+)");
    /** Headers the JDK client sets itself or refuses to set. */
    private static final Set<String> HOP_BY_HOP = Set.of(
            "host", "connection", "content-length", "expect", "upgrade", "transfer-encoding", "keep-alive", "date");

    private final HttpServer server;
    private final ExecutorService executor;
    private final HttpClient client;
    private final URI target;
    private volatile double rate;
    /** Operation whose calls {@link #failCalls} targets, calls of it still to let through, calls to fail. */
    private volatile String failOperation;
    /** Only calls whose request body contains this count for {@link #failCalls} (null: every call of the operation). */
    private volatile String failBodyContains;

    private final AtomicInteger callsToSkip = new AtomicInteger();
    private final AtomicInteger callsToFail = new AtomicInteger();
    private volatile boolean failingCall;
    private volatile int throttledAttempts;
    private final AtomicInteger remaining = new AtomicInteger();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong throttled = new AtomicLong();
    private final AtomicLong retriesForwarded = new AtomicLong();

    private DynamoDbFaultProxy(HttpServer server, ExecutorService executor, URI target) {
        this.server = server;
        this.executor = executor;
        this.target = target;
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .executor(executor)
                .build();
    }

    /** Listens on a free loopback port and forwards to {@code target} (DynamoDB Local). */
    static DynamoDbFaultProxy start(URI target) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        AtomicInteger n = new AtomicInteger();
        ExecutorService executor = Executors.newFixedThreadPool(32, r -> {
            Thread t = new Thread(r, "dynamodb-proxy-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        DynamoDbFaultProxy proxy = new DynamoDbFaultProxy(server, executor, target);
        server.createContext("/", proxy::handle);
        server.setExecutor(executor);
        server.start();
        return proxy;
    }

    /** Where the functions send their DynamoDB requests. */
    public URI endpoint() {
        return URI.create("http://localhost:" + server.getAddress().getPort());
    }

    /**
     * Throttles each request whose SDK attempt number is at most {@code attempts} with probability
     * {@code rate}: {@code throttle(0.5, 1)} makes half the requests need one retry and none fail;
     * {@code throttle(1, Integer.MAX_VALUE)} fails every request after the SDK's last attempt.
     */
    public DynamoDbFaultProxy throttle(double rate, int attempts) {
        this.throttledAttempts = attempts;
        this.rate = rate;
        return this;
    }

    /** Throttles the next {@code count} requests, whatever their attempt number. */
    public DynamoDbFaultProxy throttleNext(int count) {
        remaining.set(count);
        return this;
    }

    /**
     * Lets the next {@code skip} calls of {@code operation} (e.g. {@code "Query"}, as in the
     * {@code X-Amz-Target} header) through, then throttles every attempt of the {@code fail} calls
     * after them, so each fails after the SDK's last retry: a DynamoDB failure at one chosen step of a
     * handler, such as the second page of a room's members in the middle of a fan-out. A call is
     * counted at its first attempt; meant for one such call in flight at a time.
     */
    public DynamoDbFaultProxy failCalls(String operation, int skip, int fail) {
        return failCalls(operation, null, skip, fail);
    }

    /**
     * As {@link #failCalls(String, int, int)}, counting only calls whose request body contains
     * {@code bodyContains} (e.g. {@code "ROOM#lobby"} for the queries of that room's members): other
     * functions' calls of the same operation at the same time (a scheduled sweep, a {@code $disconnect})
     * neither take the chosen call's place nor end its failure between the SDK's attempts.
     */
    public DynamoDbFaultProxy failCalls(String operation, String bodyContains, int skip, int fail) {
        failBodyContains = bodyContains;
        callsToSkip.set(skip);
        callsToFail.set(fail);
        failingCall = false;
        failOperation = operation;
        return this;
    }

    /** Stops throttling. */
    public void clear() {
        rate = 0;
        remaining.set(0);
        failOperation = null;
        callsToFail.set(0);
    }

    /** Requests received, throttled ones included. */
    public long requests() {
        return requests.get();
    }
    /** Requests answered with a throttling error. */
    public long throttled() {
        return throttled.get();
    }
    /** Forwarded requests that were an SDK retry (attempt 2 or later). */
    public long retriesForwarded() {
        return retriesForwarded.get();
    }

    private synchronized boolean failsCall(String target, byte[] body, int attempt) {
        String operation = failOperation;
        if (operation == null || target == null || !target.endsWith("." + operation)) {
            return false;
        }
        String contains = failBodyContains;
        if (contains != null && !new String(body, java.nio.charset.StandardCharsets.UTF_8).contains(contains)) {
            return false;
        }
        if (attempt == 1) {
            if (callsToSkip.get() > 0) {
                callsToSkip.decrementAndGet();
                failingCall = false;
            } else {
                failingCall = callsToFail.get() > 0 && callsToFail.getAndDecrement() > 0;
            }
        }
        return failingCall;
    }

    private boolean shouldThrottle(int attempt) {
        if (remaining.get() > 0 && remaining.getAndDecrement() > 0) {
            return true;
        }
        double r = rate;
        return r > 0
                && attempt <= throttledAttempts
                && ThreadLocalRandom.current().nextDouble() < r;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            requests.incrementAndGet();
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            int attempt = attempt(exchange.getRequestHeaders().getFirst("amz-sdk-request"));
            if (shouldThrottle(attempt)
                    || failsCall(exchange.getRequestHeaders().getFirst("X-Amz-Target"), body, attempt)) {
                throttled.incrementAndGet();
                reply(exchange, throttlingError(exchange.getRequestHeaders().getFirst("X-Amz-Target")));
                return;
            }
            if (attempt > 1) {
                retriesForwarded.incrementAndGet();
            }
            HttpRequest.Builder forward = HttpRequest.newBuilder(
                            target.resolve(exchange.getRequestURI().toString()))
                    .timeout(Duration.ofSeconds(30))
                    .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
            for (Map.Entry<String, List<String>> h :
                    exchange.getRequestHeaders().entrySet()) {
                if (!HOP_BY_HOP.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                    h.getValue().forEach(v -> forward.header(h.getKey(), v));
                }
            }
            HttpResponse<byte[]> response;
            try {
                response = client.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.sendResponseHeaders(502, -1);
                return;
            } catch (IOException e) {
                LOG.warn("forwarding to DynamoDB Local failed: {}", e.toString());
                exchange.sendResponseHeaders(502, -1);
                return;
            }
            response.headers().map().forEach((name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            byte[] out = response.body();
            exchange.sendResponseHeaders(response.statusCode(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                try (OutputStream os = exchange.getResponseBody()) {
                    os.write(out);
                }
            }
        }
    }

    private static int attempt(String header) {
        if (header == null) {
            return 1;
        }
        Matcher m = ATTEMPT.matcher(header);
        return m.find() ? Integer.parseInt(m.group(1)) : 1;
    }

    /** DynamoDB's answer when it throttles, alternating between its two throttling errors. */
    private String throttlingError(String operation) {
        boolean provisioned = throttled.get() % 2 == 0;
        LOG.debug(
                "throttling {} ({})",
                operation,
                provisioned ? "ProvisionedThroughputExceededException" : "ThrottlingException");
        return provisioned
                ? "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException\","
                        + "\"message\":\"The level of configured provisioned throughput for the table was exceeded. (injected)\"}"
                : "{\"__type\":\"com.amazon.coral.availability#ThrottlingException\","
                        + "\"message\":\"Rate of requests exceeds the allowed throughput. (injected)\"}";
    }

    private static void reply(HttpExchange exchange, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/x-amz-json-1.0");
        exchange.getResponseHeaders().set("x-amzn-RequestId", GatewayEvents.newId());
        exchange.sendResponseHeaders(400, bytes.length);
        try (OutputStream os = exchange.getResponseBody()) {
            os.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
