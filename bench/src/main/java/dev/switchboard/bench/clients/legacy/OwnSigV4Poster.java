package dev.switchboard.bench.clients.legacy;

import dev.switchboard.core.fanout.ConnectionPoster;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * The functions' {@code @connections} poster until issue 16, kept in the bench only as the baseline of
 * PosterBenchmark (production now signs and sends with the SDK: core's SignedConnectionsPoster).
 * {@code POST @connections/{id}} as the Management API defines it: SigV4-signed for
 * {@code execute-api} ({@link ConnectionsSigner}) and sent on persistent HTTP/1.1 connections
 * ({@link PersistentHttpConnection}), one per poster thread, at most {@code connections} threads.
 *
 * <p>Why not the SDK's {@code ApiGatewayManagementApiClient}, or the JDK's HttpClient: a fan-out
 * makes the same call thousands of times with only the connection id changing. The SDK's
 * per-request pipeline costs more CPU than the post itself, and the JDK client's asynchronous
 * machinery (plus, on machines with two or fewer CPUs, a new thread for every response it
 * completes) cost most of what remained; bench/PosterBenchmark measures all of them against this
 * poster (figures in docs/PERFORMANCE.md). A post here is: sign (two digests and an HMAC, the
 * signing key and frame hash cached), one write, one read. Credentials still come from the SDK's
 * provider, resolved per post (it caches them), so rotated or restored (SnapStart) credentials
 * are picked up.
 */
public final class OwnSigV4Poster implements ConnectionPoster, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(OwnSigV4Poster.class);
    private static final Duration IDLE_THREAD = Duration.ofSeconds(60);

    private final String host;
    private final int port;
    private final String hostHeader;
    private final String pathPrefix;
    private final String region;
    private final SSLSocketFactory tls;
    private final AwsCredentialsProvider credentials;
    private final Clock clock;
    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;
    private final ThreadPoolExecutor threads;
    /** Each poster thread's signer and connection; signers hold a Mac, connections a socket. */
    private final ThreadLocal<Lane> lanes = new ThreadLocal<>();

    private final Set<PersistentHttpConnection> open = ConcurrentHashMap.newKeySet();
    private final java.util.concurrent.atomic.AtomicBoolean signingFailureLogged =
            new java.util.concurrent.atomic.AtomicBoolean();

    /**
     * @param endpoint    {@code https://{api-id}.execute-api.{region}.amazonaws.com/{stage}}
     * @param connections most posts in flight, each on its own thread and connection (started on demand)
     */
    public OwnSigV4Poster(
            URI endpoint,
            String region,
            AwsCredentialsProvider credentials,
            int connections,
            Duration connectTimeout,
            Duration readTimeout,
            ThreadFactory threadFactory) {
        this(endpoint, region, credentials, connections, connectTimeout, readTimeout, threadFactory, IDLE_THREAD);
    }

    /** @param idleThread how long a poster thread waits for work before it ends, closing its connection */
    OwnSigV4Poster(
            URI endpoint,
            String region,
            AwsCredentialsProvider credentials,
            int connections,
            Duration connectTimeout,
            Duration readTimeout,
            ThreadFactory threadFactory,
            Duration idleThread) {
        boolean https = "https".equalsIgnoreCase(endpoint.getScheme());
        if (!https && !"http".equalsIgnoreCase(endpoint.getScheme())) {
            throw new IllegalArgumentException("management endpoint must be http(s): " + endpoint);
        }
        this.host = endpoint.getHost();
        int defaultPort = https ? 443 : 80;
        this.port = endpoint.getPort() < 0 ? defaultPort : endpoint.getPort();
        this.hostHeader = port == defaultPort ? host : host + ":" + port;
        String path = endpoint.getRawPath() == null ? "" : endpoint.getRawPath();
        this.pathPrefix = (path.endsWith("/") ? path.substring(0, path.length() - 1) : path) + "/@connections/";
        this.region = region;
        this.tls = https ? (SSLSocketFactory) SSLSocketFactory.getDefault() : null;
        this.credentials = credentials;
        this.clock = Clock.systemUTC();
        this.connectTimeoutMillis = (int) connectTimeout.toMillis();
        this.readTimeoutMillis = (int) readTimeout.toMillis();
        // Threads start one per post in flight up to the bound, each with its kept-alive connection; a thread
        // idle for a minute ends and closes its connection, so a function instance (or a stopped local cloud's)
        // holds no threads or sockets it does not use.
        ThreadFactory closingLanes = task -> threadFactory.newThread(() -> {
            try {
                task.run();
            } finally {
                Lane lane = lanes.get();
                if (lane != null) {
                    open.remove(lane.connection);
                    lane.connection.close();
                }
            }
        });
        this.threads = new ThreadPoolExecutor(
                connections,
                connections,
                idleThread.toMillis(),
                TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(),
                closingLanes);
        this.threads.allowCoreThreadTimeOut(true);
    }

    @Override
    public CompletableFuture<PostStatus> post(String connectionId, byte[] frame) {
        Post post = new Post(connectionId, frame);
        try {
            threads.execute(post);
        } catch (RejectedExecutionException e) {
            post.outcome.complete(PostStatus.FAILED); // closed
        }
        return post.outcome;
    }

    private final class Post implements Runnable {
        final String connectionId;
        final byte[] frame;
        final CompletableFuture<PostStatus> outcome = new CompletableFuture<>();

        Post(String connectionId, byte[] frame) {
            this.connectionId = connectionId;
            this.frame = frame;
        }

        @Override
        public void run() {
            // The future completes whatever happens: a fan-out waits on it (until its deadline) and holds a slot for
            // it.
            try {
                outcome.complete(postNow(connectionId, frame));
            } catch (RuntimeException | Error e) {
                LOG.warn("post to {} failed unexpectedly: {}", connectionId, e.toString());
                outcome.complete(PostStatus.FAILED);
                if (e instanceof Error error) {
                    throw error;
                }
            }
        }
    }

    private PostStatus postNow(String connectionId, byte[] frame) {
        Lane lane = lanes.get();
        if (lane == null) {
            lane = newLane();
            lanes.set(lane);
        }
        byte[] head;
        try {
            head = lane.head(connectionId, frame);
        } catch (RuntimeException e) {
            // no credentials: nothing was sent, and another try would fail alike. Said once, not per recipient.
            if (!signingFailureLogged.getAndSet(true)) {
                LOG.error("cannot sign @connections posts (further failures not logged): {}", e.toString());
            }
            return PostStatus.FAILED;
        }
        try {
            return PostStatus.of(lane.connection.exchange(head, frame));
        } catch (IOException e) {
            return PostStatus.RETRY;
        }
    }

    /** Loads and runs the signing path once without sending anything (SnapStart priming). */
    public void prime() {
        new Lane().head("priming", new byte[] {'{', '}'});
    }

    /** Stops the poster threads and closes their connections; posts not yet started complete as failed. */
    @Override
    public void close() {
        threads.shutdownNow().forEach(queued -> ((Post) queued).outcome.complete(PostStatus.FAILED));
        open.forEach(PersistentHttpConnection::close);
    }

    private Lane newLane() {
        Lane lane = new Lane();
        open.add(lane.connection);
        return lane;
    }

    /** What one poster thread owns. */
    private final class Lane {
        final ConnectionsSigner signer = new ConnectionsSigner(region);
        final PersistentHttpConnection connection =
                new PersistentHttpConnection(host, port, tls, connectTimeoutMillis, readTimeoutMillis);
        final StringBuilder head = new StringBuilder(512);

        byte[] head(String connectionId, byte[] frame) {
            AwsCredentialsIdentity identity = credentials.resolveCredentials();
            String path = pathPrefix + encode(connectionId);
            head.setLength(0);
            head.append("POST ")
                    .append(path)
                    .append(" HTTP/1.1\r\n")
                    .append(signer.signedHeaders(hostHeader, path, frame, clock.instant(), identity))
                    .append("Content-Length: ")
                    .append(frame.length)
                    .append("\r\n\r\n");
            return PersistentHttpConnection.ascii(head.toString());
        }
    }

    /** Percent-encodes everything but RFC 3986 unreserved characters (connection ids end in '=' and may hold '+' or '/'). */
    static String encode(String connectionId) {
        StringBuilder out = new StringBuilder(connectionId.length() + 8);
        ConnectionsSigner.percentEncode(out, connectionId, false);
        return out.toString();
    }
}
