package dev.switchboard.tests.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launchers in {@code bin/}, run on a copy of them with stand-ins for {@code mvn} and
 * {@code java} on the PATH: what they build, and when. The README starts {@code bin/switchboard
 * listen} in the background and {@code bin/switchboard send} right after it; on a fresh clone both
 * found no jar and ran two Maven builds over the same {@code target/} directories at once.
 */
class BinScriptsTest {

    static final Path ROOT = DocsCommandsTest.ROOT;

    @TempDir
    Path dir;

    /**
     * A checkout holding only what the launchers read, and a PATH whose {@code mvn} writes the jar
     * and notes when each build starts and ends (each waits, up to 5 s, for a second build to start,
     * so two builds that are not kept apart always overlap), and whose {@code java} says it is 17
     * and does nothing else.
     */
    Path checkout() throws IOException {
        Path repo = dir.resolve("repo");
        Files.createDirectories(repo.resolve("bin"));
        for (String script : List.of("switchboard", "switchboard-local", "java-check.sh", "build-once.sh")) {
            Files.copy(
                    ROOT.resolve("bin").resolve(script),
                    repo.resolve("bin").resolve(script),
                    StandardCopyOption.COPY_ATTRIBUTES);
        }
        Files.writeString(repo.resolve("pom.xml"), "<project/>");
        Files.writeString(repo.resolve("template.yaml"), "Resources: {}");
        for (String module : List.of(
                "protocol",
                "core",
                "connect-handler",
                "message-handler",
                "disconnect-handler",
                "local",
                "client-cli")) {
            Files.createDirectories(repo.resolve(module).resolve("src"));
            Files.writeString(repo.resolve(module).resolve("src").resolve("Source.java"), "class Source {}");
        }
        Path path = Files.createDirectories(dir.resolve("path"));
        executable(path.resolve("mvn"), """
                #!/usr/bin/env bash
                # $@ = -B -q -pl MODULE -am package -DskipTests; run from the checkout's root
                module="$4"
                echo "start $module" >> "$BUILDS"
                for _ in $(seq 50); do [ "$(grep -c start "$BUILDS")" -ge 2 ] && break; sleep 0.1; done
                jar=switchboard-cli.jar; [ "$module" = local ] && jar=switchboard-local.jar
                mkdir -p "$module/target" && touch "$module/target/$jar"
                echo "end $module" >> "$BUILDS"
                """);
        executable(path.resolve("java"), """
                #!/usr/bin/env bash
                [ "$1" = -version ] && echo 'openjdk version "17.0.15" 2025-04-15' >&2
                exit 0
                """);
        return repo;
    }

    static void executable(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    Process start(Path repo, String... command) throws IOException {
        List<String> line = new ArrayList<>(List.of("bash"));
        line.add(repo.resolve("bin").resolve(command[0]).toString());
        line.addAll(List.of(command).subList(1, command.length));
        ProcessBuilder builder = new ProcessBuilder(line)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(
                        ProcessBuilder.Redirect.appendTo(dir.resolve("output").toFile()));
        builder.environment().put("PATH", dir.resolve("path") + ":/usr/bin:/bin");
        builder.environment().put("BUILDS", dir.resolve("builds").toString());
        return builder.start();
    }

    List<String> builds() throws IOException {
        Path builds = dir.resolve("builds");
        return Files.exists(builds) ? Files.readAllLines(builds) : List.of();
    }

    static void finished(Process process) throws InterruptedException {
        assertThat(process.waitFor(60, TimeUnit.SECONDS))
                .as("the launcher finished")
                .isTrue();
        assertThat(process.exitValue()).as("exit code").isZero();
    }

    @Test
    void twoCommandsStartedTogether_buildTheJarOnce() throws Exception {
        Path repo = checkout();

        Process listen = start(repo, "switchboard", "listen");
        Process send = start(repo, "switchboard", "send");
        finished(listen);
        finished(send);

        assertThat(builds())
                .as(
                        "Maven builds of a fresh checkout by two commands started together; output:%n%s",
                        Files.readString(dir.resolve("output")))
                .containsExactly("start client-cli", "end client-cli");
    }

    @Test
    void theLocalCloudAndTheCli_startedTogether_buildOneAfterTheOther() throws Exception {
        Path repo = checkout();

        Process cloud = start(repo, "switchboard-local", "--dev-auth");
        Process cli = start(repo, "switchboard", "listen");
        finished(cloud);
        finished(cli);

        // Both builds compile protocol (and the parent): one after the other, never both at once.
        List<String> builds = builds();
        assertThat(builds).as("both jars built").hasSize(4);
        assertThat(builds.get(1))
                .as("builds in order: %s", builds)
                .isEqualTo(builds.get(0).replace("start", "end"));
        assertThat(builds.get(3))
                .as("builds in order: %s", builds)
                .isEqualTo(builds.get(2).replace("start", "end"));
        assertThat(List.of(builds.get(0), builds.get(2))).containsExactlyInAnyOrder("start local", "start client-cli");
    }

    @Test
    void aChangedProtocolSource_rebuildsTheCli() throws Exception {
        Path repo = checkout();
        finished(start(repo, "switchboard", "listen"));
        Path jar = repo.resolve("client-cli/target/switchboard-cli.jar");
        Path source = repo.resolve("protocol/src/Source.java");
        Files.setLastModifiedTime(
                source,
                java.nio.file.attribute.FileTime.fromMillis(
                        Files.getLastModifiedTime(jar).toMillis() + 10_000));

        finished(start(repo, "switchboard", "listen"));

        assertThat(builds())
                .as("the CLI jar holds the protocol module: a protocol change must rebuild it")
                .containsExactly("start client-cli", "end client-cli", "start client-cli", "end client-cli");
    }
}
