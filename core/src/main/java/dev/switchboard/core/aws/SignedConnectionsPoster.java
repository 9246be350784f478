package dev.switchboard.core.aws;

import dev.switchboard.core.fanout.ConnectionPoster;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.utils.DateUtils;
import software.amazon.awssdk.utils.http.SdkHttpUtils;

/**
 * {@code POST @connections/{id}} (PostToConnection) and {@code DELETE @connections/{id}}
 * (DeleteConnection) as the Management API defines them
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html,
 * https://docs.aws.amazon.com/apigateway/latest/api/API_DeleteConnection.html), built from the SDK's parts: signed by the SDK's SigV4 signer ({@link AwsV4HttpSigner}, service
 * {@code execute-api}) and sent by an SDK {@link SdkHttpClient} called directly, on at most
 * {@code connections} poster threads ("lanes"), each running one request at a time. The one way this code calls
 * {@code @connections}: the fan-out posts and the expired-connections sweep deletes through it alike.
 *
 * <p>Why not the SDK's {@code ApiGatewayManagementApiClient}: a fan-out makes the same call
 * thousands of times with only the connection id changing, and the service client's per-request
 * pipeline (interceptors, marshalling, endpoint rules, retries the fan-out does itself) cost more
 * CPU than the post; bench/PosterBenchmark measures both (docs/PERFORMANCE.md). Credentials come
 * from the SDK's provider per post (it caches them), so rotated or restored (SnapStart) credentials
 * are picked up.
 *
 * <p>Outcomes, the same for both methods: 2xx delivered (for a DELETE, 204: closed), 410 gone, 429 / 5xx / an I/O error retry, anything else failed
 * ({@link PostStatus#of}); a 404 (not an answer API Gateway gives for an unknown connection, which is 410, but a
 * wrong endpoint path) is such a failure, never taken for gone. The body of a 4xx answer other than 410 is logged
 * once per method and status per poster (a signing or permission problem must be visible without a log line per recipient); the
 * log layouts redact credentials. Clock skew is handled as the SDK does: see {@link #skewAdjustment}.
 * Connections are kept alive by the HTTP client (the UrlConnection client: the JDK's keep-alive
 * cache, which closes a connection idle for 5 s; see {@link #keepAliveConnections}).
 */
public final class SignedConnectionsPoster implements ConnectionPoster, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SignedConnectionsPoster.class);
    private static final Duration IDLE_THREAD = Duration.ofSeconds(60);
    private static final String SERVICE = "execute-api";
    /** How much of a 4xx answer's body is logged, in characters (API Gateway's messages are one short JSON object). */
    private static final int LOGGED_BODY_CHARS = 1024;
    /**
     * The SDK's threshold for "possibly skewed": software.amazon.awssdk.core.retry.ClockSkew's
     * CLOCK_SKEW_ADJUST_THRESHOLD (4 minutes). SigV4 requests are valid for 5 minutes either side.
     */
    private static final Duration SKEW_THRESHOLD = Duration.ofMinutes(4);
    /** Error types that always mean a skewed clock (the SDK's AwsErrorCode.DEFINITE_CLOCK_SKEW_ERROR_CODES). */
    private static final Set<String> DEFINITE_SKEW_ERRORS =
            Set.of("RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture");
    /** Error types that may mean a skewed clock (AwsErrorCode.POSSIBLE_CLOCK_SKEW_ERROR_CODES; statuses 401 and 403 alike). */
    private static final Set<String> POSSIBLE_SKEW_ERRORS =
            Set.of("InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure");

    private final String scheme;
    private final String host;
    private final int port;
    private final String pathPrefix;
    private final String region;
    private final AwsCredentialsProvider credentials;
    private final SdkHttpClient http;
    private final Clock clock;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
    private final ThreadPoolExecutor lanes;
    /** Client clock minus server clock, in seconds, learnt from a skew error; subtracted from the signing time. */
    private final AtomicLong skewSeconds = new AtomicLong();

    /** "POST 403" etc.: the method and statuses whose error body was logged already. */
    private final Set<String> statusesLogged = ConcurrentHashMap.newKeySet();

    private final AtomicBoolean signingFailureLogged = new AtomicBoolean();

    /**
     * @param endpoint    {@code https://{api-id}.execute-api.{region}.amazonaws.com/{stage}} (locally {@code http://127.0.0.1:PORT/{stage}})
     * @param http        sends the posts; not closed by this poster (its timeouts are the posts' timeouts)
     * @param connections most posts in flight, each on its own thread (started on demand, ended after 60 s idle)
     * @throws IllegalArgumentException when the endpoint is neither http nor https
     */
    public SignedConnectionsPoster(
            URI endpoint,
            String region,
            AwsCredentialsProvider credentials,
            SdkHttpClient http,
            int connections,
            ThreadFactory threadFactory) {
        this(endpoint, region, credentials, http, connections, threadFactory, IDLE_THREAD, Clock.systemUTC());
    }

    /**
     * @param idleThread how long a poster thread waits for work before it ends
     * @param clock      the local clock (tests move it to provoke clock skew)
     */
    SignedConnectionsPoster(
            URI endpoint,
            String region,
            AwsCredentialsProvider credentials,
            SdkHttpClient http,
            int connections,
            ThreadFactory threadFactory,
            Duration idleThread,
            Clock clock) {
        boolean https = "https".equalsIgnoreCase(endpoint.getScheme());
        if (!https && !"http".equalsIgnoreCase(endpoint.getScheme())) {
            throw new IllegalArgumentException(
                    "management endpoint must be http(s), got " + endpoint
                            + ": set SWITCHBOARD_MANAGEMENT_ENDPOINT to https://{api-id}.execute-api.{region}.amazonaws.com/{stage}");
        }
        this.scheme = https ? "https" : "http";
        this.host = endpoint.getHost();
        this.port = endpoint.getPort();
        String path = endpoint.getRawPath() == null ? "" : endpoint.getRawPath();
        this.pathPrefix = (path.endsWith("/") ? path.substring(0, path.length() - 1) : path) + "/@connections/";
        this.region = region;
        this.credentials = credentials;
        this.http = http;
        this.clock = clock;
        // A thread per post in flight up to the bound; one idle for idleThread ends, so a function instance (or a
        // stopped local cloud) holds no threads it does not use.
        this.lanes = new ThreadPoolExecutor(
                connections,
                connections,
                idleThread.toMillis(),
                TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(),
                threadFactory);
        this.lanes.allowCoreThreadTimeOut(true);
    }

    /**
     * Lets the JDK keep up to {@code connections} idle connections per host alive, when nobody chose
     * otherwise: the UrlConnection client rides on {@code HttpURLConnection}, whose keep-alive cache
     * keeps 5 per host unless the {@code http.maxConnections} system property says more
     * (https://docs.oracle.com/en/java/javase/21/docs/api/java.base/java/net/doc-files/net-properties.html),
     * and a fan-out with 64 posts in flight would otherwise open a new connection (on AWS a TLS
     * handshake) for most posts. The JDK reads the property once, on the first kept-alive connection,
     * so call this before the function's first HTTP request. A JVM-wide setting, which a function's
     * JVM is ours to make; an explicit {@code -Dhttp.maxConnections} wins.
     */
    public static void keepAliveConnections(int connections) {
        if (System.getProperty("http.maxConnections") == null) {
            System.setProperty("http.maxConnections", Integer.toString(Math.max(5, connections)));
        }
    }

    /** {@code POST @connections/{connectionId}} with {@code frame} (UTF-8 JSON, at most 128 KB) as the body. */
    @Override
    public CompletableFuture<PostStatus> post(String connectionId, byte[] frame) {
        return enqueue(new Post(SdkHttpMethod.POST, connectionId, frame));
    }

    /**
     * {@code DELETE @connections/{connectionId}}: API Gateway closes the socket and runs {@code $disconnect}.
     * {@link PostStatus#DELIVERED} on 204, {@link PostStatus#GONE} on 410; on the same lanes, signed and
     * answered as posts are.
     */
    @Override
    public CompletableFuture<PostStatus> delete(String connectionId) {
        return enqueue(new Post(SdkHttpMethod.DELETE, connectionId, null));
    }

    private CompletableFuture<PostStatus> enqueue(Post post) {
        try {
            lanes.execute(post);
        } catch (RejectedExecutionException e) {
            post.outcome.complete(PostStatus.FAILED); // closed
        }
        return post.outcome;
    }

    /** One request: a POST with its frame, or a DELETE ({@code frame} null). */
    private final class Post implements Runnable {
        final SdkHttpMethod method;
        final String connectionId;
        final byte[] frame;
        final CompletableFuture<PostStatus> outcome = new CompletableFuture<>();

        Post(SdkHttpMethod method, String connectionId, byte[] frame) {
            this.method = method;
            this.connectionId = connectionId;
            this.frame = frame;
        }

        @Override
        public void run() {
            // The future completes whatever happens: a fan-out waits on it (until its deadline) and holds a slot for
            // it.
            try {
                outcome.complete(postNow(method, connectionId, frame));
            } catch (RuntimeException | Error e) {
                LOG.warn("{} to {} failed unexpectedly: {}", method, connectionId, e.toString());
                outcome.complete(PostStatus.FAILED);
                if (e instanceof Error error) {
                    throw error;
                }
            }
        }
    }

    private PostStatus postNow(SdkHttpMethod method, String connectionId, byte[] frame) {
        Answer answer = send(method, connectionId, frame);
        if (answer != null && answer.skewAdjusted()) {
            // as the SDK does after adjusting its clock offset: the same request once more, signed with the corrected
            // time
            answer = send(method, connectionId, frame);
        }
        return answer == null ? PostStatus.FAILED : answer.status();
    }

    /** What one exchange came to; null when nothing could be signed. */
    private record Answer(PostStatus status, boolean skewAdjusted) {}

    private Answer send(SdkHttpMethod method, String connectionId, byte[] frame) {
        SignedRequest signed;
        try {
            signed = sign(method, connectionId, frame);
        } catch (RuntimeException e) {
            // no credentials: nothing was sent, and another try would fail alike. Said once, not per recipient.
            if (!signingFailureLogged.getAndSet(true)) {
                LOG.error(
                        "cannot sign @connections posts (further failures not logged); check the function's role "
                                + "or the AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY variables: {}",
                        e.toString());
            }
            return null;
        }
        try {
            HttpExecuteResponse response = http.prepareRequest(HttpExecuteRequest.builder()
                            .request(signed.request())
                            .contentStreamProvider(signed.payload().orElse(null))
                            .build())
                    .call();
            int status = response.httpResponse().statusCode();
            // Read to the end whatever the status: the connection goes back to the keep-alive cache only then.
            String body = drain(response.responseBody().orElse(null), status / 100 == 4 && status != 410);
            if (status / 100 != 4 || status == 410) {
                return new Answer(PostStatus.of(status), false);
            }
            String errorType = errorType(response.httpResponse());
            boolean adjusted = adjustForSkew(status, errorType, response.httpResponse());
            if (!adjusted && statusesLogged.add(method + " " + status)) {
                LOG.warn(
                        "@connections {} answered {} {} (further {} answers to a {} from this instance not logged): {}",
                        method,
                        status,
                        errorType,
                        status,
                        method,
                        body);
            }
            return new Answer(PostStatus.of(status), adjusted);
        } catch (IOException e) {
            return new Answer(PostStatus.RETRY, false);
        }
    }

    /** Signs a POST of {@code frame}, or a DELETE (no body) when {@code frame} is null. */
    private SignedRequest sign(SdkHttpMethod method, String connectionId, byte[] frame) {
        SdkHttpRequest.Builder request = SdkHttpRequest.builder()
                .method(method)
                .protocol(scheme)
                .host(host)
                .port(port < 0 ? null : port)
                .encodedPath(pathPrefix + encode(connectionId));
        if (frame != null) {
            request.putHeader("Content-Type", "application/json")
                    .putHeader("Content-Length", Integer.toString(frame.length));
        }
        Clock signingClock = Clock.offset(clock, Duration.ofSeconds(-skewSeconds.get()));
        return signer.sign(r -> r.identity(credentials.resolveCredentials())
                .request(request.build())
                .payload(frame == null ? null : ContentStreamProvider.fromByteArrayUnsafe(frame))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, SERVICE)
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4HttpSigner.SIGNING_CLOCK, signingClock));
    }

    /**
     * Learns the clock offset from a refused post, as the SDK does (AwsServiceException.isClockSkewException,
     * ClockSkewAdjuster in sdk-core): a definite skew error type, or a possible one (or status 401/403)
     * when the answer's {@code Date} differs from our clock by 4 minutes or more, sets the offset to
     * our time minus the server's, in whole seconds, for every later post; the refused post is sent
     * once more. True when the offset changed.
     */
    private boolean adjustForSkew(int status, String errorType, SdkHttpResponse response) {
        Optional<Instant> serverTime = response.firstMatchingHeader("Date").flatMap(SignedConnectionsPoster::parseDate);
        if (serverTime.isEmpty()) {
            return false;
        }
        Optional<Long> adjustment =
                skewAdjustment(status, errorType, clock.instant(), skewSeconds.get(), serverTime.get());
        if (adjustment.isEmpty() || adjustment.get() == skewSeconds.get()) {
            return false;
        }
        long previous = skewSeconds.getAndSet(adjustment.get());
        LOG.warn(
                "@connections answered {} {} with a server time {} s from ours: signing with that offset from now on",
                status,
                errorType,
                adjustment.get() - previous);
        return true;
    }

    /**
     * The SDK's clock-skew rule, pure: the offset (client minus server, seconds) to sign with from now
     * on, or empty when the answer does not show a skewed clock.
     *
     * @param now           our clock's time, without any offset
     * @param currentOffset the offset the refused request was signed with
     */
    static Optional<Long> skewAdjustment(
            int status, String errorType, Instant now, long currentOffset, Instant serverTime) {
        Duration skew = Duration.between(serverTime, now.minusSeconds(currentOffset)); // as signed
        boolean definite = DEFINITE_SKEW_ERRORS.contains(errorType);
        boolean possible = POSSIBLE_SKEW_ERRORS.contains(errorType) || status == 401 || status == 403;
        if (definite || possible && skew.abs().compareTo(SKEW_THRESHOLD) >= 0) {
            return Optional.of(Duration.between(serverTime, now).getSeconds());
        }
        return Optional.empty();
    }

    private static Optional<Instant> parseDate(String date) {
        try {
            return Optional.of(DateUtils.parseRfc1123Date(date));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    /** {@code x-amzn-ErrorType} without the namespace API Gateway may append after a colon; "" when absent. */
    private static String errorType(SdkHttpResponse response) {
        String type = response.firstMatchingHeader("x-amzn-ErrorType").orElse("");
        int colon = type.indexOf(':');
        return colon < 0 ? type : type.substring(0, colon);
    }

    /** Reads a response body to its end and closes it; returns its start as text when {@code keep}, else "". */
    private static String drain(InputStream body, boolean keep) throws IOException {
        if (body == null) {
            return "";
        }
        try (body) {
            byte[] all = body.readAllBytes();
            if (!keep) {
                return "";
            }
            String text = new String(all, StandardCharsets.UTF_8);
            return text.length() <= LOGGED_BODY_CHARS ? text : text.substring(0, LOGGED_BODY_CHARS) + "…";
        }
    }

    /** Loads and runs the signing path once without sending anything (SnapStart priming). */
    public void prime() {
        sign(SdkHttpMethod.POST, "priming", new byte[] {'{', '}'});
    }

    /** Stops the poster threads; posts not yet started complete as failed. The HTTP client is the caller's to close. */
    @Override
    public void close() {
        lanes.shutdownNow().forEach(queued -> ((Post) queued).outcome.complete(PostStatus.FAILED));
    }

    /** Percent-encodes everything but RFC 3986 unreserved characters (connection ids end in '=' and may hold '+' or '/'). */
    static String encode(String connectionId) {
        return SdkHttpUtils.urlEncode(connectionId);
    }
}
