package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.SignedJWT;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Date;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {
    private static final String SECRET = "0123456789abcdef0123456789abcdef";

    @Test
    void token_isHs256WithSubjectExpiryAndAdminClaim() throws Exception {
        SignedJWT jwt = SignedJWT.parse(Main.token("alice", SECRET, true, Duration.ofHours(1)));
        assertThat(jwt.verify(new MACVerifier(SECRET.getBytes(StandardCharsets.UTF_8))))
                .isTrue();
        assertThat(jwt.getJWTClaimsSet().getSubject()).isEqualTo("alice");
        assertThat(jwt.getJWTClaimsSet().getExpirationTime()).isAfter(new Date());
        assertThat(jwt.getJWTClaimsSet().getBooleanClaim("admin")).isTrue();
    }

    @Test
    void token_withoutAdmin_hasNoAdminClaim() throws Exception {
        SignedJWT jwt = SignedJWT.parse(Main.token("bob", SECRET, false, Duration.ofHours(1)));
        assertThat(jwt.getJWTClaimsSet().getClaim("admin")).isNull();
    }

    /** Exit code and standard error of one run of the command line; start-up must fail before serving. */
    private record Run(int exitCode, String err) {}

    private static Run run(String... args) {
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine(new Main());
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute(args);
        return new Run(code, err.toString());
    }

    @Test
    void start_refusesInOneLine_whenNoAuthModeIsChosen(@TempDir Path dir) throws Exception {
        Path template = java.nio.file.Files.writeString(dir.resolve("template.yaml"), "Resources: {}\n");
        Run run = run("--template", template.toString(), "--jwt-secret", "");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--dev-auth").contains("--jwt-secret").doesNotContain("Exception");
        assertThat(run.err().lines()).hasSize(1);
    }

    @Test
    void start_refusesInOneLine_whenTheSecretIsTooShortForHs256(@TempDir Path dir) throws Exception {
        Path template = java.nio.file.Files.writeString(dir.resolve("template.yaml"), "Resources: {}\n");
        Run run = run("--template", template.toString(), "--jwt-secret", "short");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("5 bytes").contains("at least 32");
    }

    @Test
    void start_namesTheTemplateFlag_whenTheTemplateIsMissing(@TempDir Path dir) {
        Run run = run("--dev-auth", "--template", dir.resolve("nope.yaml").toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("template not found").contains("--template");
        assertThat(run.err().lines()).hasSize(1);
    }

    @Test
    void start_namesWhereInTheTemplate_andHowToSeeDetails_whenAnIntrinsicIsNotResolved(@TempDir Path dir)
            throws Exception {
        Path template = java.nio.file.Files.writeString(dir.resolve("template.yaml"), """
                Resources:
                  ChatFunction:
                    Type: AWS::Serverless::Function
                    Properties:
                      Handler: x.Handler::handleRequest
                      Environment:
                        Variables:
                          ZONE: !Select [0, !GetAZs '']
                """);

        Run run = run(
                "--dev-auth",
                "--template",
                template.toString(),
                "--port",
                "0",
                "--sns-port",
                "0",
                "--dynamodb-port",
                "0");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err().lines()).hasSize(1);
        // the file, resource and property TemplateReader named were dropped for the innermost message
        assertThat(run.err())
                .contains(template.toString())
                .contains("ChatFunction")
                .contains("Fn::GetAZs")
                .contains("use a Parameter or a literal")
                // a -D flag given to bin/switchboard-local is refused as an unknown option: name the variable
                .contains("SWITCHBOARD_JAVA_OPTS=-Dswitchboard.log.level=DEBUG")
                .doesNotContain("Exception");
    }

    @Test
    void describe_skipsWrappersThatQuoteTheirCause_andKeepsOnesThatAddWhere() {
        IllegalArgumentException root = new IllegalArgumentException("Fn::Cidr is not resolved");
        Exception located =
                new IllegalArgumentException("t.yaml: Fn, property Environment: " + root.getMessage(), root);
        Exception quoting = new IllegalStateException(located); // message: "java.lang.IllegalArgumentException: ..."

        assertThat(StartupProblem.describe(quoting))
                .startsWith("could not start: t.yaml: Fn, property Environment: Fn::Cidr is not resolved (");
        assertThat(StartupProblem.describe(new IllegalStateException("starting SNS", root)))
                .startsWith("could not start: Fn::Cidr is not resolved (");
        assertThat(StartupProblem.describe(new IllegalStateException(new java.io.IOException())))
                .startsWith("could not start: IOException (");
    }

    @Test
    void start_namesThePortAndItsFlag_whenThePortIsInUse(@TempDir Path dir) throws Exception {
        Path template = java.nio.file.Files.writeString(dir.resolve("template.yaml"), "Resources: {}\n");
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(0));
            int port = taken.getLocalPort();
            Run run = run(
                    "--dev-auth",
                    "--template",
                    template.toString(),
                    "--port",
                    "0",
                    "--sns-port",
                    "0",
                    "--dynamodb-port",
                    Integer.toString(port));
            assertThat(run.exitCode()).isEqualTo(2);
            assertThat(run.err())
                    .contains("port " + port + " is already in use")
                    .contains("--dynamodb-port")
                    .doesNotContain("Exception");
            assertThat(run.err().lines()).hasSize(1);
        }
    }

    /** The CLI's duration forms (protocol's Durations): the same text means the same on both command lines. */
    @Test
    void durationFlags_readTheCliForms_asWellAsIso8601() {
        Main main = new Main();
        Main.commandLine(main)
                .parseArgs("--idle-timeout", "30s", "--max-connection-age", "PT2M", "--metrics-every", "0s");
        assertThat(main.idleTimeout).isEqualTo(Duration.ofSeconds(30));
        assertThat(main.maxAge).isEqualTo(Duration.ofMinutes(2));
        assertThat(main.metricsEvery).isZero();

        Main defaults = new Main();
        Main.commandLine(defaults).parseArgs();
        assertThat(defaults.idleTimeout).isEqualTo(Duration.ofMinutes(10));
        assertThat(defaults.maxAge).isEqualTo(Duration.ofHours(2));
    }

    /**
     * A flag not given means what the library's builder means (set there once, not again in the flags),
     * and --help says so.
     */
    @Test
    void flagsNotGiven_takeLocalCloudOptionsDefaults_andHelpShowsThem() {
        LocalCloudOptions library = LocalCloudOptions.builder().build();
        Main main = new Main();
        CommandLine commandLine = Main.commandLine(main);
        commandLine.parseArgs();

        assertThat(main.stage).isEqualTo(library.stage()).isEqualTo("local");
        assertThat(main.template).isEqualTo(library.template());
        assertThat(main.idleTimeout).isEqualTo(library.idleTimeout());
        assertThat(main.maxAge).isEqualTo(library.maxConnectionAge());
        // whitespace folded: picocli wraps long descriptions
        assertThat(commandLine.getUsageMessage().replaceAll("\\s+", " "))
                .contains("API stage (default local)")
                .contains("SAM template (default template.yaml)")
                .contains("(default PT10M)")
                .contains("(default PT2H)");
    }

    @Test
    void tokenLifetime_readsTheCliForms() throws Exception {
        CommandLine commandLine = Main.commandLine(new Main());
        StringWriter printed = new StringWriter();
        commandLine.setOut(new PrintWriter(printed, true));
        int code = commandLine.execute("token", "--user", "alice", "--jwt-secret", SECRET, "--lifetime", "90s");
        assertThat(code).isEqualTo(0);
        SignedJWT jwt = SignedJWT.parse(printed.toString().strip());
        long lifetime = (jwt.getJWTClaimsSet().getExpirationTime().getTime() - System.currentTimeMillis()) / 1000;
        assertThat(lifetime).as("exp about 90 s ahead").isBetween(30L, 90L);
    }

    @Test
    void tokenWithoutASecret_saysBothWaysToGiveIt_inOneLine() {
        Run blank = run("token", "--user", "alice", "--jwt-secret", "");
        assertThat(blank.exitCode()).isEqualTo(2);
        assertThat(blank.err()).contains("--jwt-secret").contains("SWITCHBOARD_JWT_SECRET");
        assertThat(blank.err().lines()).hasSize(1);

        if (System.getenv("SWITCHBOARD_JWT_SECRET") == null) { // else the variable gives the secret
            Run absent = run("token", "--user", "alice");
            assertThat(absent.exitCode()).isEqualTo(2);
            assertThat(absent.err()).contains("--jwt-secret").contains("SWITCHBOARD_JWT_SECRET");
        }

        Run tooShort = run("token", "--user", "alice", "--jwt-secret", "short");
        assertThat(tooShort.exitCode()).isEqualTo(2);
        assertThat(tooShort.err()).contains("at least 32 bytes").contains("SWITCHBOARD_JWT_SECRET");
    }

    @Test
    void badDuration_isOneLineShowingTheAcceptedForms() {
        Run run = run("--dev-auth", "--idle-timeout", "10");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err())
                .contains("--idle-timeout")
                .contains("'10' is not a duration: write it like 500ms, 30s, 2m, 1h or PT1M30S")
                .contains("--help");
        assertThat(run.err().lines()).hasSize(1);
    }

    @Test
    void version_comesFromTheManifest_andSaysSoWhenThereIsNone() {
        // was a literal "0.1.0" while the build said 0.1.0-SNAPSHOT; the jar's own version is checked by
        // tests' JarVersionTest
        assertThat(Main.Version.version("1.2.3")).containsExactly("switchboard-local 1.2.3");
        StringWriter out = new StringWriter();
        CommandLine commandLine = Main.commandLine(new Main());
        commandLine.setOut(new PrintWriter(out, true));
        // run from classes here: no manifest, and --version says so through the command line's writer
        assertThat(commandLine.execute("--version")).isZero();
        assertThat(out.toString())
                .isEqualToIgnoringNewLines("switchboard-local (version unknown: not run from switchboard-local.jar)");
    }

    @Test
    void badFlagValue_isOneLinePointingToHelp() {
        Run run = run("--dev-auth", "--port", "eighty");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--port").contains("--help");
        assertThat(run.err().lines()).hasSize(1);
    }

    @Test
    void regions_thatAreNotRegionNamesOrRepeat_areRefusedInOneLine_beforeAnythingStarts(@TempDir Path dir)
            throws Exception {
        Path template = java.nio.file.Files.writeString(dir.resolve("template.yaml"), "Resources: {}\n");
        for (String[] regions : new String[][] {{"us-east-1,Mars"}, {"us-east-1,us-east-1"}}) {
            Run run = run(
                    "--dev-auth",
                    "--template",
                    template.toString(),
                    "--port",
                    "0",
                    "--sns-port",
                    "0",
                    "--dynamodb-port",
                    "0",
                    "--regions",
                    regions[0]);
            assertThat(run.exitCode()).as(regions[0]).isEqualTo(2);
            assertThat(run.err())
                    .as(regions[0])
                    .containsAnyOf("is not an AWS region name", "different regions")
                    .doesNotContain("Exception");
            assertThat(run.err().lines()).hasSize(1);
        }
    }

    @Test
    void regions_nameTheNextRegionsPorts_whenOneIsInUse(@TempDir Path dir) throws Exception {
        Path template = java.nio.file.Files.writeString(dir.resolve("template.yaml"), "Resources: {}\n");
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(0));
            int port = taken.getLocalPort();
            org.junit.jupiter.api.Assumptions.assumeTrue(
                    StartupProblem.busyPort(java.util.Map.of("--port", port - 1)) == null,
                    "the port below the taken one must be free for this test");
            // eu-west-1, the second region, would listen on --port + 1
            Run run = run(
                    "--dev-auth",
                    "--template",
                    template.toString(),
                    "--port",
                    Integer.toString(port - 1),
                    "--sns-port",
                    "0",
                    "--dynamodb-port",
                    "0",
                    "--regions",
                    "us-east-1,eu-west-1");
            assertThat(run.exitCode()).isEqualTo(2);
            assertThat(run.err())
                    .contains("port " + port + " is already in use")
                    .contains("eu-west-1");
        }
    }

    @Test
    void replicationLag_withoutTwoRegions_orNegative_isRefusedInOneLine_beforeAnythingStarts(@TempDir Path dir)
            throws Exception {
        Path template = java.nio.file.Files.writeString(dir.resolve("template.yaml"), "Resources: {}\n");
        String[][] cases = {
            {"--replication-lag", "1s"},
            {"--regions", "us-east-1", "--replication-lag", "1s"},
            {"--regions", "us-east-1,eu-west-1", "--replication-lag", "-1s"}
        };
        for (String[] flags : cases) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(
                    "--dev-auth", "--template", template.toString(), "--port", "0", "--sns-port", "0"));
            args.addAll(java.util.List.of("--dynamodb-port", "0"));
            args.addAll(java.util.List.of(flags));
            Run run = run(args.toArray(String[]::new));
            String described = String.join(" ", flags);
            assertThat(run.exitCode()).as(described).isEqualTo(2);
            assertThat(run.err()).as(described).contains("--replication-lag").doesNotContain("Exception");
            assertThat(run.err().lines()).as(described).hasSize(1);
        }
    }
}
