package dev.switchboard.tests.docs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.switchboard.local.LocalCloud;
import dev.switchboard.tests.e2e.LocalCloudExtension;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every shell block in README.md and docs/*.md is either run here ({@code ```bash runnable}) or says
 * why not ({@code ```bash norun: REASON}); a {@code ```text output} block under a bash block is what
 * it prints. The convention is in docs/CONTRIBUTING.md ("Docs that run").
 */
class DocsCommandsTest {

    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Duration BLOCK_TIMEOUT = Duration.ofSeconds(60);
    static final Duration SERVER_START_TIMEOUT = Duration.ofMinutes(3);
    /** What runnable blocks get as SWITCHBOARD_JWT_SECRET; the cloud verifies tokens with it. */
    static final String JWT_SECRET = "docs-test-secret-of-at-least-32-bytes!!";

    static final Set<String> SHELL = Set.of("bash", "sh", "shell", "console", "zsh");
    /** External tools a block may need, and how to get them; a block that needs a missing one is skipped, saying which. */
    static final Map<String, String> TOOLS = Map.of(
            "wscat", "npm install -g wscat@6.1.0",
            "aws", "apt-get install awscli");

    @RegisterExtension
    static final LocalCloudExtension local =
            LocalCloudExtension.with(b -> b.devAuth(true).jwtSecret(JWT_SECRET));

    @TempDir
    static Path scratch;

    /**
     * One connection and a ping ({@link LocalCloudExtension#warmUp}), so the functions are warm before the first block: the
     * wscat script's timings are a reader's on a running cloud, not a cold start on a loaded machine.
     */
    @BeforeAll
    static void warmUp() {
        local.warmUp(URI.create(local.cloud().webSocketUri() + "?user=docs-warmup"));
    }

    /** A fenced block: the file, the line of its opening fence, the info string's words, the content. */
    record Block(String file, int line, String lang, String marker, String text) {
        String where() {
            return file + ":" + line;
        }

        boolean shell() {
            return SHELL.contains(lang);
        }

        boolean runnable() {
            return shell() && marker.equals("runnable");
        }

        boolean norun() {
            return shell() && marker.matches("norun:\\s*\\S.*");
        }

        boolean output() {
            return lang.equals("text") && marker.equals("output");
        }

        /** The command lines, without comments and blank lines, continuation lines joined. */
        List<String> commands() {
            List<String> commands = new ArrayList<>();
            StringBuilder current = new StringBuilder();
            for (String l : text.split("\n")) {
                String t = l.strip();
                if (current.isEmpty() && (t.isEmpty() || t.startsWith("#"))) {
                    continue;
                }
                if (t.endsWith("\\")) {
                    current.append(t, 0, t.length() - 1);
                } else {
                    commands.add(current.append(t).toString());
                    current.setLength(0);
                }
            }
            return commands;
        }

        /** A norun block that starts the local cloud in the foreground: its output block is its banner. */
        boolean localCloudServer() {
            List<String> commands = commands();
            return norun() && commands.size() == 1 && commands.get(0).matches("bin/switchboard-local( --[a-z-]+)*");
        }
    }

    /** A shell block and the output block under it, if any. */
    record Example(Block command, Block output) {
        String name() {
            List<String> commands = command.commands();
            return command.where() + "  " + (commands.isEmpty() ? "" : commands.get(0));
        }
    }

    static List<Path> docs() throws IOException {
        assertThat(ROOT.resolve("README.md"))
                .as("repository root (tests run from tests/)")
                .isRegularFile();
        List<Path> docs = new ArrayList<>();
        docs.add(ROOT.resolve("README.md"));
        try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
            files.filter(f -> f.getFileName().toString().endsWith(".md"))
                    .sorted()
                    .forEach(docs::add);
        }
        return docs;
    }

    /** A shell loop with no bound: a reader's terminal (and this test) would hang on a lost message. */
    static final Pattern UNBOUNDED_WAIT =
            Pattern.compile("(^|[;&|\\s])(until\\s|while\\s+(true|:)\\b)", Pattern.MULTILINE);

    static final Pattern FENCE = Pattern.compile("^\\s{0,3}(`{3,}|~{3,})\\s*([^`]*)$");

    /** The fenced blocks of one Markdown file (CommonMark fences: a longer fence can contain shorter ones). */
    static List<Block> blocks(Path file) throws IOException {
        String name = ROOT.relativize(file).toString();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher open = FENCE.matcher(lines.get(i));
            if (!open.matches()) {
                continue;
            }
            String fence = open.group(1);
            String info = open.group(2).strip();
            String lang = info.isEmpty() ? "" : info.split("\\s+", 2)[0].toLowerCase();
            String marker = info.length() > lang.length()
                    ? info.substring(lang.length()).strip()
                    : "";
            StringBuilder text = new StringBuilder();
            int j = i + 1;
            while (j < lines.size()
                    && !lines.get(j)
                            .strip()
                            .matches(Pattern.quote(fence.substring(0, 1)) + "{" + fence.length() + ",}")) {
                text.append(lines.get(j)).append('\n');
                j++;
            }
            if (j == lines.size()) {
                fail(name + ":" + (i + 1) + ": this fence is never closed");
            }
            blocks.add(new Block(name, i + 1, lang, marker, text.toString()));
            i = j;
        }
        return blocks;
    }

    /** Shell blocks with their output blocks; collects what breaks the convention into {@code problems}. */
    static List<Example> examples(List<String> problems) throws IOException {
        List<Example> examples = new ArrayList<>();
        for (Path doc : docs()) {
            Block previous = null;
            for (Block block : blocks(doc)) {
                if (block.lang().isEmpty()) {
                    problems.add(block.where()
                            + ": a fence without a language — name it (bash runnable, bash norun: REASON, "
                            + "text, json, java...) so no command hides in an unchecked block");
                } else if (block.shell()) {
                    if (!block.runnable() && !block.norun()) {
                        problems.add(block.where() + ": ```" + (block.lang() + " " + block.marker()).strip()
                                + " — mark it `" + block.lang() + " runnable` (the docs test runs it) or `"
                                + block.lang() + " norun: REASON` (see docs/CONTRIBUTING.md)");
                    }
                    if (UNBOUNDED_WAIT
                            .matcher(String.join("\n", block.commands()))
                            .find()) {
                        problems.add(block.where()
                                + ": an `until`/`while true` loop waits for ever if what it waits for never"
                                + " comes — bound it (e.g. `for _ in $(seq 150); do ... && break; sleep 0.2; done`)");
                    }
                    examples.add(new Example(block, null));
                } else if (block.output()) {
                    Example last = examples.isEmpty() ? null : examples.get(examples.size() - 1);
                    if (previous == null || last == null || last.command() != previous || last.output() != null) {
                        problems.add(
                                block.where() + ": ```text output must come right after the bash block it belongs to");
                    } else if (!previous.runnable() && !previous.localCloudServer()) {
                        problems.add(
                                block.where() + ": output of " + previous.where()
                                        + ", which is not run: nothing would check it (mark the command runnable, or make it plain ```text)");
                    } else {
                        examples.set(examples.size() - 1, new Example(previous, block));
                    }
                }
                previous = block;
            }
        }
        return examples;
    }

    @Test
    void everyShellBlock_isRunnableOrSaysWhyNot_andEveryOutputShownIsChecked() throws IOException {
        List<String> problems = new ArrayList<>();
        List<Example> examples = examples(problems);
        assertThat(problems)
                .as("README.md and docs/*.md against the convention in docs/CONTRIBUTING.md")
                .isEmpty();
        assertThat(examples).as("shell blocks found").isNotEmpty();
        assertThat(examples)
                .as("runnable blocks found")
                .anyMatch(e -> e.command().runnable());
    }

    /**
     * Every runnable block and every typed wscat session, in the docs' order against one cloud, as a
     * reader goes through them: what one example leaves behind (a room joined, a clientMsgId used) is
     * there for the next. Typed sessions are replayed line by line, like a person typing.
     */
    @TestFactory
    Stream<DynamicTest> runnableBlocks_runAsWritten() throws IOException {
        return examples(new ArrayList<>()).stream()
                .filter(e ->
                        e.command().runnable() || TypedSession.of(e.command()).isPresent())
                .map(e -> DynamicTest.dynamicTest(e.name(), () -> {
                    if (e.command().runnable()) {
                        runBlock(e);
                    } else {
                        replay(e.command(), TypedSession.of(e.command()).orElseThrow());
                    }
                }));
    }

    /**
     * An interactive block showing a wscat session: {@code wscat -c 'URL'}, then lines typed
     * ({@code > frame}) and received ({@code < frame}).
     */
    record TypedSession(String url, List<String> lines) {
        static final Pattern WSCAT = Pattern.compile("wscat -c '([^']+)'");

        static java.util.Optional<TypedSession> of(Block block) {
            if (!block.norun() || !block.marker().contains("interactive")) {
                return java.util.Optional.empty();
            }
            List<String> lines = block.text()
                    .lines()
                    .map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                    .toList();
            Matcher wscat = lines.isEmpty() ? null : WSCAT.matcher(lines.get(0));
            List<String> rest = lines.isEmpty() ? List.of() : lines.subList(1, lines.size());
            if (wscat == null
                    || !wscat.matches()
                    || rest.isEmpty()
                    || !rest.stream().allMatch(l -> l.startsWith("> ") || l.startsWith("< "))) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(new TypedSession(wscat.group(1), rest));
        }
    }

    /**
     * Types each {@code >} line once every {@code <} line shown above it has arrived (a person reads
     * the answer before typing on); frames not shown (others' presence) are passed over.
     */
    void replay(Block block, TypedSession session) throws Exception {
        LocalCloud cloud = local.cloud();
        Map<String, Integer> ports = Map.of(
                "8080",
                cloud.port(),
                "8000",
                cloud.dynamoDbEndpoint().getPort(),
                "9911",
                cloud.snsEndpoint().getPort());
        java.util.concurrent.BlockingQueue<String> received = new java.util.concurrent.LinkedBlockingQueue<>();
        List<String> seen = new ArrayList<>();
        WebSocket socket = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .buildAsync(URI.create(localize(session.url(), ports)), new WebSocket.Listener() {
                    private final StringBuilder partial = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                        partial.append(data);
                        if (last) {
                            received.add(partial.toString());
                            partial.setLength(0);
                        }
                        ws.request(1);
                        return null;
                    }
                })
                .get(30, TimeUnit.SECONDS);
        try {
            for (String line : session.lines()) {
                String frame = line.substring(2);
                if (line.startsWith("> ")) {
                    socket.sendText(frame, true).get(10, TimeUnit.SECONDS);
                    continue;
                }
                Pattern expected = linePattern(frame);
                long deadline = System.nanoTime() + BLOCK_TIMEOUT.toNanos();
                String match = null;
                while (match == null && System.nanoTime() < deadline) {
                    String next = received.poll(100, TimeUnit.MILLISECONDS);
                    if (next != null) {
                        seen.add(next);
                        match = expected.matcher(next).matches() ? next : null;
                    }
                }
                assertThat(match)
                        .as("%s: typed in order, the session shows %s; received: %s", block.where(), frame, seen)
                        .isNotNull();
            }
        } finally {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
        }
    }

    @TestFactory
    Stream<DynamicTest> localCloudCommand_startsAndPrintsTheBannerShown() throws IOException {
        List<Example> servers = examples(new ArrayList<>()).stream()
                .filter(e -> e.command().localCloudServer() && e.output() != null)
                .toList();
        assertThat(servers)
                .as("the README shows `bin/switchboard-local --dev-auth` and what it prints")
                .isNotEmpty();
        return servers.stream().map(e -> DynamicTest.dynamicTest(e.name(), () -> runServer(e)));
    }

    // ---- running blocks

    void runBlock(Example example) throws Exception {
        Block block = example.command();
        assumeToolsPresent(block);
        LocalCloud cloud = local.cloud();
        Map<String, Integer> ports = Map.of(
                "8080",
                cloud.port(),
                "8000",
                cloud.dynamoDbEndpoint().getPort(),
                "9911",
                cloud.snsEndpoint().getPort());
        String script = localize(block.text(), ports);
        Run run = run(script, BLOCK_TIMEOUT);
        String report = "\n--- " + block.where() + " ran (ports replaced):\n" + script + run.report();
        assertThat(run.timedOut())
                .as("finished within %s s%s", BLOCK_TIMEOUT.toSeconds(), report)
                .isFalse();
        assertThat(run.exitCode()).as("exit code%s", report).isZero();
        if (example.output() != null) {
            assertOutput(example.output(), localize(example.output().text(), ports), run.out(), report);
        }
    }

    void runServer(Example example) throws Exception {
        int[] free = freePorts(3);
        Map<String, Integer> ports = Map.of("8080", free[0], "8000", free[1], "9911", free[2]);
        String command = example.command().commands().get(0) + " --port " + free[0] + " --dynamodb-port " + free[1]
                + " --sns-port " + free[2];
        Path err = Files.createTempFile(scratch, "server", ".err");
        ProcessBuilder builder = new ProcessBuilder("bash", "-euo", "pipefail", "-c", "exec " + command)
                .directory(ROOT.toFile())
                .redirectError(err.toFile());
        environment(builder.environment());
        Process server = builder.start();
        StringBuffer out = new StringBuffer();
        CountDownLatch ready = new CountDownLatch(1);
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader lines = new BufferedReader(
                            new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line; (line = lines.readLine()) != null; ) {
                            out.append(line).append('\n');
                            if (line.startsWith("Stop with Ctrl-C")) {
                                ready.countDown();
                            }
                        }
                    } catch (IOException e) {
                        // the process is gone; what it printed is in out
                    } finally {
                        ready.countDown();
                    }
                },
                "docs-server-output");
        reader.setDaemon(true);
        reader.start();
        try {
            boolean started = ready.await(SERVER_START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            String report = "\n--- " + example.command().where() + " ran: " + command + "\n--- stdout:\n" + out
                    + "--- stderr (tail):\n" + tail(Files.readString(err), 40);
            assertThat(started)
                    .as("ready within %s s%s", SERVER_START_TIMEOUT.toSeconds(), report)
                    .isTrue();
            assertThat(server.isAlive())
                    .as("still running once ready%s", report)
                    .isTrue();
            assertOutput(example.output(), localize(example.output().text(), ports), out.toString(), report);
        } finally {
            server.destroy(); // SIGTERM: the shutdown hook stops the cloud
            if (!server.waitFor(30, TimeUnit.SECONDS)) {
                server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    record Run(int exitCode, boolean timedOut, String out, String err) {
        String report() {
            return "\n--- stdout:\n" + out + "--- stderr:\n" + tail(err, 60);
        }
    }

    /**
     * Runs a script as a reader's terminal would: bash with -euo pipefail, from the repository root,
     * standard input open (wscat quits when it closes). Whatever the script left running is stopped.
     */
    static Run run(String script, Duration timeout) throws Exception {
        Path out = Files.createTempFile(scratch, "block", ".out");
        Path err = Files.createTempFile(scratch, "block", ".err");
        ProcessBuilder builder = new ProcessBuilder("bash", "-euo", "pipefail", "-c", script)
                .directory(ROOT.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        environment(builder.environment());
        Process process = builder.start();
        Set<ProcessHandle> children = new LinkedHashSet<>();
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean finished = false;
        while (!finished && System.nanoTime() < deadline) {
            process.descendants().forEach(children::add);
            finished = process.waitFor(100, TimeUnit.MILLISECONDS);
        }
        if (!finished) {
            process.descendants().forEach(children::add);
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (ProcessHandle child : children) {
            if (child.isAlive()) {
                child.destroyForcibly();
            }
        }
        process.getOutputStream().close();
        return new Run(finished ? process.exitValue() : -1, !finished, Files.readString(out), Files.readString(err));
    }

    /**
     * A fresh machine's environment, as far as the docs' commands can tell: no AWS credentials,
     * profile, region or config files (so a command against the local cloud carries its own dummy
     * credentials, and one that forgot --endpoint-url cannot reach a real account).
     */
    static void environment(Map<String, String> env) {
        env.keySet().removeIf(k -> k.startsWith("AWS_") || k.startsWith("SWITCHBOARD_"));
        env.put("AWS_CONFIG_FILE", scratch.resolve("no-aws-config").toString());
        env.put(
                "AWS_SHARED_CREDENTIALS_FILE",
                scratch.resolve("no-aws-credentials").toString());
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        env.put("AWS_PAGER", "");
        env.put("SWITCHBOARD_JWT_SECRET", JWT_SECRET);
        env.put("TMPDIR", scratch.toString()); // mktemp's files go with the test's temporary directory
    }

    static void assumeToolsPresent(Block block) {
        String code = String.join("\n", block.commands());
        List<String> missing = new ArrayList<>();
        TOOLS.forEach((tool, install) -> {
            if (Pattern.compile("(^|[\\s|;&(`])" + tool + "\\s").matcher(code).find() && !onPath(tool)) {
                missing.add(tool + " (" + install + ")");
            }
        });
        if (!missing.isEmpty()) {
            String why =
                    block.where() + " needs " + String.join(" and ", missing) + ", not on PATH; .ci/run installs it";
            System.out.println("SKIPPED " + why);
            Assumptions.abort(why);
        }
    }

    static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    // ---- the docs' ports and expected output

    static final Pattern DEFAULT_PORT = Pattern.compile("\\b(localhost|127\\.0\\.0\\.1):(8080|8000|9911)\\b");

    /** The docs' default ports (8080 API, 8000 DynamoDB, 9911 SNS) replaced by the running cloud's. */
    static String localize(String text, Map<String, Integer> ports) {
        return DEFAULT_PORT.matcher(text).replaceAll(m -> m.group(1) + ":" + ports.get(m.group(2)));
    }

    /** Values that differ from run to run: "...", message ids (ULID), UUIDs, timestamps and other long numbers. */
    static final Pattern VARIABLE = Pattern.compile(
            "\\.\\.\\.|\\b[0-9A-HJKMNP-TV-Z]{26}\\b|\\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\b|\\b\\d{10,}\\b");

    static Pattern linePattern(String expected) {
        StringBuilder regex = new StringBuilder();
        Matcher m = VARIABLE.matcher(expected);
        int at = 0;
        while (m.find()) {
            regex.append(Pattern.quote(expected.substring(at, m.start())));
            String v = m.group();
            regex.append(
                    v.equals("...")
                            ? ".*?"
                            : v.contains("-")
                                    ? "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
                                    : v.matches("\\d+") ? "\\d{10,}" : "[0-9A-HJKMNP-TV-Z]{26}");
            at = m.end();
        }
        regex.append(Pattern.quote(expected.substring(at)));
        return Pattern.compile(regex.toString());
    }

    /** Each line shown must match a line of the output (its own: a line shown twice must be printed twice), in any order. */
    static void assertOutput(Block shown, String expected, String actual, String report) {
        List<String> remaining =
                new ArrayList<>(actual.lines().map(String::strip).toList());
        List<String> missing = new ArrayList<>();
        for (String line :
                expected.lines().map(String::strip).filter(l -> !l.isEmpty()).toList()) {
            Pattern p = linePattern(line);
            int found = -1;
            for (int i = 0; i < remaining.size() && found < 0; i++) {
                if (p.matcher(remaining.get(i)).matches()) {
                    found = i;
                }
            }
            if (found < 0) {
                missing.add(line);
            } else {
                remaining.remove(found);
            }
        }
        assertThat(missing)
                .as("lines of the output shown at %s that were not printed%s", shown.where(), report)
                .isEmpty();
    }

    static int[] freePorts(int n) throws IOException {
        ServerSocket[] sockets = new ServerSocket[n];
        try {
            int[] ports = new int[n];
            for (int i = 0; i < n; i++) {
                sockets[i] = new ServerSocket(0);
                ports[i] = sockets[i].getLocalPort();
            }
            return ports;
        } finally {
            for (ServerSocket s : sockets) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    static String tail(String text, int lines) {
        List<String> all = text.lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())) + "\n";
    }
}
