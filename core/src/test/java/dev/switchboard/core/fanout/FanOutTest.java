package dev.switchboard.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.switchboard.core.Config;
import dev.switchboard.core.aws.AwsClients;
import dev.switchboard.core.store.Member;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fan-out engine with the real SDK Management API client against a local HTTP stand-in for
 * {@code @connections} that answers per connection: 200, 410, 429 (then 200), 500 (always).
 */
class FanOutTest {

    HttpServer server;
    ScheduledExecutorService retryTimer = Executors.newSingleThreadScheduledExecutor();

    record Received(String method, String rawPath, Map<String, List<String>> headers, byte[] body) {}

    final List<Received> signedRequests = new java.util.concurrent.CopyOnWriteArrayList<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    Config config;
    final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    final Set<String> removed = ConcurrentHashMap.newKeySet();
    FanOut fanOut;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/local/@connections/", exchange -> {
            String id = URLDecoder.decode(
                    exchange.getRequestURI().getPath().substring("/local/@connections/".length()),
                    StandardCharsets.UTF_8);
            byte[] requestBody = exchange.getRequestBody().readAllBytes();
            if (id.startsWith("sig")) {
                signedRequests.add(new Received(
                        exchange.getRequestMethod(),
                        exchange.getRequestURI().getRawPath(),
                        exchange.getRequestHeaders(),
                        requestBody));
            }
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            if (id.startsWith("slow")) {
                sleep(20);
            }
            inFlight.decrementAndGet();
            int attempt = attempts.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            int status = id.startsWith("gone")
                    ? 410
                    : id.startsWith("busy") && attempt == 1 ? 429 : id.startsWith("broken") ? 500 : 200;
            String type = switch (status) {
                case 410 -> "GoneException";
                case 429 -> "LimitExceededException";
                case 500 -> "InternalServerErrorException";
                default -> null;
            };
            if (type != null) {
                exchange.getResponseHeaders().add("x-amzn-ErrorType", type);
            }
            byte[] body = status == 200 ? new byte[0] : "{\"message\":null}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.setExecutor(Executors.newFixedThreadPool(16));
        server.start();
        config = Config.fromEnv(Map.of(
                Config.TABLE,
                "t",
                Config.MANAGEMENT_ENDPOINT,
                "http://127.0.0.1:" + server.getAddress().getPort() + "/local"));
        System.setProperty("aws.accessKeyId", "local");
        System.setProperty("aws.secretAccessKey", "local");
        fanOut = fanOut(config, 8);
    }

    FanOut fanOut(Config config, int maxInFlight) {
        return new FanOut(
                new AwsClients(config).connectionsPoster(Thread::new),
                gone -> removed.addAll(gone.connectionIds()),
                maxInFlight,
                retryTimer,
                3,
                5);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @AfterEach
    void stop() {
        server.stop(0);
        retryTimer.shutdownNow();
    }

    static List<Member> recipients(String... ids) {
        List<Member> members = new ArrayList<>();
        for (String id : ids) {
            members.add(new Member(id, "u"));
        }
        return members;
    }

    /**
     * The gone connections carry a time no later than the posts that found them gone: a connection known open
     * before it was open before its 410. The time a 410 arrives would not do: the socket may have opened, and
     * its first frame been handled, in between (ChatStore#removeGone). The poster answers 410 only once the
     * clock has moved past the post, so a time taken at the answer fails this.
     */
    @Test
    void fanOut_givesTheGoneTheTimeItStartedPosting_notTheTimeOfThe410() {
        Map<String, Long> sentAt = new ConcurrentHashMap<>();
        List<FanOut.Gone> reported = new java.util.concurrent.CopyOnWriteArrayList<>();
        long before = System.currentTimeMillis();
        FanOut fanOut = new FanOut(
                (connectionId, frame) -> {
                    long sent = System.currentTimeMillis();
                    sentAt.put(connectionId, sent);
                    while (System.currentTimeMillis() <= sent) { // until the 410 is later on the clock than the post
                        Thread.onSpinWait();
                    }
                    return java.util.concurrent.CompletableFuture.completedFuture(
                            connectionId.startsWith("gone")
                                    ? ConnectionPoster.PostStatus.GONE
                                    : ConnectionPoster.PostStatus.DELIVERED);
                },
                reported::add,
                8,
                retryTimer,
                1,
                1);

        FanOutResult result =
                fanOut.deliver(recipients("ok-1", "gone-1", "gone-2"), "{}".getBytes(StandardCharsets.UTF_8));

        assertThat(result.gone()).isEqualTo(2);
        assertThat(reported).hasSize(1);
        FanOut.Gone gone = reported.get(0);
        assertThat(gone.connectionIds()).containsExactlyInAnyOrder("gone-1", "gone-2");
        assertThat(gone.room()).isNull();
        assertThat(gone.postedFromMillis()).isBetween(before, Math.min(sentAt.get("gone-1"), sentAt.get("gone-2")));
    }

    @Test
    void fanOut_countsEveryRecipient_deletesGone_retriesThrottled_andNeverStopsForOne() {
        FanOutResult result = fanOut.deliver(
                recipients("ok-1", "gone-1", "busy-1", "broken-1", "ok-2", "gone-2"),
                "{\"type\":\"pong\"}".getBytes(StandardCharsets.UTF_8));

        assertThat(result).isEqualTo(new FanOutResult(3, 2, 1));
        assertThat(result.audience()).isEqualTo(6);
        assertThat(removed).containsExactlyInAnyOrder("gone-1", "gone-2");
        // 410 is final: never resent. 429 once, then delivered. 500 retried up to the attempt limit.
        assertThat(attempts.get("gone-1").get()).isEqualTo(1);
        assertThat(attempts.get("busy-1").get()).isEqualTo(2);
        assertThat(attempts.get("broken-1").get()).isEqualTo(3);
        assertThat(attempts.get("ok-1").get()).isEqualTo(1);
    }

    @Test
    void postsInFlight_neverExceedTheBound_andAllArrive() {
        String[] ids = new String[60];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = "slow-" + i;
        }
        FanOutResult result = fanOut(config, 4).deliver(recipients(ids), "{}".getBytes(StandardCharsets.UTF_8));

        assertThat(result).isEqualTo(new FanOutResult(60, 0, 0));
        assertThat(maxInFlight.get()).isBetween(2, 4); // concurrent (more than one), and bounded
    }

    @Test
    void unreachableEndpoint_isRetriedThenCountedFailed_notThrown() {
        Config nowhere =
                Config.fromEnv(Map.of(Config.TABLE, "t", Config.MANAGEMENT_ENDPOINT, "http://127.0.0.1:1/local"));

        FanOutResult result = fanOut(nowhere, 4).deliver(recipients("a", "b"), "{}".getBytes(StandardCharsets.UTF_8));

        assertThat(result).isEqualTo(new FanOutResult(0, 0, 2));
        assertThat(removed).isEmpty();
    }

    /**
     * What arrives on the wire must carry a valid SigV4 signature for {@code execute-api}: signing
     * the received request again (same headers, body and time) must give the same Authorization.
     * Catches headers changed between signing and sending (Host, Content-Type) and path encoding.
     */
    @Test
    void posts_areSigV4Signed_forExecuteApi_overWhatIsActuallySent() {
        fanOut.deliver(recipients("sig-JC1dgf9yoAMCK-g="), "{\"type\":\"pong\"}".getBytes(StandardCharsets.UTF_8));

        assertThat(signedRequests).hasSize(1);
        Received received = signedRequests.get(0);
        assertThat(received.rawPath()).isEqualTo("/local/@connections/sig-JC1dgf9yoAMCK-g%3D");
        String authorization = header(received, "Authorization");
        assertThat(authorization)
                .startsWith("AWS4-HMAC-SHA256 Credential=local/")
                .contains("/us-east-1/execute-api/aws4_request");
        String signedHeaders = authorization.replaceAll(".*SignedHeaders=([^,]*),.*", "$1");
        java.time.Instant signedAt = java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                .withZone(java.time.ZoneOffset.UTC)
                .parse(header(received, "X-Amz-Date"), java.time.Instant::from);
        var unsigned = software.amazon.awssdk.http.SdkHttpRequest.builder()
                .method(software.amazon.awssdk.http.SdkHttpMethod.POST)
                .uri(java.net.URI.create("http://" + header(received, "Host") + received.rawPath()));
        for (String name : signedHeaders.split(";")) {
            if (!name.equals("x-amz-date") && !name.equals("host")) {
                unsigned.putHeader(name, header(received, name));
            }
        }
        var again = software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.create()
                .sign(r -> r.identity(
                                software.amazon.awssdk.identity.spi.AwsCredentialsIdentity.create("local", "local"))
                        .request(unsigned.build())
                        .payload(software.amazon.awssdk.http.ContentStreamProvider.fromByteArray(received.body()))
                        .putProperty(
                                software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.SERVICE_SIGNING_NAME,
                                "execute-api")
                        .putProperty(
                                software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner.REGION_NAME, "us-east-1")
                        .putProperty(
                                software.amazon.awssdk.http.auth.spi.signer.HttpSigner.SIGNING_CLOCK,
                                java.time.Clock.fixed(signedAt, java.time.ZoneOffset.UTC)));
        assertThat(again.request().firstMatchingHeader("Authorization")).contains(authorization);
    }

    static String header(Received received, String name) {
        return received.headers().entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(name))
                .map(e -> e.getValue().get(0))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no header " + name));
    }

    @Test
    void gone_isRecognisedByStatusCode_evenWithoutTheErrorType() {
        assertThat(ConnectionPoster.PostStatus.of(410)).isEqualTo(ConnectionPoster.PostStatus.GONE);
        assertThat(ConnectionPoster.PostStatus.of(429)).isEqualTo(ConnectionPoster.PostStatus.RETRY);
        assertThat(ConnectionPoster.PostStatus.of(503)).isEqualTo(ConnectionPoster.PostStatus.RETRY);
        assertThat(ConnectionPoster.PostStatus.of(403)).isEqualTo(ConnectionPoster.PostStatus.FAILED);
        assertThat(ConnectionPoster.PostStatus.of(200)).isEqualTo(ConnectionPoster.PostStatus.DELIVERED);
    }
}
