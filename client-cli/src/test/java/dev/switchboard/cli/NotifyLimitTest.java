package dev.switchboard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** {@code notify} refuses what the server could only drop: no SNS call is made (the topic does not exist). */
class NotifyLimitTest {

    record Run(int exitCode, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine(new Main(new ByteArrayInputStream(new byte[0])))
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void notify_refusesA100KbBody_withAUsageErrorSayingWhatToDo() {
        Run run = run(
                "notify",
                "--topic-arn",
                "arn:aws:sns:us-east-1:000000000000:nowhere",
                "--endpoint-url",
                "http://127.0.0.1:9",
                "--room",
                "lobby",
                "--title",
                "Report",
                "--body",
                "x".repeat(100 * 1024));
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err())
                .isEqualTo("switchboard: --body is 102400 characters; at most 16000 are delivered "
                        + "(API Gateway's 128 KB message limit): shorten it or send a link" + System.lineSeparator());
    }

    @Test
    void notify_refusesALongTitle() {
        Run run = run(
                "notify",
                "--topic-arn",
                "arn:aws:sns:us-east-1:000000000000:nowhere",
                "--endpoint-url",
                "http://127.0.0.1:9",
                "--all",
                "--title",
                "t".repeat(201));
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--title is 201 characters; at most 200");
    }
}
