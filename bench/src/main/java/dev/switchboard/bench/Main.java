package dev.switchboard.bench;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Runs every benchmark (fan-out against the bare broadcast ceiling, DynamoDB cost per send,
 * @connections clients, cold starts, idle connections) and writes their tables into docs/PERFORMANCE.md between the
 * {@code <!-- bench:begin -->} and {@code <!-- bench:end -->} markers, keeping the prose around them.
 */
@Command(
        name = "switchboard-bench",
        mixinStandardHelpOptions = true,
        description = "Switchboard's benchmarks; prints figures and ratios against baselines measured in the same run.")
public final class Main implements Callable<Integer> {

    static final String BEGIN = "<!-- bench:begin -->";
    static final String END = "<!-- bench:end -->";

    @Option(
            names = "--members",
            split = ",",
            defaultValue = "100,1000,10000",
            description =
                    "Room sizes for the fan-out benchmark (default ${DEFAULT-VALUE}; 0 skips; 10000 needs `ulimit -n` of about 12000: each side runs in its own JVM).")
    List<Integer> members;

    @Option(
            names = "--messages",
            defaultValue = "20",
            description =
                    "Messages per room size, one after another (default ${DEFAULT-VALUE}; rooms of 5,000+ send at most 5).")
    int messages;

    @Option(
            names = "--timeout",
            defaultValue = "PT30S",
            description = "Longest wait for one message to reach every member (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(
            names = "--url",
            description =
                    "Use this running local cloud (started with --dev-auth) instead of starting one; no memory figures then.")
    URI url;

    @Option(
            names = "--local-jar",
            defaultValue = "local/target/switchboard-local.jar",
            description = "Local cloud to start (default ${DEFAULT-VALUE}).")
    Path localJar;

    @Option(
            names = "--template",
            defaultValue = "template.yaml",
            description = "SAM template (default ${DEFAULT-VALUE}).")
    Path template;

    @Option(
            names = "--posts",
            defaultValue = "20000",
            description = "Posts per @connections client compared; 0 skips (default ${DEFAULT-VALUE}).")
    int posts;

    @Option(
            names = "--cold-samples",
            defaultValue = "5",
            description = "Cold starts (new instances) per function; 0 skips (default ${DEFAULT-VALUE}).")
    int coldSamples;

    @Option(
            names = "--cold-padding-mb",
            defaultValue = "0",
            description =
                    "Also measure the cold starts on function jars this many MB bigger (real classes never loaded), to show what jar size costs; 0 skips (default ${DEFAULT-VALUE}).")
    int coldPaddingMb;

    @Option(
            names = "--idle",
            defaultValue = "10000",
            description = "Idle connections to hold; 0 skips (default ${DEFAULT-VALUE}).")
    int idle;

    @Option(
            names = "--idle-hold",
            defaultValue = "PT30S",
            description = "How long the idle connections are held before the broadcast (default ${DEFAULT-VALUE}).")
    Duration idleHold;

    @Option(
            names = "--send-cost",
            defaultValue = "100",
            description =
                    "Room size for the DynamoDB cost of a send and a join (round trips before the first post, capacity units); 0 skips (default ${DEFAULT-VALUE}).")
    int sendCostMembers;

    @Option(
            names = "--primitives-cost",
            split = ",",
            description =
                    "Room sizes for the cost of one typing, receipt, edit and delete (posts, DynamoDB units), e.g. 2,10,100; none by default.")
    List<Integer> primitivesCost = List.of();

    @Option(
            names = "--out",
            description =
                    "Markdown file to write the tables into, between the bench markers (e.g. docs/PERFORMANCE.md).")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        PrintStream progress = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true);
        StringBuilder md = new StringBuilder();
        md.append("Run: ").append(machine()).append("  \n");
        md.append("Command: `java -jar bench/target/switchboard-bench.jar")
                .append(arguments())
                .append("`\n\n");

        members = members.stream().filter(size -> size > 0).toList(); // --members 0 skips the fan-out
        if (!members.isEmpty() || idle > 0) {
            LocalCloudProcess started = url == null
                    ? LocalCloudProcess.start(
                            localJar, template, Files.createTempFile("switchboard-bench-local", ".log"))
                    : null;
            try {
                URI api = url != null ? url : started.webSocketUri();
                if (!members.isEmpty()) {
                    FanoutBenchmark fanout = new FanoutBenchmark(progress);
                    List<FanoutBenchmark.Result> results = new ArrayList<>();
                    List<String> failed = new ArrayList<>();
                    for (int size : members) {
                        int count = size >= 5000 ? Math.min(messages, 5) : messages;
                        // A room size that fails is reported, and the run goes on: the other sizes' and benchmarks'
                        // figures are not lost with it.
                        try {
                            settle(started, progress);
                            try (BroadcastCeilingServer.Child ceiling = BroadcastCeilingServer.spawn()) {
                                results.add(fanout.run(Target.ceiling(ceiling.uri()), size, count, timeout));
                            }
                            // a fresh room per run: ids of an earlier run would be acknowledged as duplicates
                            String room = "bench-" + size + "-" + Long.toString(System.currentTimeMillis(), 36);
                            settle(started, progress);
                            results.add(fanout.run(Target.switchboard(api, room), size, count, timeout));
                        } catch (Exception e) {
                            failed.add(size + " members: not measured (" + e + ")");
                            progress.printf("fan-out at %d members failed: %s%n", size, e);
                        }
                        progress.print(fanoutMarkdown(results));
                    }
                    md.append("### Fan-out: last member to receive, Switchboard local cloud vs bare broadcast\n\n")
                            .append(fanoutMarkdown(results))
                            .append('\n');
                    failed.forEach(f -> md.append("- ").append(f).append('\n'));
                    if (!failed.isEmpty()) {
                        md.append('\n');
                    }
                }
                if (idle > 0 && started != null) {
                    settle(started, progress);
                    IdleConnectionsBenchmark.Result r =
                            new IdleConnectionsBenchmark(progress).run(started, idle, idleHold);
                    md.append("### Idle connections held by the local cloud\n\n")
                            .append(idleMarkdown(r))
                            .append('\n');
                }
            } finally {
                if (started != null) {
                    started.close();
                }
            }
        }
        if (sendCostMembers > 0) {
            md.append("### DynamoDB per send and per join (ReturnConsumedCapacity, indexes included)\n\n")
                    .append(sendCostMarkdown(new SendCostBenchmark(progress).run(template, sendCostMembers, 20)))
                    .append('\n');
        }
        if (!primitivesCost.isEmpty()) {
            md.append("### Typing, receipts, edit and delete: posts and DynamoDB units per event\n\n")
                    .append(primitivesMarkdown(new PrimitivesCostBenchmark(progress).run(template, primitivesCost)))
                    .append('\n');
        }
        if (posts > 0) {
            md.append("### @connections client: CPU per post (client and a local endpoint)\n\n")
                    .append(posterMarkdown(new PosterBenchmark(progress).run(posts)))
                    .append('\n');
        }
        if (coldSamples > 0) {
            md.append(
                            "### Cold start: Init Duration as Lambda reports it (process per instance, runtime interface client, deployable jar)\n\n")
                    .append(coldMarkdown(coldStarts(progress)))
                    .append('\n');
        }
        spec.commandLine().getOut().println(md);
        if (out != null) {
            write(out, md.toString());
            progress.println("wrote " + out);
        }
        return 0;
    }

    /** The cold starts, then (with {@code --cold-padding-mb}) the same on padded jars, in one list. */
    private List<ColdStartBenchmark.Result> coldStarts(PrintStream progress) throws Exception {
        ColdStartBenchmark bench = new ColdStartBenchmark(progress);
        List<ColdStartBenchmark.Result> results = new ArrayList<>(bench.run(Path.of("."), template, coldSamples));
        if (coldPaddingMb > 0) {
            results.addAll(bench.runPadded(Path.of("."), template, coldSamples, coldPaddingMb * 1_000_000L));
        }
        return results;
    }

    /** Before a measurement: lets the local cloud finish the previous run's disconnects (bounded). */
    private static void settle(LocalCloudProcess cloud, PrintStream progress) throws InterruptedException {
        if (cloud == null) {
            return; // --url: not ours to watch
        }
        long waited = cloud.awaitQuiet(Duration.ofMinutes(3));
        if (waited < 0) {
            progress.println("local cloud still busy (or its CPU unknown) after 3 min; measuring anyway");
        } else if (waited > 1) {
            progress.printf("waited %d s for the local cloud to go quiet%n", waited);
        }
    }

    /** Replaces what is between the markers (or appends them with the tables). */
    static void write(Path file, String tables) throws java.io.IOException {
        String doc = Files.exists(file) ? Files.readString(file) : "# Performance\n\n";
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        String block = BEGIN + "\n" + tables + END;
        doc = begin >= 0 && end > begin
                ? doc.substring(0, begin) + block + doc.substring(end + END.length())
                : doc + "\n" + block + "\n";
        Files.writeString(file, doc);
    }

    private String arguments() {
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        return args.isEmpty() ? "" : " " + String.join(" ", args);
    }

    static String fanoutMarkdown(List<FanoutBenchmark.Result> results) {
        StringBuilder md = new StringBuilder();
        md.append(
                "| target | members | messages | last member p50 ms | last member p99 ms | first member p50 ms | per-recipient p50 / p90 / p99 / max ms | deliveries/s | last p50, p99 vs ceiling |\n");
        md.append("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |\n");
        FanoutBenchmark.Result ceiling = null;
        for (FanoutBenchmark.Result r : results) {
            if (r.target().contains("ceiling")) {
                ceiling = r;
            }
            String ratio = ceiling == null || r == ceiling
                    ? "1.0x, 1.0x"
                    : String.format(
                            "%.1fx, %.1fx",
                            r.lastDelivery().p50Ms() / ceiling.lastDelivery().p50Ms(),
                            r.lastDelivery().p99Ms() / ceiling.lastDelivery().p99Ms());
            Stats p = r.perRecipient();
            md.append(String.format(
                    "| %s | %d | %d | %.1f | %.1f | %.1f | %.1f / %.1f / %.1f / %.1f | %.0f | %s |%n",
                    r.target(),
                    r.members(),
                    r.messages(),
                    r.lastDelivery().p50Ms(),
                    r.lastDelivery().p99Ms(),
                    r.firstDelivery().p50Ms(),
                    p.p50Ms(),
                    p.p90Ms(),
                    p.p99Ms(),
                    p.maxMs(),
                    r.deliveriesPerSecond(),
                    ratio));
        }
        return md.toString();
    }

    static String sendCostMarkdown(SendCostBenchmark.Result r) {
        return "| members | sends | requests before the first post | round trips before the first post | requests in order (∥ = at the same time) | write units per send, DynamoDB Local / priced | read units per send | requests per join | write units per join, DynamoDB Local / priced |\n"
                + "| ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |\n"
                + String.format(
                        "| %d | %d | %.0f | %.0f | %s | %.1f / %.1f | %.1f | %.0f | %.1f / %.1f |%n",
                        r.members(),
                        r.sends(),
                        r.requestsBeforeFirstPost(),
                        r.roundTripsBeforeFirstPost(),
                        r.sendRequests(),
                        r.writeUnitsPerSend(),
                        r.pricedWriteUnitsPerSend(),
                        r.readUnitsPerSend(),
                        r.requestsPerJoin(),
                        r.writeUnitsPerJoin(),
                        r.pricedWriteUnitsPerJoin());
    }

    static String primitivesMarkdown(List<PrimitivesCostBenchmark.Row> rows) {
        StringBuilder md = new StringBuilder(
                "| event | members | @connections posts | DynamoDB requests | write units, DynamoDB Local / priced | read units |\n"
                        + "| --- | ---: | ---: | ---: | ---: | ---: |\n");
        for (PrimitivesCostBenchmark.Row r : rows) {
            md.append(String.format(
                    "| %s | %d | %d | %d | %.1f / %.1f | %.1f |%n",
                    r.event(),
                    r.members(),
                    r.posts(),
                    r.requests(),
                    r.writeUnits(),
                    r.pricedWriteUnits(),
                    r.readUnits()));
        }
        return md.toString();
    }

    static String posterMarkdown(List<PosterBenchmark.Result> results) {
        StringBuilder md = new StringBuilder();
        md.append("| @connections client | posts | CPU µs per post | wall µs per post | CPU vs baseline |\n");
        md.append("| --- | ---: | ---: | ---: | ---: |\n");
        for (PosterBenchmark.Result r : results) {
            md.append(String.format(
                    "| %s | %d | %.1f | %.1f | %.2fx |%n",
                    r.client(), r.posts(), r.cpuMicrosPerPost(), r.wallMicrosPerPost(), r.vsBaselineCpu()));
        }
        return md.toString();
    }

    static String coldMarkdown(List<ColdStartBenchmark.Result> results) {
        StringBuilder md = new StringBuilder();
        md.append(
                "| first event | function | jar MB | samples | Init Duration median ms | min / max ms | first invocation Duration median ms | Max Memory Used MB |\n");
        md.append("| --- | --- | ---: | ---: | ---: | --- | ---: | ---: |\n");
        for (ColdStartBenchmark.Result r : results) {
            md.append(String.format(
                    "| %s | %s | %.2f | %d | %.0f | %.0f / %.0f | %.0f | %d |%n",
                    r.what(),
                    r.function(),
                    r.jarBytes() / 1e6,
                    r.samples(),
                    r.initMedianMs(),
                    r.initMinMs(),
                    r.initMaxMs(),
                    r.firstDurationMedianMs(),
                    r.maxMemoryUsedMb()));
        }
        return md.toString();
    }

    static String idleMarkdown(IdleConnectionsBenchmark.Result r) {
        return "| connections asked | connected | open after hold | got the broadcast | broadcast to all took s | live heap after GC, before / after MB | heap KB per connection | RSS before / after MB |\n"
                + "| ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |\n"
                + String.format(
                        "| %d | %d | %d | %d | %.1f | %.0f / %.0f | %.1f | %.0f / %.0f |%n",
                        r.requested(),
                        r.connected(),
                        r.openAfterHold(),
                        r.receivedBroadcast(),
                        r.broadcastSeconds(),
                        r.heapMbBefore(),
                        r.heapMbAfter(),
                        r.heapKbPerConnection(),
                        r.residentMbBefore(),
                        r.residentMbAfter());
    }

    static String machine() {
        return String.format(
                "%s, %d cores, %s %s, Java %s (%s)",
                ZonedDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE),
                Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"),
                System.getProperty("os.version"),
                System.getProperty("java.version"),
                ManagementFactory.getRuntimeMXBean().getVmName());
    }
}
