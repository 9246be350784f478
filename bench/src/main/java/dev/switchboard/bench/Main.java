package dev.switchboard.bench;

import java.io.IOException;
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

/** Runs the benchmarks and writes their figures as a Markdown table. */
@Command(name = "switchboard-bench", mixinStandardHelpOptions = true,
        description = "Fan-out latency of Switchboard's local cloud against a bare WebSocket broadcast server, same machine, same run.")
public final class Main implements Callable<Integer> {

    @Option(names = "--members", split = ",", defaultValue = "100,1000",
            description = "Room sizes to measure (default ${DEFAULT-VALUE}; 10000 needs `ulimit -n` >= 25000).")
    List<Integer> members;

    @Option(names = "--messages", defaultValue = "20", description = "Messages sent one after another per room size (default ${DEFAULT-VALUE}).")
    int messages;

    @Option(names = "--url", description = "WebSocket URL of a running local cloud started with --dev-auth (e.g. ws://localhost:8080). Without it only the ceiling runs.")
    URI url;

    @Option(names = "--timeout", defaultValue = "PT10S", description = "Longest wait for one message to reach every member (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Option(names = "--posts", defaultValue = "0",
            description = "Also compare @connections clients (CPU per post) over this many posts each; 0 skips (default ${DEFAULT-VALUE}).")
    int posts;

    @Option(names = "--out", description = "Markdown file to write the table to (e.g. docs/PERFORMANCE.md).")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        PrintStream progress = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.err), true);
        FanoutBenchmark benchmark = new FanoutBenchmark(progress);
        List<FanoutBenchmark.Result> results = new ArrayList<>();
        for (int size : members) {
            try (BroadcastCeilingServer ceiling = new BroadcastCeilingServer()) {
                results.add(benchmark.run(Target.ceiling(ceiling.uri()), size, messages, timeout));
            }
            if (url != null) { // a fresh room per run: ids of an earlier run would be acknowledged as duplicates
                results.add(benchmark.run(Target.switchboard(url, "bench-" + size + "-" + Long.toString(System.currentTimeMillis(), 36)), size, messages, timeout));
            }
        }
        String table = markdown(results);
        if (posts > 0) {
            table += "\n" + posterMarkdown(new PosterBenchmark(progress).run(posts));
        }
        spec.commandLine().getOut().println(table);
        if (out != null) {
            Files.writeString(out, table);
            progress.println("wrote " + out);
        }
        return 0;
    }

    static String markdown(List<FanoutBenchmark.Result> results) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("| target | members | messages | last member p50 ms | last member p99 ms | per-recipient p50 / p90 / p99 / max ms | deliveries/s | vs ceiling (last p99) |\n");
        md.append("| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: |\n");
        FanoutBenchmark.Result ceiling = null;
        for (FanoutBenchmark.Result r : results) {
            if (r.target().contains("ceiling")) {
                ceiling = r;
            }
            String ratio = ceiling == null || r == ceiling ? "1.0x" : String.format("%.1fx", r.lastDelivery().p99Ms() / ceiling.lastDelivery().p99Ms());
            Stats p = r.perRecipient();
            md.append(String.format("| %s | %d | %d | %.1f | %.1f | %.1f / %.1f / %.1f / %.1f | %.0f | %s |%n",
                    r.target(), r.members(), r.messages(), r.lastDelivery().p50Ms(), r.lastDelivery().p99Ms(),
                    p.p50Ms(), p.p90Ms(), p.p99Ms(), p.maxMs(), r.deliveriesPerSecond(), ratio));
        }
        return md.toString();
    }

    static String posterMarkdown(List<PosterBenchmark.Result> results) {
        StringBuilder md = new StringBuilder();
        md.append("| @connections client | posts | CPU µs per post | wall µs per post | CPU vs baseline |\n");
        md.append("| --- | ---: | ---: | ---: | ---: |\n");
        for (PosterBenchmark.Result r : results) {
            md.append(String.format("| %s | %d | %.1f | %.1f | %.2fx |%n", r.client(), r.posts(), r.cpuMicrosPerPost(),
                    r.wallMicrosPerPost(), r.vsBaselineCpu()));
        }
        return md.toString();
    }

    static String machine() {
        return String.format("%d cores, %d MB max heap, %s %s, Java %s, %s",
                Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() >> 20,
                System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("java.version"),
                ZonedDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE) + " " + ManagementFactory.getRuntimeMXBean().getVmName());
    }
}
