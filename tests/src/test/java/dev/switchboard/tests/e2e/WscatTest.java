package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** wscat, the client most people try a WebSocket API with, talks to the local cloud. */
class WscatTest {

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.devAuth();

    @Test
    void wscat_pingGetsPong() throws Exception {
        Process wscat = new ProcessBuilder(
                        "wscat", "-c", local.userUri("wscat-user").toString(), "-x", "{\"action\":\"ping\"}", "-w", "3")
                .redirectErrorStream(true)
                .start();
        assertThat(wscat.waitFor(30, TimeUnit.SECONDS)).as("wscat finished").isTrue();
        String output = new String(wscat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(output).contains("\"type\":\"pong\"");
    }
}
