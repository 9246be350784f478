package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Laying out a function's code from the Makefile next to the template, and what a user is told when there is none. */
class TaskRootsTest {

    @Test
    void build_ofATemplateWithNoMakefileBesideIt_saysToKeepTheTemplateNextToTheMakefile(@TempDir Path dir)
            throws Exception {
        // a copy of template.yaml made to try a change (a bad handler string, say) in another directory
        Path template = Files.writeString(dir.resolve("template.yaml"), "Resources: {}\n");

        try (TaskRoots roots = TaskRoots.create(template)) {
            // the message named only a Java API and --in-process, which cannot run the real template's functions
            // without their code either
            assertThatThrownBy(() -> roots.build("MessageFunction"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("no `build-MessageFunction` target in " + dir.resolve("Makefile"))
                    .hasMessageContaining("keep a copy of the template in the repository's root, next to its Makefile");
        }
    }
}
