package dev.switchboard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NotifyCommandTest {

    @TempDir
    Path home;

    /** The SDK's default chain, made to find nothing: no files, no instance metadata. */
    @BeforeEach
    void noCredentials() {
        Assumptions.assumeTrue(
                System.getenv("AWS_ACCESS_KEY_ID") == null
                        && System.getenv("AWS_PROFILE") == null
                        && System.getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI") == null,
                "this machine's environment has AWS credentials");
        System.setProperty(
                "aws.sharedCredentialsFile", home.resolve("credentials").toString());
        System.setProperty("aws.configFile", home.resolve("config").toString());
        System.setProperty("aws.disableEc2Metadata", "true");
    }

    @AfterEach
    void restore() {
        System.clearProperty("aws.sharedCredentialsFile");
        System.clearProperty("aws.configFile");
        System.clearProperty("aws.disableEc2Metadata");
    }

    @Test
    void notify_withoutCredentials_saysSoInOneLine() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.commandLine(new Main(new ByteArrayInputStream(new byte[0])))
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(
                        "notify",
                        "--topic-arn",
                        "arn:aws:sns:us-east-1:000000000000:t",
                        "--endpoint-url",
                        "http://localhost:9",
                        "--room",
                        "lobby",
                        "--title",
                        "t",
                        "--body",
                        "b");
        assertThat(code).isEqualTo(ExitCode.USAGE);
        assertThat(err.toString())
                .startsWith("switchboard: no AWS credentials found")
                .contains("AWS_ACCESS_KEY_ID");
        assertThat(err.toString().lines()).hasSize(1);
    }
}
