package dev.switchboard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code send}'s timeouts against a scripted server that stays silent where the test chooses: the message says
 * whether anything was sent and what to do next. Before, both said "retry (sends are idempotent per clientMsgId)",
 * but each run mints a clientMsgId of its own, so running send again after a lost ack sends the message twice.
 */
class SendCommandTest {

    ScriptedServer server;
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final java.util.concurrent.ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "send-command");
        t.setDaemon(true);
        return t;
    });

    @BeforeEach
    void start() throws Exception {
        server = new ScriptedServer();
    }

    @AfterEach
    void stop() throws Exception {
        thread.shutdownNow();
        server.close();
    }

    /** Runs {@code send --timeout TIMEOUT hello} as ann on its own thread. */
    CompletableFuture<Integer> send(String timeout) {
        CommandLine commandLine = Main.commandLine(new Main(new ByteArrayInputStream(new byte[0])))
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true));
        return CompletableFuture.supplyAsync(
                () -> commandLine.execute(
                        "send",
                        "--url",
                        server.url(),
                        "--user",
                        "ann",
                        "--room",
                        "lobby",
                        "--timeout",
                        timeout,
                        "hello"),
                thread);
    }

    @Test
    void noAck_saysTheMessageMayBeStored_andToCheckTheHistory_notToRetry() throws Exception {
        CompletableFuture<Integer> run = send("500ms");
        ScriptedServer.Received join = server.nextAction("join");
        ScriptedServer.send(
                join.session(), "{\"type\":\"presence\",\"room\":\"lobby\",\"event\":\"join\",\"user\":\"ann\"}");
        String clientMsgId =
                server.nextAction("send").frame().get("clientMsgId").getAsString();
        // no ack

        assertThat(run.get(ScriptedServer.WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(ExitCode.TIMEOUT);

        assertThat(err.toString())
                .contains("no ack within 500 ms")
                .contains("(clientMsgId " + clientMsgId + ") may have been stored")
                .contains("/history")
                .contains("--timeout")
                .doesNotContain("idempotent");
        assertThat(err.toString().lines()).hasSize(1);
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void noJoinConfirmation_saysNothingWasSent() throws Exception {
        CompletableFuture<Integer> run = send("500ms");
        server.nextAction("join");
        // no presence join: the text must not go out

        assertThat(run.get(ScriptedServer.WAIT_SECONDS, TimeUnit.SECONDS)).isEqualTo(ExitCode.TIMEOUT);

        assertThat(err.toString())
                .contains("no confirmation of the join of lobby within 500 ms: nothing was sent")
                .contains("--timeout");
        assertThat(out.toString()).isEmpty();
    }
}
