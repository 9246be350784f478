package dev.switchboard.local.jar;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts a fresh JVM on one function's deployable jar (see {@link FunctionRunner}) and times it
 * from process start to the handler's response: a Lambda cold start without the Lambda service.
 */
public final class FreshJvm {

    /**
     * What one run printed and how long it took (wall, from spawning the process to the response
     * line), and when the runner reached {@code main} and had built the handler (null where it did
     * not say: the yardstick builds no handler).
     */
    public record Run(String response, Duration untilResponse, String stderr, Duration untilMain, Duration untilBuilt) {
    }

    private final Path runnerClasses;

    private FreshJvm(Path runnerClasses) {
        this.runnerClasses = runnerClasses;
    }

    /**
     * Packs the runner's class files (from wherever they were loaded: a jar, a directory) into a
     * small jar: AppCDS refuses class paths with non-empty directories.
     */
    public static FreshJvm prepare() throws IOException {
        Path jar = Files.createTempFile("switchboard-runner", ".jar");
        try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
            for (String name : List.of("FunctionRunner", "FunctionRunner$RunnerContext", "FunctionRunner$RunnerContext$1")) {
                String resource = "dev/switchboard/local/jar/" + name + ".class";
                try (InputStream in = FreshJvm.class.getClassLoader().getResourceAsStream(resource)) {
                    if (in == null) {
                        throw new IOException("runner class " + resource + " not found: rebuild the local module");
                    }
                    out.putNextEntry(new java.util.jar.JarEntry(resource));
                    in.transferTo(out);
                    out.closeEntry();
                }
            }
        }
        jar.toFile().deleteOnExit();
        return new FreshJvm(jar);
    }

    /**
     * @param jvmOptions e.g. {@code -XX:TieredStopAtLevel=1}
     * @param environment the function's environment (its Config), credentials and region included
     */
    public Run run(Path functionJar, String handlerClass, List<String> jvmOptions, Map<String, String> environment,
                   List<String> arguments, Duration timeout) throws IOException, InterruptedException {
        if (!Files.isRegularFile(functionJar)) {
            throw new IOException(functionJar + " not found: build it with `mvn -B package -DskipTests`");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(functionJar.toAbsolutePath() + java.io.File.pathSeparator + runnerClasses);
        command.add(FunctionRunner.class.getName());
        command.add(handlerClass);
        command.addAll(arguments);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().clear();
        builder.environment().put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        builder.environment().putAll(environment);
        Path stderr = Files.createTempFile("switchboard-fresh-jvm", ".log");
        builder.redirectError(stderr.toFile());
        long start = System.nanoTime();
        Process process = builder.start();
        Thread watchdog = new Thread(() -> {
            try {
                if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly(); // unblocks the reader below
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "fresh-jvm-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        String response = null;
        Duration untilMain = null;
        Duration untilBuilt = null;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                if (line.equals("PHASE MAIN")) {
                    untilMain = Duration.ofNanos(System.nanoTime() - start);
                } else if (line.equals("PHASE BUILT")) {
                    untilBuilt = Duration.ofNanos(System.nanoTime() - start);
                } else if (line.startsWith("RESPONSE ")) {
                    response = line.substring("RESPONSE ".length());
                    break;
                }
            }
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        String errors = Files.readString(stderr);
        Files.deleteIfExists(stderr);
        if (response == null) {
            throw new IOException(functionJar.getFileName() + " " + handlerClass + " gave no response (exit "
                    + (process.isAlive() ? "none" : process.exitValue()) + "):\n" + errors);
        }
        return new Run(response, elapsed, errors, untilMain, untilBuilt);
    }
}
