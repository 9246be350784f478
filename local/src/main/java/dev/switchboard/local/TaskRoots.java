package dev.switchboard.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Lays each function's code out as {@code sam build} does, in a directory of the local cloud's
 * own: for a function whose template {@code Metadata} says {@code BuildMethod: makefile}, SAM runs
 * {@code make build-<LogicalId>} with {@code ARTIFACTS_DIR} set, and the Java runtime loads the
 * artifacts directory and the jars in its {@code lib/} (the task root, {@code /var/task}). The local
 * cloud runs the same Makefile target with its Maven step turned off ({@code MVN=:}; the jars were
 * built by the reactor or by bin/switchboard-local), so the copy step is the template's own.
 * See https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/building-custom-runtimes.html
 */
final class TaskRoots implements AutoCloseable {

    private final Path templateDirectory;
    private final Path directory;

    private TaskRoots(Path templateDirectory, Path directory) {
        this.templateDirectory = templateDirectory;
        this.directory = directory;
    }

    static TaskRoots create(Path template) throws IOException {
        Path dir = template.toAbsolutePath().getParent();
        return new TaskRoots(dir, Files.createTempDirectory("switchboard-task-roots"));
    }

    /**
     * The task root of function {@code logicalId}, built now by its Makefile target.
     *
     * @throws IOException when the template's directory has no Makefile with a {@code build-<LogicalId>}
     *     target, or the target fails (typically: the function jars are not built yet)
     */
    Path build(String logicalId) throws IOException {
        Path makefile = templateDirectory.resolve("Makefile");
        if (!Files.isRegularFile(makefile)
                || !Pattern.compile("(?m)^build-" + Pattern.quote(logicalId) + ":")
                        .matcher(Files.readString(makefile, StandardCharsets.UTF_8))
                        .find()) {
            // A copy of template.yaml elsewhere (to try a change) has no Makefile beside it: say where it belongs.
            throw new IOException("function " + logicalId + ": no `build-" + logicalId + "` target in " + makefile
                    + ": the template's code is laid out by the Makefile next to it, as `sam build` does; keep a copy"
                    + " of the template in the repository's root, next to its Makefile (from Java,"
                    + " LocalCloudOptions.functionCode gives a function its code)");
        }
        Path root = directory.resolve(logicalId);
        Files.createDirectories(root);
        Path log = directory.resolve(logicalId + ".make.log");
        Process make = new ProcessBuilder(
                        "make",
                        "-s",
                        "-C",
                        templateDirectory.toString(),
                        "build-" + logicalId,
                        "ARTIFACTS_DIR=" + root,
                        "MVN=:")
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            if (!make.waitFor(60, TimeUnit.SECONDS)) {
                make.destroyForcibly();
                throw new IOException("make build-" + logicalId + " did not finish in 60 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while laying out " + logicalId, e);
        }
        if (make.exitValue() != 0) {
            throw new IOException(
                    "make build-" + logicalId + " failed ("
                            + Files.readString(log).strip()
                            + "): build the function jars first with `mvn -B package -DskipTests` (bin/switchboard-local does)");
        }
        return root;
    }

    @Override
    public void close() {
        try (Stream<Path> files = Files.walk(directory)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }

    /** The jars of a task root, for messages. */
    static List<Path> jars(Path root) throws IOException {
        Path lib = root.resolve("lib");
        if (!Files.isDirectory(lib)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(lib)) {
            return s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
    }
}
