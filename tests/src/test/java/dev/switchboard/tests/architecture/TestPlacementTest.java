package dev.switchboard.tests.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every module's tests live in that module's own package (issue 16: "no test living in another module's
 * package"): a unit test of the CLI belongs in client-cli, next to the classes it may reach package-private;
 * this module's end-to-end tests live under {@code dev.switchboard.tests} and so see the other modules only
 * through what they make public, as a user does. Checked on the source tree from the repository root (the
 * parent of this module's directory, where Maven runs the tests).
 */
class TestPlacementTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void everyModulesTests_liveInItsOwnPackage() throws IOException {
        assertThat(ROOT.resolve("pom.xml")).as("the repository root").exists();
        List<String> misplaced = new ArrayList<>();
        int modules = 0;
        try (Stream<Path> children = Files.list(ROOT)) {
            for (Path module : children.filter(Files::isDirectory).sorted().toList()) {
                Path tests = module.resolve("src/test/java/dev/switchboard");
                if (!Files.isDirectory(tests)) {
                    continue;
                }
                modules++;
                Path own = ownPackage(module);
                try (Stream<Path> files = Files.walk(tests)) {
                    files.filter(f -> f.toString().endsWith(".java"))
                            .filter(f -> !f.startsWith(tests.resolve(own)))
                            .forEach(f -> misplaced.add(ROOT.relativize(f) + " (module " + module.getFileName()
                                    + ": its tests go under" + " dev.switchboard." + own + ")"));
                }
            }
        }
        assertThat(modules).as("modules with tests found under " + ROOT).isGreaterThanOrEqualTo(9);
        assertThat(misplaced)
                .as("test classes outside their module's package: move each into the module it tests (a unit"
                        + " test) or under dev.switchboard.tests (an end-to-end test using public API only)")
                .isEmpty();
    }

    /** The module's one package under dev.switchboard (its main sources'), or {@code tests} for this module. */
    private static Path ownPackage(Path module) throws IOException {
        Path main = module.resolve("src/main/java/dev/switchboard");
        if (!Files.isDirectory(main)) {
            return Path.of("tests");
        }
        try (Stream<Path> packages = Files.list(main)) {
            List<Path> names =
                    packages.filter(Files::isDirectory).map(Path::getFileName).toList();
            assertThat(names).as("packages under " + main).hasSize(1);
            return names.get(0);
        }
    }
}
