package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.local.InvocationReport;
import dev.switchboard.local.LocalCloudOptions;
import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every function of the template runs the way Lambda runs it: its own processes on AWS's runtime
 * interface client, on the deployable jar laid out by the Makefile's {@code build-<Function>} target
 * (what {@code sam build} ships: shaded, with per-function exclusions, nothing else on its class
 * path), each cold start reported with its Init Duration.
 */
class FunctionProcessEndToEndTest {

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.devAuth();

    static final List<InvocationReport> REPORTS = new CopyOnWriteArrayList<>();

    /** The Makefile's function → module mapping, for the jar sizes. */
    static final Map<String, String> MODULES = Map.of(
            "ConnectFunction",
            "connect-handler",
            "MessageFunction",
            "message-handler",
            "BroadcastFunction",
            "message-handler",
            "DisconnectFunction",
            "disconnect-handler",
            "ExpiredConnectionsFunction",
            "disconnect-handler");

    @BeforeAll
    static void listen() {
        local.cloud().addReportListener(REPORTS::add);
    }

    @Test
    /**
     * The budget was 10 MB until Powertools Metrics (about 3.2 MB) and logback (about 0.9 MB) came in
     * for metrics and JSON logs (issue 15): 14.1 / 13.2 / 12.4 MB now. What that costs a cold start could
     * not be told apart from a loaded machine's noise (docs/PERFORMANCE.md, "Function jars"); the line
     * keeps the next addition from going unnoticed.
     */
    void deployableJars_areUnder15MB() throws Exception {
        for (String module : MODULES.values()) {
            Path jar = Path.of("..", module, "target", "switchboard-" + module + "-lambda.jar");
            assertThat(jar)
                    .as("built by the reactor before this module's tests")
                    .exists();
            assertThat(Files.size(jar)).as(module + " jar under 15 MB").isLessThan(15_000_000);
        }
    }

    @Test
    void everyFunction_runsAsItsOwnProcess_andReportsItsColdStart() throws Exception {
        assertThat(local.cloud().functionMode()).isEqualTo(LocalCloudOptions.FunctionMode.PROCESS);
        try (WsClient alice = WsClient.connect(local.userUri("alice"));
                WsClient bob = WsClient.connect(local.userUri("bob"))) {
            alice.send(Json.write(new Request.Join("procs")));
            alice.next(f -> f.get("type").getAsString().equals("presence")
                    && f.get("user").getAsString().equals("alice"));
            bob.send(Json.write(new Request.Join("procs")));
            bob.next(f -> f.get("type").getAsString().equals("presence")
                    && f.get("user").getAsString().equals("bob"));
            alice.send(Json.write(new Request.Send("procs", "from a process", "p-1")));
            assertThat(bob.next(f -> f.get("type").getAsString().equals("message"))
                            .get("text")
                            .getAsString())
                    .isEqualTo("from a process");

            local.publish("{\"target\":{\"room\":\"procs\"},\"title\":\"deploy\",\"body\":\"from SNS\"}");
            assertThat(bob.next(f -> f.get("type").getAsString().equals("notification"))
                            .get("body")
                            .getAsString())
                    .isEqualTo("from SNS");
        }
        // Both sockets closed: $disconnect runs for each.
        await().atMost(WsClient.WAIT)
                .untilAsserted(() -> assertThat(REPORTS.stream().map(InvocationReport::function))
                        .contains("ConnectFunction", "MessageFunction", "BroadcastFunction", "DisconnectFunction"));
        for (String function :
                List.of("ConnectFunction", "MessageFunction", "BroadcastFunction", "DisconnectFunction")) {
            List<InvocationReport> reports =
                    REPORTS.stream().filter(r -> r.function().equals(function)).toList();
            assertThat(reports.get(0).initDurationMs())
                    .as(function + "'s first REPORT is a cold start")
                    .isNotNull()
                    .isPositive();
            assertThat(reports).allSatisfy(r -> {
                assertThat(r.memorySizeMb()).isEqualTo(1024);
                assertThat(r.status()).isNull();
                assertThat(r.line()).startsWith("REPORT RequestId: " + r.requestId() + "\tDuration: ");
            });
        }
    }
}
