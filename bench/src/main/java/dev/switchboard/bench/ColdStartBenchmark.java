package dev.switchboard.bench;

import dev.switchboard.bench.websocket.LoadClient;
import dev.switchboard.bench.websocket.NettyWebSocketClient;
import dev.switchboard.bench.websocket.WebSocketConnection;
import dev.switchboard.bench.websocket.WebSocketListener;
import dev.switchboard.local.InvocationReport;
import dev.switchboard.local.LocalCloud;
import dev.switchboard.local.LocalCloudOptions;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Notification;
import dev.switchboard.protocol.Request;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * Cold starts as Lambda reports them: the local cloud in process mode runs every function instance
 * as its own JVM on AWS's runtime interface client, on the jar {@code sam build} ships, with the JVM
 * options the managed runtime derives from {@code MemorySize} and the template's
 * {@code JAVA_TOOL_OPTIONS}. Before each sample every instance is ended, so the sample's event
 * starts a new one; its {@code REPORT} gives the Init Duration (process start to the runtime's
 * first {@code next}: JVM start, class loading, the handler's constructor with its SDK clients) and
 * the first invocation's Duration (the first event's real calls to DynamoDB Local and
 * {@code @connections}).
 */
public final class ColdStartBenchmark {

    /** Medians and spread of one function's cold starts. */
    public record Result(
            String what,
            String function,
            long jarBytes,
            int samples,
            double initMedianMs,
            double initMinMs,
            double initMaxMs,
            double firstDurationMedianMs,
            long maxMemoryUsedMb) {}

    private final PrintStream progress;
    private final Map<String, BlockingQueue<InvocationReport>> reports = new ConcurrentHashMap<>();

    public ColdStartBenchmark(PrintStream progress) {
        this.progress = progress;
    }

    /**
     * Cold starts of the four functions on the jars the build made.
     *
     * @param repository the repository root (its {@code *-handler/target/*-lambda.jar} are the functions' code)
     * @param samples cold starts per function
     * @return one row per function: Init Duration and first Duration in ms, Max Memory Used in MB
     * @throws IllegalStateException when the platform cannot run process mode or a sample's event is lost
     */
    public List<Result> run(Path repository, Path template, int samples) throws Exception {
        return run(repository, template, samples, Map.of(), "");
    }

    /**
     * The same cold starts on function jars that carry {@code paddingBytes} more of real classes the
     * functions never load (taken from this benchmark's own jar: Jetty, Netty, DynamoDB Local), to
     * show what jar size alone costs a cold start.
     *
     * @param paddingBytes compressed bytes added to each function jar
     * @return rows as {@link #run(Path, Path, int)}, the jar column giving the padded size
     */
    public List<Result> runPadded(Path repository, Path template, int samples, long paddingBytes) throws Exception {
        Path directory = Files.createTempDirectory("switchboard-bench-padded");
        try {
            Map<String, Path> code = new java.util.HashMap<>();
            for (String function : MODULES.keySet()) {
                String module = MODULES.get(function);
                Path lib = directory.resolve(function).resolve("lib");
                Files.createDirectories(lib);
                PaddedJar.write(
                        jar(repository, module),
                        lib.resolve(jar(repository, module).getFileName()),
                        paddingBytes);
                code.put(function, directory.resolve(function));
            }
            return run(
                    repository, template, samples, code, String.format(" +%.0f MB unread classes", paddingBytes / 1e6));
        } finally {
            try (var files = Files.walk(directory)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static final Map<String, String> MODULES = Map.of(
            "MessageFunction", "message-handler",
            "BroadcastFunction", "message-handler",
            "ConnectFunction", "connect-handler",
            "DisconnectFunction", "disconnect-handler",
            "ExpiredConnectionsFunction", "disconnect-handler");

    private static Path jar(Path repository, String module) {
        return repository.resolve(module).resolve("target").resolve("switchboard-" + module + "-lambda.jar");
    }

    private List<Result> run(Path repository, Path template, int samples, Map<String, Path> functionCode, String label)
            throws Exception {
        List<Result> results = new ArrayList<>();
        try (LocalCloud cloud = LocalCloud.start(LocalCloudOptions.builder()
                        .template(template)
                        .functionCode(functionCode)
                        .port(0)
                        .dynamoDbPort(0)
                        .snsPort(0)
                        .devAuth(true)
                        // Measured, not enforced: on a loaded machine an init past Lambda's 10 s limit would end the
                        // instance and lose the sample; its REPORT still says how long it took.
                        .functionInitTimeout(Duration.ofMinutes(2))
                        .functionTimeout(Duration.ofMinutes(2))
                        .environment(Map.of("SWITCHBOARD_SEND_RATE_PER_SECOND", "0"))
                        .build());
                LoadClient client = new NettyWebSocketClient(Duration.ofSeconds(30));
                SnsClient sns = SnsClient.builder()
                        .endpointOverride(cloud.snsEndpoint())
                        .region(Region.US_EAST_1)
                        // any credentials: the local endpoint does not check them (without, a machine with no
                        // AWS credentials failed the first notification sample)
                        .credentialsProvider(
                                StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                        .build()) {
            if (cloud.functionMode() != LocalCloudOptions.FunctionMode.PROCESS) {
                throw new IllegalStateException(
                        "cold starts are measured in process mode only; this platform fell back");
            }
            // Only cold starts count: a warm invocation's REPORT (or one of an instance ended by
            // endInstances between its answer and its next request) is not a sample.
            cloud.addReportListener(r -> {
                if (r.initDurationMs() != null) {
                    reports.computeIfAbsent(r.function(), f -> new LinkedBlockingQueue<>())
                            .add(r);
                }
            });
            Member bob = new Member();
            WebSocketConnection bobConnection = client.connect(URI.create(cloud.webSocketUri() + "?user=bob"), bob)
                    .get(60, TimeUnit.SECONDS);
            Member alice = new Member();
            WebSocketConnection aliceConnection = client.connect(
                            URI.create(cloud.webSocketUri() + "?user=alice"), alice)
                    .get(60, TimeUnit.SECONDS);
            // One join after the other, each awaited through the member's own presence event.
            aliceConnection.sendText(Json.write(new Request.Join("cold")));
            if (!alice.presence.await(2, TimeUnit.MINUTES)) {
                throw new IllegalStateException("alice's join was never answered");
            }
            bobConnection.sendText(Json.write(new Request.Join("cold")));
            if (!bob.presence.await(2, TimeUnit.MINUTES)) {
                throw new IllegalStateException("bob's join was never answered");
            }

            List<InvocationReport> send = new ArrayList<>();
            List<InvocationReport> connect = new ArrayList<>();
            List<InvocationReport> disconnect = new ArrayList<>();
            List<InvocationReport> notify = new ArrayList<>();
            reports.clear(); // the set-up's cold starts are not samples
            for (int i = 0; i < samples; i++) {
                cloud.endInstances();
                bob.messages = new CountDownLatch(1);
                aliceConnection.sendText(Json.write(new Request.Send("cold", "cold " + i, null)));
                send.add(next("MessageFunction"));
                if (!bob.messages.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException(
                            "bob never received cold message " + i + ": the send path is broken");
                }

                cloud.endInstances();
                WebSocketConnection carol = client.connect(
                                URI.create(cloud.webSocketUri() + "?user=carol" + i), new Member())
                        .get(60, TimeUnit.SECONDS);
                connect.add(next("ConnectFunction"));

                cloud.endInstances();
                carol.close();
                disconnect.add(next("DisconnectFunction"));

                cloud.endInstances();
                sns.publish(r -> r.topicArn(cloud.topicArn())
                        .message(Json.write(new Notification("cold", null, false, "cold", "sample"))));
                notify.add(next("BroadcastFunction"));
                progress.printf(
                        "cold start sample %d: send init %.0f ms, connect %.0f ms, disconnect %.0f ms, sns %.0f ms%n",
                        i + 1,
                        send.get(i).initDurationMs(),
                        connect.get(i).initDurationMs(),
                        disconnect.get(i).initDurationMs(),
                        notify.get(i).initDurationMs());
            }
            Map<String, Path> jars = new java.util.HashMap<>();
            for (String function : MODULES.keySet()) {
                Path code = functionCode.get(function);
                jars.put(
                        function,
                        code == null
                                ? jar(repository, MODULES.get(function))
                                : code.resolve("lib")
                                        .resolve(jar(repository, MODULES.get(function))
                                                .getFileName()));
            }
            results.add(result("$default send (store, query, fan-out)" + label, "MessageFunction", jars, send));
            results.add(result("$connect (dev auth, store)" + label, "ConnectFunction", jars, connect));
            results.add(result("$disconnect (remove, presence)" + label, "DisconnectFunction", jars, disconnect));
            results.add(result("SNS notification to a room" + label, "BroadcastFunction", jars, notify));
        }
        return results;
    }

    /** The next cold-start REPORT of {@code function} (waits up to 2 min: a cold start on a loaded machine). */
    private InvocationReport next(String function) throws InterruptedException {
        InvocationReport report = reports.computeIfAbsent(function, f -> new LinkedBlockingQueue<>())
                .poll(2, TimeUnit.MINUTES);
        if (report == null) {
            throw new IllegalStateException(function + " reported no invocation within 2 minutes");
        }
        return report;
    }

    private static Result result(String what, String function, Map<String, Path> jars, List<InvocationReport> runs)
            throws java.io.IOException {
        if (runs.stream().anyMatch(r -> r.initDurationMs() == null)) {
            throw new IllegalStateException(
                    function + ": a sample ran on a warm instance; every sample must start a new one");
        }
        double[] init =
                runs.stream().mapToDouble(InvocationReport::initDurationMs).toArray();
        double[] first = runs.stream().mapToDouble(InvocationReport::durationMs).toArray();
        return new Result(
                what,
                function,
                Files.size(jars.get(function)),
                runs.size(),
                median(init),
                Arrays.stream(init).min().orElse(0),
                Arrays.stream(init).max().orElse(0),
                median(first),
                runs.stream().mapToLong(InvocationReport::maxMemoryUsedMb).max().orElse(-1));
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1
                ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2.0;
    }

    /** Counts the chat messages a member receives. */
    static final class Member implements WebSocketListener {
        volatile CountDownLatch messages = new CountDownLatch(1);
        final CountDownLatch presence = new CountDownLatch(1);

        @Override
        public void onText(WebSocketConnection connection, String frame, long receivedNanos) {
            if (frame.contains("\"type\":\"message\"")) {
                messages.countDown();
            } else if (frame.contains("\"type\":\"presence\"")) {
                presence.countDown();
            }
        }
    }
}
