package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

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

    /** What the functions' loggers ({@code lambda.<FunctionName>}, under {@code lambda}) receive. */
    static final ListAppender<ILoggingEvent> FUNCTION_LOG = new ListAppender<>();

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
        FUNCTION_LOG.start();
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("lambda")).addAppender(FUNCTION_LOG);
    }

    @AfterAll
    static void stopListening() {
        ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("lambda")).detachAppender(FUNCTION_LOG);
    }

    /** The platform.report events the function's logger received, parsed (template.yaml's LogFormat is JSON). */
    private static List<JsonObject> platformReports(String function) {
        List<ILoggingEvent> events;
        synchronized (FUNCTION_LOG) { // AppenderBase.doAppend holds the appender's lock
            events = List.copyOf(FUNCTION_LOG.list);
        }
        return events.stream()
                .filter(e -> e.getLoggerName().equals("lambda." + function))
                .map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.startsWith("{\"time\"") && m.contains("\"platform.report\""))
                .map(m -> JsonParser.parseString(m).getAsJsonObject())
                .toList();
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
            // template.yaml's Globals: LogFormat JSON, so the log shows Lambda's platform.report event, not the line
            InvocationReport cold = reports.get(0);
            JsonObject record = platformReports(function).stream()
                    .map(e -> e.getAsJsonObject("record"))
                    .filter(r -> r.get("requestId").getAsString().equals(cold.requestId()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(function + ": no platform.report of " + cold.requestId()));
            assertThat(record.get("status").getAsString()).isEqualTo("success");
            assertThat(record.getAsJsonObject("metrics").get("initDurationMs").getAsDouble())
                    .as(function + "'s cold start in its platform.report")
                    .isPositive();
        }
        synchronized (FUNCTION_LOG) {
            assertThat(FUNCTION_LOG.list)
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .noneMatch(m -> m.startsWith("REPORT RequestId") || m.startsWith("START RequestId"));
        }
    }
}
