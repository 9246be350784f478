package dev.switchboard.bench;

import dev.switchboard.bench.clients.JdkAsyncHttpClient;
import dev.switchboard.bench.clients.JdkSignedPoster;
import dev.switchboard.bench.clients.SdkManagementApiPoster;
import dev.switchboard.bench.clients.legacy.OwnSigV4Poster;
import dev.switchboard.core.aws.SignedConnectionsPoster;
import dev.switchboard.core.fanout.ConnectionPoster;
import dev.switchboard.core.fanout.ConnectionPoster.PostStatus;
import dev.switchboard.core.fanout.FanOut;
import dev.switchboard.core.fanout.FanOutResult;
import dev.switchboard.core.store.Member;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.client.config.SdkAdvancedAsyncClientOption;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.crt.AwsCrtAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiAsyncClient;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;

/**
 * Which {@code @connections} client should the fan-out use? Each candidate posts the same frames
 * through {@link FanOut} (64 in flight) to one local HTTP endpoint answering 200, and the process
 * CPU time per post (client and endpoint together, the endpoint being the same for all) is the
 * figure: on AWS the posts wait on the network, but a function's vCPU pays for every request built,
 * signed and parsed. Wall time per post is printed too. Baseline: the SDK's synchronous client on
 * UrlConnection with a thread per post in flight.
 */
public final class PosterBenchmark {

    public record Result(
            String client, int posts, double cpuMicrosPerPost, double wallMicrosPerPost, double vsBaselineCpu) {}

    private static final int IN_FLIGHT = 64;
    private static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "bench-secret"));

    private final PrintStream progress;

    public PosterBenchmark(PrintStream progress) {
        this.progress = progress;
    }

    public List<Result> run(int posts) throws Exception {
        Server server = endpoint();
        URI endpoint = URI.create(
                "http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort() + "/local");
        ExecutorService ioThreads = Executors.newFixedThreadPool(2, daemon());
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(daemon());
        ExecutorService blockingPool = Executors.newFixedThreadPool(IN_FLIGHT, daemon());
        List<Result> results = new ArrayList<>();
        // as the functions do (AwsClients): let the JDK keep a connection per post in flight alive, for every
        // UrlConnection-based client below (the baseline included), not only 5
        SignedConnectionsPoster.keepAliveConnections(IN_FLIGHT);
        SdkHttpClient posterHttp = UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(2))
                .socketTimeout(Duration.ofSeconds(10))
                .build();
        try {
            ApiGatewayManagementApiClient sync = ApiGatewayManagementApiClient.builder()
                    .httpClient(UrlConnectionHttpClient.create())
                    .region(Region.US_EAST_1)
                    .credentialsProvider(CREDENTIALS)
                    .endpointOverride(endpoint)
                    .overrideConfiguration(o -> o.retryStrategy(DefaultRetryStrategy.doNotRetry()))
                    .build();
            results.add(measure(
                    "SDK sync client, UrlConnection, 64 threads (baseline)",
                    posts,
                    timer,
                    () -> (id, frame) -> CompletableFuture.supplyAsync(
                                    () -> {
                                        sync.postToConnection(
                                                r -> r.connectionId(id).data(SdkBytes.fromByteArrayUnsafe(frame)));
                                        return PostStatus.DELIVERED;
                                    },
                                    blockingPool)
                            .exceptionally(e -> PostStatus.FAILED),
                    null));
            results.add(measure(
                    "SDK async client, Netty",
                    posts,
                    timer,
                    () -> new SdkManagementApiPoster(async(
                            endpoint,
                            NettyNioAsyncHttpClient.builder()
                                    .maxConcurrency(IN_FLIGHT)
                                    .build())),
                    results.get(0)));
            results.add(measure(
                    "SDK async client, AWS CRT",
                    posts,
                    timer,
                    () -> new SdkManagementApiPoster(async(
                            endpoint,
                            AwsCrtAsyncHttpClient.builder()
                                    .maxConcurrency(IN_FLIGHT)
                                    .build())),
                    results.get(0)));
            results.add(measure(
                    "SDK async client, JDK HttpClient",
                    posts,
                    timer,
                    () -> new SdkManagementApiPoster(async(
                            endpoint,
                            new JdkAsyncHttpClient(Duration.ofSeconds(2), Duration.ofSeconds(10), ioThreads))),
                    results.get(0)));
            results.add(measure(
                    "SDK SigV4 signer, JDK HttpClient (Switchboard's before the own HTTP/1.1 poster, 2026-11-25)",
                    posts,
                    timer,
                    () -> new JdkSignedPoster(
                            endpoint,
                            "us-east-1",
                            CREDENTIALS,
                            ioThreads,
                            Duration.ofSeconds(2),
                            Duration.ofSeconds(10)),
                    results.get(0)));
            results.add(measure(
                    "own SigV4, own persistent HTTP/1.1, 64 threads (Switchboard's until issue 16)",
                    posts,
                    timer,
                    () -> new OwnSigV4Poster(
                            endpoint,
                            "us-east-1",
                            CREDENTIALS,
                            IN_FLIGHT,
                            Duration.ofSeconds(2),
                            Duration.ofSeconds(10),
                            daemon()),
                    results.get(0)));
            results.add(measure(
                    "SDK SigV4 signer, SDK UrlConnection client, 64 threads (Switchboard's)",
                    posts,
                    timer,
                    () -> new SignedConnectionsPoster(
                            endpoint, "us-east-1", CREDENTIALS, posterHttp, IN_FLIGHT, daemon()),
                    results.get(0)));
        } finally {
            server.stop();
            posterHttp.close();
            ioThreads.shutdownNow();
            timer.shutdownNow();
            blockingPool.shutdownNow();
        }
        return results;
    }

    private static ApiGatewayManagementApiAsyncClient async(URI endpoint, SdkAsyncHttpClient http) {
        return ApiGatewayManagementApiAsyncClient.builder()
                .httpClient(http)
                .region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS)
                .endpointOverride(endpoint)
                .overrideConfiguration(o -> o.retryStrategy(DefaultRetryStrategy.doNotRetry()))
                .asyncConfiguration(
                        a -> a.advancedOption(SdkAdvancedAsyncClientOption.FUTURE_COMPLETION_EXECUTOR, Runnable::run))
                .build();
    }

    private Result measure(
            String name,
            int posts,
            ScheduledExecutorService timer,
            Supplier<ConnectionPoster> poster,
            Result baseline) {
        FanOut fanOut = new FanOut(poster.get(), id -> {}, IN_FLIGHT, timer, 1, 10);
        byte[] frame =
                "{\"type\":\"message\",\"room\":\"bench\",\"id\":\"01JABCDEFGHJKMNPQRSTVWXYZ0\",\"from\":\"alice\",\"text\":\"hello\",\"ts\":1764000000000}"
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        progress.printf("poster: %s: warming up%n", name);
        fanOut.deliver(recipients(posts / 2), frame);
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long wall0 = System.nanoTime();
        FanOutResult result = fanOut.deliver(recipients(posts), frame);
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e3 / posts;
        double wall = (System.nanoTime() - wall0) / 1e3 / posts;
        if (result.delivered() != posts) {
            throw new IllegalStateException(name + ": only " + result + " of " + posts + " posts delivered");
        }
        progress.printf("poster: %s: %.1f µs CPU, %.1f µs wall per post%n", name, cpu, wall);
        return new Result(name, posts, cpu, wall, baseline == null ? 1.0 : cpu / baseline.cpuMicrosPerPost());
    }

    private static List<Member> recipients(int count) {
        List<Member> members = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            members.add(new Member("conn" + i + "AbCdEfGh=", "user" + i));
        }
        return members;
    }

    /** A plain {@code @connections} stand-in on the local cloud's Jetty, configured as the gateway is. */
    private static Server endpoint() throws Exception {
        Server server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        http.setHeaderCacheSize(0);
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                try (InputStream in = Content.Source.asInputStream(request)) {
                    in.readAllBytes();
                }
                response.setStatus(200);
                callback.succeeded();
                return true;
            }
        });
        server.start();
        return server;
    }

    private static java.util.concurrent.ThreadFactory daemon() {
        return r -> {
            Thread t = new Thread(r);
            t.setDaemon(true);
            return t;
        };
    }
}
