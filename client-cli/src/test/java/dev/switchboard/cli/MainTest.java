package dev.switchboard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** The command line as configured by {@link Main#commandLine}: converters, writers, version. */
class MainTest {

    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();

    CommandLine commandLine() {
        return Main.commandLine(new Main(new ByteArrayInputStream(new byte[0])))
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true));
    }

    @Test
    void durationOptions_ofEverySubcommand_acceptUnitsAndIso8601() {
        ParseResult send = commandLine()
                .parseArgs("send", "--url", "ws://127.0.0.1:9/local", "--room", "r", "--timeout", "2m", "hi");
        assertThat(send.subcommand().matchedOptionValue("--timeout", Duration.ZERO))
                .isEqualTo(Duration.ofMinutes(2));

        ParseResult listen = commandLine()
                .parseArgs("listen", "--url", "ws://127.0.0.1:9/local", "--room", "r", "--timeout", "PT45S");
        assertThat(listen.subcommand().matchedOptionValue("--timeout", Duration.ZERO))
                .isEqualTo(Duration.ofSeconds(45));
    }

    @Test
    void sendTimeout_defaultsToTenSeconds() {
        ParseResult send = commandLine().parseArgs("send", "--url", "ws://127.0.0.1:9/local", "--room", "r", "hi");
        assertThat((Duration)
                        send.subcommand().commandSpec().findOption("--timeout").getValue())
                .isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void badDuration_isAUsageError_withTheAcceptedForms_notAStackTrace() {
        int code =
                commandLine().execute("listen", "--url", "ws://127.0.0.1:9/local", "--room", "r", "--timeout", "10sec");

        assertThat(code).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString())
                .contains("--timeout")
                .contains("'10sec' is not a duration: write it like 500ms, 30s, 2m, 1h or PT1M30S")
                .contains("(see switchboard listen --help)")
                .doesNotContain("Exception");
        // one line: picocli's default added the whole usage below it, and the error scrolled away
        assertThat(err.toString().lines()).hasSize(1);
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void zeroTimeoutOrCountBelowOne_isAUsageError_sayingWhatIsAccepted() {
        int zero = commandLine().execute("listen", "--url", "ws://127.0.0.1:9/local", "--room", "r", "--timeout", "0s");
        int none = commandLine().execute("listen", "--url", "ws://127.0.0.1:9/local", "--room", "r", "--count", "0");
        int negative =
                commandLine().execute("listen", "--url", "ws://127.0.0.1:9/local", "--room", "r", "--count", "-1");
        int words = commandLine().execute("listen", "--url", "ws://127.0.0.1:9/local", "--room", "r", "--count", "two");
        int sendZero = commandLine()
                .execute("send", "--url", "ws://127.0.0.1:9/local", "--room", "r", "--timeout", "PT0S", "hi");

        assertThat(List.of(zero, none, negative, words, sendZero)).containsOnly(CommandLine.ExitCode.USAGE);
        assertThat(err.toString().lines())
                .hasSize(5)
                .satisfiesExactly(
                        l -> assertThat(l).contains("--timeout").contains("'0s' would give up before waiting"),
                        l -> assertThat(l)
                                .contains("--count")
                                .contains("'0' is not a count")
                                .contains("1 or more"),
                        l -> assertThat(l).contains("--count").contains("'-1' is not a count"),
                        l -> assertThat(l).contains("--count").contains("'two' is not a count"),
                        l -> assertThat(l).contains("--timeout").contains("'PT0S' would give up before waiting"));
        assertThat(out.toString()).isEmpty();
        // the smallest accepted values still parse
        assertThat(commandLine()
                        .parseArgs(
                                "listen",
                                "--url",
                                "ws://127.0.0.1:9/local",
                                "--room",
                                "r",
                                "--count",
                                "1",
                                "--timeout",
                                "1ms")
                        .subcommand()
                        .matchedOptionValue("--count", 0))
                .isEqualTo(1);
    }

    @Test
    void noSubcommand_printsUsageToTheCommandLinesOut() {
        int code = commandLine().execute();

        assertThat(code).isEqualTo(ExitCode.USAGE);
        assertThat(out.toString())
                .startsWith("Usage: switchboard")
                .contains("chat")
                .contains("notify");
        assertThat(err.toString()).isEmpty();
    }

    @Test
    void version_comesFromTheManifest_andSaysSoWhenThereIsNone() {
        assertThat(VersionProvider.version("1.2.3")).containsExactly("switchboard 1.2.3");
        assertThat(VersionProvider.version(null))
                .containsExactly("switchboard (version unknown: not run from switchboard-cli.jar)");

        // run from classes here: no manifest, and --version prints that through the command line's writer
        assertThat(commandLine().execute("--version")).isZero();
        assertThat(out.toString())
                .isEqualToIgnoringNewLines("switchboard (version unknown: not run from switchboard-cli.jar)");
    }

    @Test
    void version_ofEverySubcommand_isTheCommandsVersion_notAnEmptyLine() {
        // each subcommand's help lists -V, --version; without a version provider it printed nothing and exited 0
        for (String subcommand : List.of("chat", "send", "listen", "notify")) {
            out.getBuffer().setLength(0);

            assertThat(commandLine().execute(subcommand, "--version"))
                    .as(subcommand)
                    .isZero();

            assertThat(out.toString())
                    .as(subcommand)
                    .isEqualToIgnoringNewLines("switchboard (version unknown: not run from switchboard-cli.jar)");
        }
    }

    @Test
    void missingUrl_isAUsageError_namingTheEnvironmentVariableThatAlsoGivesIt() {
        assumeTrue(System.getenv("SWITCHBOARD_URL") == null, "SWITCHBOARD_URL is set here: --url is not missing");

        int code = commandLine().execute("send", "--user", "dave", "--room", "lobby", "hi");

        assertThat(code).isEqualTo(CommandLine.ExitCode.USAGE);
        assertThat(err.toString())
                .contains("Missing required option: '--url=<url>'")
                .contains("(or set the environment variable SWITCHBOARD_URL for --url)");
    }

    @Test
    void noCredentials_isAUsageError_namingTheTokenVariableToo() {
        assertThatThrownBy(() -> Connection.endpoint("ws://127.0.0.1:9/local", null, null))
                .isInstanceOf(CliException.class)
                .hasMessageContaining("--user NAME")
                .hasMessageContaining("--token JWT")
                .hasMessageContaining("SWITCHBOARD_TOKEN");
    }

    @Test
    void chatHelp_listsEachChatCommandWholeOnALineOfItsOwn_within80Columns() {
        CommandLine commandLine = commandLine();
        commandLine.setUsageHelpWidth(80);

        assertThat(commandLine.execute("chat", "--help")).isZero();

        List<String> lines = out.toString().lines().toList();
        assertThat(lines).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(80));
        assertThat(lines)
                .as("the --url examples are not split")
                .anyMatch(line -> line.contains("ws://localhost:8080/local"))
                .anyMatch(line -> line.contains("wss://API_ID.execute-api.REGION.amazonaws.com/prod"));
        for (String command : List.of(
                "/join ROOM",
                "/leave [ROOM]",
                "/rooms",
                "/who [ROOM]",
                "/dm USER TEXT",
                "/history [N]",
                "/inbox [N]",
                "/edit TEXT",
                "/delete",
                "/quit",
                "/help")) {
            assertThat(lines)
                    .as(command + " starts a line of its own, with its arguments")
                    .filteredOn(line -> line.stripLeading().startsWith(command + " "))
                    .hasSize(1);
        }
    }
}
