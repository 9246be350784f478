package dev.switchboard.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The local cloud as users run it ({@code java -jar local/target/switchboard-local.jar --dev-auth}),
 * in its own JVM so the load generator's CPU and memory are not mixed into its figures.
 */
final class LocalCloudProcess implements AutoCloseable {

    private final Process process;
    private final int port;
    private final int snsPort;

    private LocalCloudProcess(Process process, int port, int snsPort) {
        this.process = process;
        this.port = port;
        this.snsPort = snsPort;
    }

    static LocalCloudProcess start(Path jar, Path template, Path log) throws Exception {
        if (!Files.isRegularFile(jar)) {
            throw new IOException(jar + " not found: build it with `mvn -B package -DskipTests`");
        }
        int port = freePort();
        int snsPort = freePort();
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar.toString(),
                "--dev-auth",
                "--template",
                template.toString(),
                // one sender sends as fast as messages arrive: the per-connection send limit would refuse it
                "--env",
                "SWITCHBOARD_SEND_RATE_PER_SECOND=0",
                "--port",
                String.valueOf(port),
                "--dynamodb-port",
                String.valueOf(freePort()),
                "--sns-port",
                String.valueOf(snsPort));
        builder.redirectErrorStream(true);
        Process process = builder.start();
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread pump = new Thread(
                () -> {
                    try (BufferedReader out = new BufferedReader(
                                    new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
                            var logFile = Files.newBufferedWriter(log)) {
                        for (String line = out.readLine(); line != null; line = out.readLine()) {
                            logFile.write(line);
                            logFile.newLine();
                            if (line.contains("Stop with Ctrl-C")) {
                                ready.complete(null);
                            }
                        }
                        ready.completeExceptionally(
                                new IOException("the local cloud exited before it was ready; see " + log));
                    } catch (IOException e) {
                        ready.completeExceptionally(e);
                    }
                },
                "local-cloud-log");
        pump.setDaemon(true);
        pump.start();
        try {
            ready.get(120, TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw e;
        }
        return new LocalCloudProcess(process, port, snsPort);
    }

    URI webSocketUri() {
        return URI.create("ws://localhost:" + port + "/local");
    }

    URI snsEndpoint() {
        return URI.create("http://localhost:" + snsPort);
    }

    String topicArn() {
        return "arn:aws:sns:us-east-1:000000000000:switchboard-local-NotificationsTopic";
    }

    /** Resident memory of the local cloud's JVM (Linux /proc), in MB; -1 where unknown. */
    double residentMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: no figure
        }
        return -1;
    }

    /**
     * Java heap in use by the local cloud right after a full GC it is asked to run ({@code jcmd
     * GC.run}, then {@code GC.heap_info}), in MB; -1 where jcmd is unavailable. Resident memory
     * alone says little here: a JVM keeps the heap it grew to in earlier runs.
     */
    double heapUsedAfterGcMb() {
        try {
            jcmd("GC.run");
            var used = java.util.regex.Pattern.compile("heap\\s+total \\d+K, used (\\d+)K")
                    .matcher(jcmd("GC.heap_info"));
            return used.find() ? Long.parseLong(used.group(1)) / 1024.0 : -1;
        } catch (IOException | RuntimeException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        Process jcmd = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                        String.valueOf(process.pid()),
                        command)
                .redirectErrorStream(true)
                .start();
        String output = new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!jcmd.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) || jcmd.exitValue() != 0) {
            throw new IOException("jcmd " + command + " failed: " + output);
        }
        return output;
    }

    /**
     * Waits, up to {@code max}, for a second in which the local cloud used under 5% of a core: the
     * previous run's closed connections each run {@code $disconnect} (with a presence post), which
     * goes on well after the run and would otherwise load the machine during the next measurement.
     * Returns the seconds waited, or -1 if the cloud did not go quiet in time or its CPU is unknown.
     */
    long awaitQuiet(Duration max) throws InterruptedException {
        long start = System.nanoTime();
        long ticks = cpuTicks();
        while (ticks >= 0 && System.nanoTime() - start < max.toNanos()) {
            Thread.sleep(1000);
            long now = cpuTicks();
            if (now >= 0 && now - ticks <= 5) { // /proc counts 100 ticks a second per core
                return Duration.ofNanos(System.nanoTime() - start).toSeconds();
            }
            ticks = now;
        }
        return -1;
    }

    /** User plus system CPU of the local cloud's JVM in clock ticks (Linux /proc); -1 where unknown. */
    private long cpuTicks() {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime: fields 14 and 15 of stat
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(Duration.ofSeconds(10).toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
        }
    }
}
