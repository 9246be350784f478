package dev.switchboard.local;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.switchboard.protocol.Durations;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code java -jar switchboard-local.jar}: the local cloud from the command line. */
@Command(
        name = "switchboard-local",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Runs Switchboard on this machine: API Gateway WebSocket API, the template's functions, "
                + "DynamoDB Local and an SNS endpoint, all configured from template.yaml.",
        subcommands = Main.Token.class)
public final class Main implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard.local");
    /**
     * What a flag that is not given means: {@link LocalCloudOptions.Builder}'s default, the one place it is
     * set (picocli shows a field's initial value as its {@code ${DEFAULT-VALUE}}). Only the ports differ:
     * the command line listens on fixed, documented ports, the library on free ones.
     */
    private static final LocalCloudOptions DEFAULTS =
            LocalCloudOptions.builder().build();

    @Spec
    CommandSpec spec;

    @Option(
            names = "--port",
            defaultValue = "8080",
            description = "WebSocket API, @connections and chat page (0 = free port; default ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--stage", description = "API stage (default ${DEFAULT-VALUE})")
    String stage = DEFAULTS.stage();

    @Option(
            names = "--dynamodb-port",
            defaultValue = "8000",
            description = "DynamoDB Local port (default ${DEFAULT-VALUE})")
    int dynamoDbPort;

    @Option(
            names = "--sns-port",
            defaultValue = "9911",
            description = "SNS and SQS endpoint port (default ${DEFAULT-VALUE})")
    int snsPort;

    @Option(names = "--template", description = "SAM template (default ${DEFAULT-VALUE})")
    Path template = DEFAULTS.template();

    @Option(
            names = "--dev-auth",
            description =
                    "INSECURE: accept ?user=NAME without a token (demos only); "
                            + "every room is allowed unless the URL restricts it: ?user=bob&rooms=team-*:join:send,announcements:join:history")
    boolean devAuth;

    @Option(
            names = "--public-rooms",
            paramLabel = "PATTERNS",
            description = "room patterns anyone may join, send to and read without a rooms claim, comma-separated, "
                    + "exact or prefix* ('' = none; default: the template's PublicRooms, lobby)")
    String publicRooms;

    @Option(
            names = "--jwt-secret",
            defaultValue = "${env:SWITCHBOARD_JWT_SECRET}",
            description = "HS256 secret for client tokens (default: env SWITCHBOARD_JWT_SECRET)")
    String jwtSecret;

    @Option(names = "--dynamodb-data", description = "persist DynamoDB data in this directory (default: in memory)")
    Path dynamoDbData;

    @Option(
            names = "--idle-timeout",
            description = "idle connection timeout, e.g. 30s, 10m or ISO-8601 (default ${DEFAULT-VALUE})")
    Duration idleTimeout = DEFAULTS.idleTimeout();

    @Option(
            names = "--max-connection-age",
            description = "maximum connection age, e.g. 2m, 2h or ISO-8601 (default ${DEFAULT-VALUE})")
    Duration maxAge = DEFAULTS.maxConnectionAge();

    @Option(names = "--throttle", description = "enforce the stage's throttling limits from the template (default off)")
    boolean throttle;

    @Option(
            names = "--max-connections-per-user",
            paramLabel = "N",
            description =
                    "live connections one user may hold, more are refused with 429 (0 = no cap; default: the template's "
                            + "MaxConnectionsPerUser, 10)")
    Integer maxConnectionsPerUser;

    @Option(
            names = "--in-process",
            description = "run functions inside this JVM instead of as one process per instance on AWS's runtime "
                    + "interface client (faster to start; not Lambda's lifecycle: see docs/LOCAL.md)")
    boolean inProcess;

    @Option(
            names = "--host",
            paramLabel = "ADDRESS",
            description = "listen on this address instead of loopback only (0.0.0.0 = every interface). "
                    + "Anyone who can reach it can connect (as anyone, with --dev-auth), read the table and post to "
                    + "any connection; prints a warning")
    String host;

    @Option(
            names = "--serial-dispatch",
            description = "handle each connection's frames one at a time, in order (debugging only: API Gateway "
                    + "runs them concurrently, so clients must not depend on order; default off)")
    boolean serialDispatch;

    @Option(
            names = "--env",
            paramLabel = "NAME=VALUE",
            description = "set a variable for every function, winning over the template (repeatable), "
                    + "e.g. --env SWITCHBOARD_SEND_RATE_PER_SECOND=0 for load tests")
    java.util.Map<String, String> env = new java.util.LinkedHashMap<>();

    @Option(
            names = "--regions",
            split = ",",
            paramLabel = "REGION,REGION",
            description =
                    "run the stack in several regions over one DynamoDB Local standing in for the global table, "
                            + "e.g. us-east-1,eu-west-1: a gateway, functions and SNS endpoint per region, the n-th (from 0) on "
                            + "--port + n and --sns-port + n (default: one region, us-east-1; see docs/LOCAL.md, \"Several regions\")")
    java.util.List<String> regions = new java.util.ArrayList<>();

    @Option(
            names = "--replication-lag",
            paramLabel = "DURATION",
            description = "with --regions: give each region its own DynamoDB Local (its replica of the global table, "
                    + "the n-th on --dynamodb-port + n) and copy each write to the other regions no sooner than this "
                    + "after it, last writer wins, e.g. 1s, 500ms or ISO-8601 (AWS: typically under a second; default: one "
                    + "DynamoDB Local for every region, no lag; see docs/LOCAL.md, \"Several regions\")")
    Duration replicationLag;

    @Option(
            names = "--metrics-every",
            defaultValue = "PT10S",
            description =
                    "print a one-line summary of the functions' metrics and the AWS cost so far this often, when "
                            + "something changed, e.g. 10s, 1m or ISO-8601; 0s = never (the JSON is at /_local/metrics) (default ${DEFAULT-VALUE})")
    Duration metricsEvery;

    public static void main(String[] args) {
        System.exit(commandLine(new Main()).execute(args));
    }

    /**
     * The configured command line: a start-up failure a user can cause (port in use, missing template,
     * bad flag value, no auth mode) is one line naming what to change, never a stack trace. Every
     * {@link Duration} option (subcommands included) reads {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}
     * or ISO-8601, through the reader the CLI uses ({@link Durations#parse}).
     */
    static CommandLine commandLine(Main main) {
        CommandLine commandLine = new CommandLine(main);
        commandLine.registerConverter(Duration.class, text -> {
            try {
                return Durations.parse(text);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        });
        commandLine.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine()
                    .getErr()
                    .println("switchboard-local: " + e.getMessage() + " (see switchboard-local --help)");
            return 2;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            LOG.debug("start-up failed", e);
            cmd.getErr().println("switchboard-local: " + StartupProblem.describe(e));
            return 1;
        });
        return commandLine;
    }

    @Override
    public Integer call() throws Exception {
        java.io.PrintWriter err = spec.commandLine().getErr();
        if (!devAuth && (jwtSecret == null || jwtSecret.isBlank()) && !env.containsKey("SWITCHBOARD_JWKS_URL")) {
            // Without either, the cloud would start and then refuse every connection.
            err.println("switchboard-local: choose how clients sign in: --dev-auth (insecure, anyone connects as"
                    + " ?user=NAME) or --jwt-secret SECRET / env SWITCHBOARD_JWT_SECRET (clients pass ?token=JWT, see"
                    + " `switchboard-local token --help`)");
            return 2;
        }
        if (jwtSecret != null && !jwtSecret.isBlank() && jwtSecret.getBytes(StandardCharsets.UTF_8).length < 32) {
            // RFC 7518 section 3.2: an HS256 key must be at least 256 bits; the verifier would refuse every token.
            err.println(
                    "switchboard-local: the JWT secret is " + jwtSecret.getBytes(StandardCharsets.UTF_8).length
                            + " bytes; HS256 needs at least 32 (e.g. export SWITCHBOARD_JWT_SECRET=\"$(openssl rand -base64 32)\")");
            return 2;
        }
        if (!template.toFile().isFile()) {
            err.println("switchboard-local: template not found: " + template.toAbsolutePath()
                    + " (run from the repository or pass --template PATH)");
            return 2;
        }
        java.util.Map<String, Integer> ports = new java.util.LinkedHashMap<>(
                java.util.Map.of("--port", port, "--dynamodb-port", dynamoDbPort, "--sns-port", snsPort));
        for (int i = 1; i < regions.size(); i++) {
            // the other regions' listeners, next to the first's
            ports.put("--port (+" + i + " for " + regions.get(i) + ")", port == 0 ? 0 : port + i);
            ports.put("--sns-port (+" + i + " for " + regions.get(i) + ")", snsPort == 0 ? 0 : snsPort + i);
            if (replicationLag != null) {
                ports.put(
                        "--dynamodb-port (+" + i + " for " + regions.get(i) + ")",
                        dynamoDbPort == 0 ? 0 : dynamoDbPort + i);
            }
        }
        if (replicationLag != null && regions.size() < 2) {
            err.println("switchboard-local: --replication-lag needs two or more --regions, e.g. --regions "
                    + "us-east-1,eu-west-1 --replication-lag 1s");
            return 2;
        }
        String busy = StartupProblem.busyPort(ports);
        if (busy != null) {
            err.println("switchboard-local: " + busy);
            return 2;
        }
        if (devAuth) {
            LOG.warn("*************************************************************************");
            LOG.warn("* --dev-auth: INSECURE. Anyone can connect as any user with ?user=NAME. *");
            LOG.warn("* A dev user may use EVERY room; restrict one with                      *");
            LOG.warn("*   ?user=bob&rooms=team-*:join:send,announcements:join:history         *");
            LOG.warn("*************************************************************************");
        }
        if (maxConnectionsPerUser != null) {
            env.put("SWITCHBOARD_MAX_CONNECTIONS_PER_USER", Integer.toString(maxConnectionsPerUser));
        }
        LocalCloudOptions options = LocalCloudOptions.builder()
                .template(template)
                .port(port)
                .stage(stage)
                .dynamoDbPort(dynamoDbPort)
                .snsPort(snsPort)
                .devAuth(devAuth)
                .jwtSecret(jwtSecret == null || jwtSecret.isBlank() ? null : jwtSecret)
                .dynamoDbData(dynamoDbData)
                .idleTimeout(idleTimeout)
                .maxConnectionAge(maxAge)
                .throttling(throttle)
                .publicRooms(publicRooms)
                .serialDispatch(serialDispatch)
                .host(host)
                .environment(env)
                .functionMode(
                        inProcess ? LocalCloudOptions.FunctionMode.IN_PROCESS : LocalCloudOptions.FunctionMode.PROCESS)
                .build();
        if (!regions.isEmpty()) {
            return runRegions(options);
        }
        LocalCloud cloud = LocalCloud.start(options);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            LOG.info("stopping: every open connection gets its $disconnect");
                            cloud.close();
                            stopped.countDown();
                        },
                        "shutdown"));
        System.out.println();
        System.out.println("Switchboard local cloud is ready (stage " + stage + ")");
        System.out.println(cloud.describe());
        System.out.println("Stop with Ctrl-C.");
        System.out.flush();
        if (!metricsEvery.isZero() && !metricsEvery.isNegative()) {
            printSummaries(cloud, stopped);
        }
        stopped.await();
        return 0;
    }

    /** {@code --regions}: a cloud per region over one DynamoDB Local, until stopped. */
    private int runRegions(LocalCloudOptions options) throws Exception {
        LocalRegions clouds;
        try {
            clouds = LocalRegions.start(regions.stream().map(String::trim).toList(), options, replicationLag);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("switchboard-local: " + e.getMessage());
            return 2;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            LOG.info("stopping every region: every open connection gets its $disconnect");
                            clouds.close();
                            stopped.countDown();
                        },
                        "shutdown"));
        System.out.println();
        System.out.println(
                "Switchboard local cloud is ready in " + clouds.regions().size() + " regions (stage " + stage + ")");
        System.out.println(clouds.describe());
        System.out.println("Stop with Ctrl-C.");
        System.out.flush();
        stopped.await();
        return 0;
    }

    /** Every {@code --metrics-every}, the summary line when the functions emitted or the gateway saw something new. */
    private void printSummaries(LocalCloud cloud, CountDownLatch stopped) {
        Thread printer = new Thread(
                () -> {
                    long seen = -1;
                    try {
                        while (!stopped.await(metricsEvery.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                            long now = cloud.metrics().records() + cloud.usage().apiMessages();
                            if (now != seen && now > 0) {
                                seen = now;
                                System.out.println(cloud.readout().summary(System.currentTimeMillis()));
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "metrics-summary");
        printer.setDaemon(true);
        printer.start();
    }

    /**
     * {@code --version}: the {@code Implementation-Version} of the jar it runs from (written by the build from the
     * project version, local/pom.xml), as the CLI's {@code --version} does, so it cannot drift from the build. Run
     * from classes (an IDE, tests) there is no manifest: it says so.
     */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return version(Main.class.getPackage().getImplementationVersion());
        }

        /** The version line for a manifest's {@code Implementation-Version} (null: not run from the jar). */
        static String[] version(String implementationVersion) {
            return new String[] {
                implementationVersion == null
                        ? "switchboard-local (version unknown: not run from switchboard-local.jar)"
                        : "switchboard-local " + implementationVersion
            };
        }
    }

    /** Prints an HS256 token for a user, for wscat and the CLI client. */
    @Command(
            name = "token",
            mixinStandardHelpOptions = true,
            description = "Print an HS256 JWT (sub=USER, expires in 1 h unless --lifetime)")
    static final class Token implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Option(names = "--user", required = true, description = "user id (the sub claim)")
        String user;

        // Not `required`: picocli's "Missing required option" would name the flag but not the variable.
        @Option(
                names = "--jwt-secret",
                defaultValue = "${env:SWITCHBOARD_JWT_SECRET}",
                description = "HS256 secret, at least 32 bytes (default: env SWITCHBOARD_JWT_SECRET)")
        String secret;

        @Option(
                names = "--admin",
                description = "add the admin claim: may use the broadcast action (to a room, a user or everyone)")
        boolean admin;

        @Option(
                names = "--rooms",
                paramLabel = "GRANTS",
                description =
                        "add the rooms claim, in the short form team-*:join:send,announcements:join:history "
                                + "(a pattern alone grants join, send and history); without it the token may use public rooms only")
        String rooms;

        @Option(names = "--name", description = "add the name claim (display name)")
        String name;

        @Option(
                names = "--lifetime",
                defaultValue = "PT1H",
                description = "token lifetime, e.g. 90s, 1h or ISO-8601 (default ${DEFAULT-VALUE})")
        Duration lifetime;

        @Override
        public Integer call() {
            java.io.PrintWriter err = spec.commandLine().getErr();
            if (secret == null || secret.isBlank()) {
                err.println("switchboard-local token: no secret to sign with: pass --jwt-secret SECRET or set the"
                        + " environment variable SWITCHBOARD_JWT_SECRET, the secret the local cloud verifies tokens"
                        + " with (at least 32 bytes)");
                return 2;
            }
            try {
                spec.commandLine()
                        .getOut()
                        .println(token(user, secret, admin, lifetime, rooms == null ? null : roomsClaim(rooms), name));
                return 0;
            } catch (JOSEException e) {
                err.println("switchboard-local token: cannot sign: " + e.getMessage()
                        + " (the secret, --jwt-secret or SWITCHBOARD_JWT_SECRET, must be at least 32 bytes)");
                return 2;
            }
        }
    }

    /**
     * The rooms claim from its short form ({@code team-*:join:send,lobby}: a pattern alone grants all
     * three permissions). Not validated here: the functions refuse a bad claim at {@code $connect}
     * with a 403 naming the problem, as they would a bad claim from any issuer.
     */
    static Map<String, java.util.List<String>> roomsClaim(String spec) {
        Map<String, java.util.List<String>> claim = new java.util.LinkedHashMap<>();
        for (String entry : spec.split(",")) {
            String[] parts = entry.trim().split(":");
            claim.put(
                    parts[0],
                    parts.length == 1
                            ? java.util.List.of("join", "send", "history")
                            : java.util.List.of(parts).subList(1, parts.length));
        }
        return claim;
    }

    static String token(String user, String secret, boolean admin, Duration lifetime) throws JOSEException {
        return token(user, secret, admin, lifetime, null, null);
    }

    /** An HS256 token; {@code rooms} (the rooms claim) and {@code name} are left out when null. */
    static String token(
            String user,
            String secret,
            boolean admin,
            Duration lifetime,
            Map<String, java.util.List<String>> rooms,
            String name)
            throws JOSEException {
        Instant now = Instant.now();
        JWTClaimsSet.Builder claims = new JWTClaimsSet.Builder()
                .subject(user)
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plus(lifetime)));
        if (admin) {
            claims.claim("admin", true);
        }
        if (rooms != null) {
            claims.claim("rooms", rooms);
        }
        if (name != null) {
            claims.claim("name", name);
        }
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims.build());
        jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }
}
