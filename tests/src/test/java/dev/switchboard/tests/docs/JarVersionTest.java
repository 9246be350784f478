package dev.switchboard.tests.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code --version} of the two jars a user runs (bin/switchboard, bin/switchboard-local), as they are
 * built: each prints the {@code Implementation-Version} its manifest carries, which the build writes
 * from the project version. The local cloud printed a literal {@code 0.1.0} while the build was
 * {@code 0.1.0-SNAPSHOT}; the unit tests of both commands run from classes, where there is no manifest.
 */
class JarVersionTest {

    @ParameterizedTest
    @CsvSource({
        "client-cli/target/switchboard-cli.jar, switchboard",
        "local/target/switchboard-local.jar, switchboard-local"
    })
    void version_isTheJarManifestsImplementationVersion(String jar, String command) throws Exception {
        Path path = DocsCommandsTest.ROOT.resolve(jar);
        String manifestVersion;
        try (JarFile file = new JarFile(path.toFile())) {
            manifestVersion = file.getManifest().getMainAttributes().getValue("Implementation-Version");
        }
        assertThat(manifestVersion).as("Implementation-Version of " + jar).matches("\\d+\\.\\d+\\.\\d+.*");

        assertThat(run(path, "--version")).isEqualTo(command + " " + manifestVersion);
    }

    /** Standard output of {@code java -jar JAR ARGS} (exit code 0 required), without the line end. */
    private static String run(Path jar, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar.toString()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("--version ends").isTrue();
        assertThat(process.exitValue()).as("exit code of " + command).isZero();
        return out.strip();
    }
}
