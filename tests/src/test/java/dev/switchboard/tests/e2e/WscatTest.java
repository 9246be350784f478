package dev.switchboard.tests.e2e;

import static dev.switchboard.tests.e2e.LocalCloudFixture.userUri;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.switchboard.local.LocalCloud;

/** wscat, the client most people try a WebSocket API with, talks to the local cloud. */
class WscatTest {

    static LocalCloud cloud;

    @BeforeAll
    static void start() throws Exception {
        cloud = LocalCloudFixture.startDevAuth();
    }

    @AfterAll
    static void stop() throws Exception {
        cloud.close();
    }

    @Test
    void wscat_pingGetsPong() throws Exception {
        Process wscat = new ProcessBuilder("wscat", "-c", userUri(cloud, "wscat-user").toString(),
                "-x", "{\"action\":\"ping\"}", "-w", "3")
                .redirectErrorStream(true).start();
        assertThat(wscat.waitFor(30, TimeUnit.SECONDS)).as("wscat finished").isTrue();
        String output = new String(wscat.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(output).contains("\"type\":\"pong\"");
    }
}
