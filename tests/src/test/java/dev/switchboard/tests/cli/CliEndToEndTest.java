package dev.switchboard.tests.cli;

import static dev.switchboard.tests.cli.CliProcess.run;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.switchboard.cli.Main;
import dev.switchboard.local.LocalCloud;
import dev.switchboard.tests.cli.CliProcess.Run;
import dev.switchboard.tests.e2e.LocalCloudExtension;
import java.io.ByteArrayInputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The CLI against a real local cloud: exit codes and output, as a script or a person sees them. */
class CliEndToEndTest {

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.devAuth();

    static LocalCloud cloud;
    /** A wait for steps that may each start a function instance on a loaded machine. */
    static final Duration SLOW_START = Duration.ofMinutes(4);
    /** How long a chat may take to end after /quit. */
    static final Duration QUIT = Duration.ofSeconds(30);
    /**
     * A listener's {@code --timeout}: it ends after its {@code --count} messages, so this only bounds a failure, and
     * must outlast every step before its last message (each may start a function instance, each bounded by
     * {@link #SLOW_START}): a fixed 120 s ran out under load while the steps were still within theirs.
     */
    static final String LISTEN_TIMEOUT = "PT20M";
    /** A {@code send}'s wait for each answer (its default 10 s is a user's; a cold instance takes longer). */
    static final String SEND_TIMEOUT = "240s";

    static String url;

    @BeforeAll
    static void start() throws Exception {
        cloud = local.cloud();
        url = cloud.webSocketUri().toString();
        local.warmUp(); // the CLI gives up on a handshake after 30 s: a cold $connect took 10.6 s here, 69 s loaded
    }

    @Test
    void send_thenListenJson_roundTrip() throws Exception {
        CliProcess listening = CliProcess.start(
                "listen",
                "--url",
                url,
                "--user",
                "lisa",
                "--room",
                "cli",
                "--json",
                "--count",
                "2",
                "--timeout",
                LISTEN_TIMEOUT);
        await().atMost(SLOW_START).until(() -> inRoom("cli", "lisa"));
        // the default 10 s wait for the ack is a user's; a loaded machine's cold function instances need more
        Run first = run(
                "send", "--url", url, "--user", "sam", "--room", "cli", "--timeout", SEND_TIMEOUT, "hello", "script");
        Run second = run("send", "--url", url, "--user", "sam", "--room", "cli", "--timeout", SEND_TIMEOUT, "second");
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(second.exitCode()).as(second.err()).isZero();
        Run listened = listening.exit(SLOW_START);
        assertThat(listened.exitCode()).as(listened.err()).isZero();
        // what the README's script waits for before it sends
        assertThat(listened.err()).contains("switchboard: listening in cli");
        List<JsonObject> lines = listened.out()
                .lines()
                .map(l -> JsonParser.parseString(l).getAsJsonObject())
                .toList();
        assertThat(lines).extracting(l -> l.get("text").getAsString()).containsExactly("hello script", "second");
        assertThat(lines.get(0).get("id").getAsString()).isEqualTo(first.out().strip());
    }

    /** {@code switchboard notify} to {@code user}, through the cloud's SNS endpoint, as another system would. */
    static void notifyInvoicePaid(String user) {
        Run notify = run(
                "notify",
                "--topic-arn",
                cloud.topicArn(),
                "--endpoint-url",
                cloud.snsEndpoint().toString(),
                "--user",
                user,
                "--title",
                "Invoice paid",
                "--body",
                "#1042");
        assertThat(notify.exitCode()).as(notify.err()).isZero();
    }

    /** Whether {@code user} has joined {@code room}, read from the table in DynamoDB Local. */
    static boolean inRoom(String room, String user) {
        return local.table().partition("ROOM#" + room).stream()
                .anyMatch(item -> user.equals(item.get("user").s()));
    }

    /** The connection id of {@code user}'s member item in {@code room}; null when there is none. */
    static String memberConnection(String room, String user) {
        return local.table().partition("ROOM#" + room).stream()
                .filter(item -> user.equals(item.get("user").s()))
                .map(item -> item.get("connectionId").s())
                .findFirst()
                .orElse(null);
    }

    /**
     * A code point that can move the cursor, retitle or recolour a terminal, or reorder what it shows: C0 and
     * C1 controls, DEL, the line and paragraph separators, and format characters (bidi overrides and isolates).
     * The test's own definition, not the CLI's, so a gap in the CLI's cannot hide here.
     */
    static boolean drivesATerminal(int c) {
        return c < 0x20
                || (c >= 0x7F && c <= 0x9F)
                || c == 0x2028
                || c == 0x2029
                || Character.getType(c) == Character.FORMAT;
    }

    @Test
    void listen_showsAHostileMessage_withNoControlOrBidiCharacters_andJsonKeepsItExact() throws Exception {
        // what a room member can put in a message: CR + ESC to wipe the line and forge another
        // user's, a newline to start a fake one, an OSC sequence retitling the terminal, 8-bit CSI, bidi override
        String hostile = "ok\r\u001b[2K12:00 [hostile] admin: please re-enter your token\n12:00 [hostile] admin: now"
                + "\u001b]0;pwned\u0007 \u009b31m red \u202Egnp.exe\u2066";
        CliProcess people = CliProcess.start(
                "listen",
                "--url",
                url,
                "--user",
                "vera",
                "--room",
                "hostile",
                "--count",
                "2",
                "--timeout",
                LISTEN_TIMEOUT);
        CliProcess scripts = CliProcess.start(
                "listen",
                "--url",
                url,
                "--user",
                "vic",
                "--room",
                "hostile",
                "--json",
                "--count",
                "2",
                "--timeout",
                LISTEN_TIMEOUT);
        // each listener ends after its two messages; its --timeout only bounds a failure, and must outlast a cold
        // $connect (22 s on the loaded machine, past the 20 s it had: the first listener left before the second joined)
        await().atMost(SLOW_START).until(() -> inRoom("hostile", "vera") && inRoom("hostile", "vic"));
        Run hostileSent =
                run("send", "--url", url, "--user", "mallory", "--room", "hostile", "--timeout", SEND_TIMEOUT, hostile);
        assertThat(hostileSent.exitCode()).as(hostileSent.err()).isZero();
        Run byeSent =
                run("send", "--url", url, "--user", "mallory", "--room", "hostile", "--timeout", SEND_TIMEOUT, "bye");
        assertThat(byeSent.exitCode()).as(byeSent.err()).isZero();

        Run shown = people.exit(SLOW_START);
        assertThat(shown.exitCode()).as(shown.err()).isZero();
        // two messages, two lines: nothing forged a third, and nothing on them can drive a terminal
        List<String> lines = shown.out().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(shown.out()
                        .replace(System.lineSeparator(), "")
                        .codePoints()
                        .filter(CliEndToEndTest::drivesATerminal)
                        .toArray())
                .as(shown.out())
                .isEmpty();
        assertThat(lines.get(0))
                .contains("mallory: ok\\r\\u001B[2K12:00 [hostile] admin: please re-enter your token\\n12:00")
                .contains("\\u009B31m red \\u202Egnp.exe\\u2066");
        assertThat(lines.get(1)).endsWith("mallory: bye");

        Run json = scripts.exit(SLOW_START);
        assertThat(json.exitCode()).as(json.err()).isZero();
        assertThat(json.out()
                        .lines()
                        .map(l -> JsonParser.parseString(l)
                                .getAsJsonObject()
                                .get("text")
                                .getAsString())
                        .toList())
                .as("--json is for programs: the exact text, JSON-escaped")
                .containsExactly(hostile, "bye");
    }

    @Test
    void notify_reachesAListeningClient() throws Exception {
        CliProcess listening = CliProcess.start(
                "listen",
                "--url",
                url,
                "--user",
                "nina",
                "--room",
                "alerts",
                "--json",
                "--count",
                "1",
                "--timeout",
                LISTEN_TIMEOUT);
        await().atMost(SLOW_START).until(() -> inRoom("alerts", "nina"));
        notifyInvoicePaid("nina");
        Run listened = listening.exit(SLOW_START);
        assertThat(listened.out()).contains("\"type\":\"notification\"").contains("Invoice paid");
    }

    @Test
    void chat_twoUsers_dmAndWho_throughTheirStreams() throws Exception {
        try (CliProcess alice = CliProcess.start("chat", "--url", url, "--user", "ada", "--room", "tea");
                CliProcess bob = CliProcess.start("chat", "--url", url, "--user", "bert", "--room", "tea")) {
            bob.awaitOut("talking in tea", LocalCloudExtension.WAIT);
            // "talking in" is printed once the join is confirmed or after the CLI's 10 s wait for that, whichever
            // comes first: with a cold instance the message and /who below could overtake the joins
            await().atMost(SLOW_START).until(() -> inRoom("tea", "ada") && inRoom("tea", "bert"));
            alice.type("/dm bert psst");
            alice.type("/who");
            alice.type("hello tea");
            bob.awaitOut("(dm) ada: psst", LocalCloudExtension.WAIT);
            bob.awaitOut("ada: hello tea", LocalCloudExtension.WAIT);
            // the members frame answers /who; frames of one connection are handled in no set order, so it
            // may come after the message: wait for it before quitting (quitting first raced it)
            alice.awaitOut("members of tea: ada, bert", LocalCloudExtension.WAIT);
            alice.type("/quit");
            bob.type("/quit");
            assertThat(alice.exitCode(QUIT)).isZero();
            assertThat(bob.exitCode(QUIT)).isZero();
        }
    }

    @Test
    void chat_commands_sayWhatIsWrong_confirmDirectMessages_andHistoryShowsWhatIsOnScreen() throws Exception {
        String text;
        try (CliProcess chat = CliProcess.start("chat", "--url", url, "--user", "cleo", "--room", "cmds")) {
            chat.awaitOut("talking in cmds", LocalCloudExtension.WAIT);
            // as above: a message typed before the join is done would be refused not_member
            await().atMost(SLOW_START).until(() -> inRoom("cmds", "cleo"));
            chat.type("said once");
            chat.awaitOut("cleo: said once", LocalCloudExtension.WAIT);
            chat.type("/join bad room!");
            chat.type("/foo");
            chat.type("/history abc");
            chat.type("/dm nobody-here psst");
            chat.type("/history 5");
            // the page is printed although its message is on screen already: a second "said once"
            await().atMost(LocalCloudExtension.WAIT).until(() -> chat.out().split("said once", -1).length - 1 >= 2);
            chat.type("/rooms");
            chat.awaitOut("-- rooms:", LocalCloudExtension.WAIT);
            chat.type("/quit");
            assertThat(chat.exitCode(QUIT)).isZero();
            text = chat.out();
        }
        assertThat(text).contains("'bad room!' is not a room name");
        assertThat(text).contains("-- unknown command /foo");
        assertThat(text).contains("-- usage: /history [N]");
        assertThat(text).contains("-- direct message to nobody-here: psst");
        // "/join bad room!" must not have joined "bad"
        assertThat(text.lines()
                        .filter(l -> l.startsWith("-- rooms:"))
                        .findFirst()
                        .orElseThrow())
                .doesNotContain("bad");
    }

    /** Issue 17: /edit and /delete of one's last message, shown in another chat and printed by listen --json. */
    @Test
    void chat_editAndDeleteOfTheLastMessage_showInAnotherChat_andListenJsonPrintsThem() throws Exception {
        CliProcess listener = CliProcess.start(
                "listen",
                "--url",
                url,
                "--user",
                "lena",
                "--room",
                "edits",
                "--json",
                "--count",
                "2",
                "--timeout",
                LISTEN_TIMEOUT);
        await().atMost(SLOW_START).until(() -> inRoom("edits", "lena"));
        String out;
        try (CliProcess chat = CliProcess.start("chat", "--url", url, "--user", "edd", "--room", "edits")) {
            chat.awaitOut("talking in edits", SLOW_START);
            // the CLI stops waiting for the join's confirmation after 10 s; a cold function instance can take longer
            await().atMost(SLOW_START).until(() -> inRoom("edits", "edd"));
            chat.type("/edit nothing yet");
            chat.awaitOut("-- nothing to edit", Duration.ofSeconds(30));
            chat.type("helo");
            listener.awaitOut("\"text\":\"helo\"", SLOW_START);
            // the ack (which /edit needs) was posted before the listener's copy: /edit finds the message
            chat.type("/edit hello");
            listener.awaitOut("\"type\":\"edited\"", SLOW_START);
            chat.type("/delete");
            listener.awaitOut("\"type\":\"deleted\"", SLOW_START);
            chat.type("bye");
            assertThat(listener.exitCode(SLOW_START)).isZero();
            chat.type("/quit");
            assertThat(chat.exitCode(QUIT)).isZero();
            out = chat.out();
        }
        List<JsonObject> lines = listener.out()
                .lines()
                .map(l -> JsonParser.parseString(l).getAsJsonObject())
                .toList();
        assertThat(lines)
                .extracting(l -> l.get("type").getAsString())
                .containsSubsequence("message", "edited", "deleted", "message");
        JsonObject edited = lines.stream()
                .filter(l -> l.get("type").getAsString().equals("edited"))
                .findFirst()
                .orElseThrow();
        assertThat(edited.get("text").getAsString()).isEqualTo("hello");
        assertThat(edited.get("id").getAsString())
                .isEqualTo(lines.get(0).get("id").getAsString());
        assertThat(out)
                .contains("-- edited your last message in edits: hello")
                .contains("-- deleted your last message in edits");
    }

    /** How many items {@code user}'s inbox holds, read from the table in DynamoDB Local. */
    static long inboxItems(String user) {
        return local.table().partition("INBOX#" + user).stream()
                .filter(item -> item.get("sk").s().startsWith("ITEM#"))
                .count();
    }

    /**
     * Issue 17: what waited while the user was offline, in the chat's /inbox: the unread count on connect,
     * the items newest first with the unread ones starred, then marked read (the badge says so), and a second
     * /inbox shows them read.
     */
    @Test
    void chat_inbox_showsWhatWaitedWhileOffline_unreadStarred_thenMarksItRead() throws Exception {
        notifyInvoicePaid("ines");
        try (CliProcess omar = CliProcess.start("chat", "--url", url, "--user", "omar")) {
            omar.awaitOut("-- connected", LocalCloudExtension.WAIT);
            omar.type("/dm ines psst, while you were out");
            // both stored (the notification by the Broadcast function, the DM before omar's ack) before ines connects
            // the notification travels through SNS to the Broadcast function, maybe a cold instance
            await().atMost(SLOW_START).until(() -> inboxItems("ines") == 2);
            omar.type("/quit");
            assertThat(omar.exitCode(QUIT)).isZero();
        }

        try (CliProcess chat = CliProcess.start("chat", "--url", url, "--user", "ines")) {
            chat.awaitOut("-- inbox: 2 unread (/inbox)", LocalCloudExtension.WAIT);
            chat.type("/inbox");
            chat.awaitOut("-- inbox: all read", LocalCloudExtension.WAIT);
            List<String> first = chat.out()
                    .lines()
                    .dropWhile(l -> !l.startsWith("-- inbox (2 unread), newest first:"))
                    .skip(1)
                    .limit(2)
                    .toList();
            assertThat(first).hasSize(2);
            assertThat(first.get(0)).startsWith("-- * ").endsWith("(dm) omar: psst, while you were out");
            assertThat(first.get(1)).startsWith("-- * ").endsWith("=== Invoice paid === #1042");

            chat.type("/inbox");
            chat.awaitOut("-- inbox (0 unread), newest first:", LocalCloudExtension.WAIT);
            await().atMost(LocalCloudExtension.WAIT)
                    .until(() -> chat.out()
                                    .lines()
                                    .dropWhile(l -> !l.startsWith("-- inbox (0 unread)"))
                                    .count()
                            >= 3);
            List<String> again = chat.out()
                    .lines()
                    .dropWhile(l -> !l.startsWith("-- inbox (0 unread), newest first:"))
                    .skip(1)
                    .limit(2)
                    .toList();
            assertThat(again).allSatisfy(l -> assertThat(l).startsWith("--   ").doesNotStartWith("-- * "));
            assertThat(again.get(0)).endsWith("(dm) omar: psst, while you were out");
            chat.type("/quit");
            assertThat(chat.exitCode(QUIT)).isZero();
        }
    }

    /**
     * Issue 17: the interactive chat (JLine, here on a dumb terminal over a pipe) sends typing while the user
     * types, before the line is sent: another member sees "typing" for a line that is not finished.
     */
    @Test
    void chat_interactive_sendsTyping_whileTheUserTypes() throws Exception {
        try (dev.switchboard.local.WsClient bea = dev.switchboard.local.WsClient.connect(local.userUri("bea"))) {
            bea.send("{\"action\":\"join\",\"room\":\"keys\"}");
            bea.next(f -> "presence".equals(f.get("type").getAsString())
                    && "bea".equals(f.get("user").getAsString()));
            PipedOutputStream keys = new PipedOutputStream();
            PipedInputStream input = new PipedInputStream(keys);
            java.io.ByteArrayOutputStream screen = new java.io.ByteArrayOutputStream();
            try (org.jline.terminal.Terminal terminal =
                    new org.jline.terminal.impl.DumbTerminal("test", "ansi", input, screen, StandardCharsets.UTF_8)) {
                CompletableFuture<Integer> chat = CliProcess.inThreadOfItsOwn(
                        "cli-chat-interactive",
                        () -> Main.commandLine(new Main(new ByteArrayInputStream(new byte[0]), terminal))
                                .setOut(new PrintWriter(new StringWriter(), true))
                                .setErr(new PrintWriter(new StringWriter(), true))
                                .execute("chat", "--url", url, "--user", "tia", "--room", "keys"));
                await().atMost(LocalCloudExtension.WAIT).until(() -> inRoom("keys", "tia"));
                keys.write("hel".getBytes(StandardCharsets.UTF_8)); // no Enter yet
                keys.flush();
                com.google.gson.JsonObject typing = bea.nextOfType("typing");
                assertThat(typing.get("room").getAsString()).isEqualTo("keys");
                assertThat(typing.get("user").getAsString()).isEqualTo("tia");

                keys.write("lo\r".getBytes(StandardCharsets.UTF_8));
                keys.flush();
                com.google.gson.JsonObject message = bea.nextOfType("message");
                assertThat(message.get("text").getAsString()).isEqualTo("hello");
                keys.write("/quit\r".getBytes(StandardCharsets.UTF_8)); // once delivered: a quit would race it
                keys.flush();
                assertThat(chat.get(60, java.util.concurrent.TimeUnit.SECONDS)).isZero();
            }
        }
    }

    /**
     * Issue 17: read marks in the CLI. A chat that shows another member's message tells the room it has read it
     * (the newest shown, about a second later); the other chat shows the mark, and its own reads print nothing.
     */
    @Test
    void chat_readMarks_showInTheOtherChat() throws Exception {
        // two joins, a send and a read on instances that may be cold: 70 s Init Durations were seen on this
        // loaded machine, and two joins in a row missed the usual 2 minutes
        try (CliProcess reader = CliProcess.start("chat", "--url", url, "--user", "rhea", "--room", "marks");
                CliProcess writer = CliProcess.start("chat", "--url", url, "--user", "walt", "--room", "marks")) {
            await().atMost(SLOW_START).until(() -> inRoom("marks", "rhea") && inRoom("marks", "walt"));
            writer.type("are you there?");
            reader.awaitOut("walt: are you there?", SLOW_START);
            writer.awaitOut("* rhea has read marks up to ", SLOW_START);
            reader.type("/quit");
            writer.type("/quit");
            assertThat(reader.exitCode(QUIT)).isZero();
            assertThat(writer.exitCode(QUIT)).isZero();
            assertThat(reader.out()).as("its own read is not shown").doesNotContain("* rhea has read");
        }
    }

    /**
     * A listener whose connection the server closes (API Gateway's DELETE @connections, as an idle timeout
     * or a deployment would) reconnects by itself and prints every message exactly once: those sent while
     * it was away come from history after its last one.
     */
    @Test
    void listen_survivesAClosedConnection_withEveryMessageExactlyOnce() throws Exception {
        CliProcess listening = CliProcess.start(
                "listen",
                "--url",
                url,
                "--user",
                "rita",
                "--room",
                "resume",
                "--json",
                "--count",
                "11",
                "--timeout",
                LISTEN_TIMEOUT);
        await().atMost(SLOW_START).until(() -> inRoom("resume", "rita"));
        String first = memberConnection("resume", "rita");
        for (int i = 0; i <= 10; i++) {
            Run sent =
                    run("send", "--url", url, "--user", "sid", "--room", "resume", "--timeout", SEND_TIMEOUT, "m" + i);
            assertThat(sent.exitCode()).as(sent.err()).isZero();
            if (i == 4) {
                // messages 5.. are sent while rita is away or reconnecting
                HttpResponse<String> closed = HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create(cloud.connectionsEndpoint() + "/@connections/" + first))
                                        .DELETE()
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                assertThat(closed.statusCode()).isEqualTo(204);
            }
        }
        // the reconnect may wait out failed attempts (a cold $connect past the CLI's 30 s handshake limit)
        Run listened = listening.exit(SLOW_START);
        assertThat(listened.exitCode()).as(listened.err()).isZero();
        assertThat(listened.err()).contains("reconnected");
        // exactly once each; across the reconnect, live messages may arrive before the missed ones from history
        assertThat(listened.out()
                        .lines()
                        .map(l -> JsonParser.parseString(l).getAsJsonObject())
                        .filter(frame -> frame.get("type").getAsString().equals("message"))
                        .map(frame -> frame.get("text").getAsString())
                        .toList())
                .as(listened.out())
                .containsExactlyInAnyOrder("m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9", "m10");
        assertThat(memberConnection("resume", "rita"))
                .as("a new connection joined")
                .isNotEqualTo(first);
    }

    @Test
    void errors_nameTheProblem_withDistinctExitCodes() throws Exception {
        Run noUser = run("send", "--url", url, "--room", "x", "hi");
        assertThat(noUser.exitCode()).isEqualTo(2);

        Run badUser = run("send", "--url", url, "--user", "not a name!", "--room", "x", "hi");
        assertThat(badUser.exitCode()).isEqualTo(4);
        assertThat(badUser.err()).contains("HTTP 403");

        // a token the server cannot accept (here: garbage; elsewhere expired or signed with another secret)
        Run badToken = run("send", "--url", url, "--token", "not-a-jwt", "--room", "x", "hi");
        assertThat(badToken.exitCode()).isEqualTo(4);
        assertThat(badToken.err()).contains("refused the token").doesNotContain("pass --token");

        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Run refused =
                run("send", "--url", "ws://localhost:" + closedPort + "/local", "--user", "a", "--room", "x", "hi");
        assertThat(refused.exitCode()).isEqualTo(3);
        assertThat(refused.err()).contains("nothing is listening").doesNotContain("Exception");

        Run badUrl = run("send", "--url", "http://example", "--user", "a", "--room", "x", "hi");
        assertThat(badUrl.exitCode()).isEqualTo(3);
        assertThat(badUrl.err()).contains("ws://");

        Run errorFrame =
                run("send", "--url", url, "--user", "a", "--room", "bad room", "--timeout", SEND_TIMEOUT, "hi");
        assertThat(errorFrame.exitCode()).as(errorFrame.err()).isEqualTo(6);
        assertThat(errorFrame.err()).contains("bad_request");
    }
}
