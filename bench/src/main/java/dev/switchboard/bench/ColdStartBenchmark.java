package dev.switchboard.bench;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.switchboard.bench.websocket.LightWebSocketClient;
import dev.switchboard.bench.websocket.WebSocketConnection;
import dev.switchboard.bench.websocket.WebSocketListener;
import dev.switchboard.local.LocalCloud;
import dev.switchboard.local.LocalCloudOptions;
import dev.switchboard.local.jar.FreshJvm;
import dev.switchboard.local.jar.FunctionJars;

/**
 * Cold starts: each function's deployable jar in a fresh JVM per sample handles its first event
 * against a local cloud (so the time includes JVM start, class loading, SDK client set-up and the
 * real calls to DynamoDB Local and {@code @connections}). The yardstick in the same run: a fresh
 * JVM that builds an SDK DynamoDB client and makes one GetItem.
 */
public final class ColdStartBenchmark {

    /** Median and spread of one function under one JVM set-up. */
    public record Result(String what, String jvm, long jarBytes, int samples, double medianMs, double minMs, double maxMs,
                         double vsYardstick, Phases phases) {
    }

    /**
     * Medians of where a cold start's time goes: JVM start to {@code main}, building the handler
     * (configuration, SDK clients, store, fan-out), handling the first event; -1 where the runner
     * did not report the phase (the yardstick builds no handler).
     */
    public record Phases(double untilMainMs, double buildMs, double firstEventMs) {
        static Phases of(List<FreshJvm.Run> runs) {
            if (runs.stream().anyMatch(r -> r.untilMain() == null || r.untilBuilt() == null)) {
                return new Phases(-1, -1, -1);
            }
            return new Phases(median(runs.stream().mapToLong(r -> r.untilMain().toNanos()).toArray()),
                    median(runs.stream().mapToLong(r -> r.untilBuilt().minus(r.untilMain()).toNanos()).toArray()),
                    median(runs.stream().mapToLong(r -> r.untilResponse().minus(r.untilBuilt()).toNanos()).toArray()));
        }
    }

    private record Variant(String name, List<String> options, boolean templateToolOptions) {
    }

    private final PrintStream progress;

    public ColdStartBenchmark(PrintStream progress) {
        this.progress = progress;
    }

    public List<Result> run(Path repository, Path template, int samples) throws Exception {
        List<Result> results = new ArrayList<>();
        Path cds = Files.createTempDirectory("switchboard-cds");
        try (LocalCloud cloud = LocalCloud.start(LocalCloudOptions.builder().template(template)
                .port(0).dynamoDbPort(0).snsPort(0).devAuth(true)
                .environment(Map.of("SWITCHBOARD_SEND_RATE_PER_SECOND", "0")).build())) {
            FunctionJars jars = new FunctionJars(cloud, repository);
            try (LightWebSocketClient client = new LightWebSocketClient(Duration.ofSeconds(10))) {
                // A real member to fan out to, and the sender's real connection id (from the table).
                Member bob = new Member();
                WebSocketConnection bobConnection = client.connect(URI.create(cloud.webSocketUri() + "?user=bob"), bob)
                        .get(10, TimeUnit.SECONDS);
                Member alice = new Member();
                WebSocketConnection aliceConnection = client.connect(URI.create(cloud.webSocketUri() + "?user=alice"), alice)
                        .get(10, TimeUnit.SECONDS);
                aliceConnection.sendText("{\"action\":\"join\",\"room\":\"cold\"}");
                bobConnection.sendText("{\"action\":\"join\",\"room\":\"cold\"}");
                String aliceId = jars.connectionIdOf("alice");
                Thread.sleep(500); // both joins handled

                Variant defaults = new Variant("JVM defaults", List.of(), false);
                Variant c1 = new Variant("C1 only (template JAVA_TOOL_OPTIONS)", List.of(), true);
                List<FreshJvm.Run> yardstickRuns = sample(samples, i -> jars.invoke("MessageFunction", List.of(), false,
                        "baseline-getitem", "-", null));
                long[] yardstickTimes = untilResponse(yardstickRuns);
                double yardstick = median(yardstickTimes);
                results.add(new Result("yardstick: SDK DynamoDB client + one GetItem", defaults.name(),
                        Files.size(jars.jar("MessageFunction")), samples, yardstick,
                        Arrays.stream(yardstickTimes).min().orElse(0) / 1e6, Arrays.stream(yardstickTimes).max().orElse(0) / 1e6, 1.0,
                        Phases.of(yardstickRuns)));
                progress.printf("cold start: yardstick (SDK client + GetItem) median %.0f ms%n", yardstick);

                for (String[] target : new String[][] {
                        {"MessageFunction", "$default send (store, query, fan-out)"},
                        {"ConnectFunction", "$connect (dev auth, store)"},
                        {"DisconnectFunction", "$disconnect (remove, presence)"}}) {
                    String function = target[0];
                    Path archive = cds.resolve(function + ".jsa");
                    // AppCDS: one training run dumps the classes it loaded; later runs map them in.
                    invoke(jars, function, aliceId, 0, new Variant("train", List.of("-XX:ArchiveClassesAtExit=" + archive), true));
                    Variant cdsVariant = new Variant("C1 + AppCDS archive", List.of("-XX:SharedArchiveFile=" + archive), true);
                    for (Variant variant : List.of(defaults, c1, cdsVariant)) {
                        int[] n = {0};
                        List<FreshJvm.Run> runs = sample(samples, i -> invoke(jars, function, aliceId, ++n[0], variant));
                        long[] times = untilResponse(runs);
                        double median = median(times);
                        results.add(new Result(target[1], variant.name(), Files.size(jars.jar(function)), samples, median,
                                Arrays.stream(times).min().orElse(0) / 1e6, Arrays.stream(times).max().orElse(0) / 1e6,
                                median / yardstick, Phases.of(runs)));
                        progress.printf("cold start: %s, %s: median %.0f ms%n", function, variant.name(), median);
                    }
                }
                if (bob.messages.getCount() > 0) {
                    throw new IllegalStateException("the member never received a message sent by a fresh JVM: the send path is broken");
                }
            }
        }
        return results;
    }

    private FreshJvm.Run invoke(FunctionJars jars, String function, String aliceId, int sample, Variant variant)
            throws Exception {
        FreshJvm.Run run = switch (function) {
            case "MessageFunction" -> jars.invoke(function, variant.options(), variant.templateToolOptions(), "default", aliceId,
                    "{\"action\":\"send\",\"room\":\"cold\",\"text\":\"cold " + sample + "\"}");
            case "ConnectFunction" -> jars.invoke(function, variant.options(), variant.templateToolOptions(), "connect",
                    "coldConn" + sample + "x" + System.nanoTime() % 100000, "carol");
            default -> jars.invoke(function, variant.options(), variant.templateToolOptions(), "disconnect",
                    "coldGone" + sample, null);
        };
        if (!run.response().startsWith("200")) {
            throw new IllegalStateException(function + " answered " + run.response() + "\n" + run.stderr());
        }
        return run;
    }

    private interface Sample {
        FreshJvm.Run run(int index) throws Exception;
    }

    private static List<FreshJvm.Run> sample(int samples, Sample sample) throws Exception {
        List<FreshJvm.Run> runs = new java.util.ArrayList<>(samples);
        for (int i = 0; i < samples; i++) {
            runs.add(sample.run(i));
        }
        return runs;
    }

    private static long[] untilResponse(List<FreshJvm.Run> runs) {
        return runs.stream().mapToLong(r -> r.untilResponse().toNanos()).toArray();
    }

    private static double median(long[] nanos) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return (sorted.length % 2 == 1 ? sorted[sorted.length / 2]
                : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2.0) / 1e6;
    }

    /** Counts the chat messages a member receives. */
    static final class Member implements WebSocketListener {
        final CountDownLatch messages = new CountDownLatch(1);

        @Override
        public void onText(WebSocketConnection connection, String frame, long receivedNanos) {
            if (frame.contains("\"type\":\"message\"")) {
                messages.countDown();
            }
        }
    }
}
