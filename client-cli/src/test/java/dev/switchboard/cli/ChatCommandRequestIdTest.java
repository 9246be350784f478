package dev.switchboard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.ServerFrame;
import java.io.IOException;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The chat's {@code /who}, {@code /inbox} and {@code /join} against a scripted server that answers
 * overlapping requests out of order (docs/PROTOCOL.md, "Matching answers to requests"): every request
 * goes out with a requestId of its own, and an error names the request it refuses by that id, not the
 * first request of its kind (before, errors named nothing, and a refused join was waited out for 10 s
 * and then kept as a room the chat was in).
 */
class ChatCommandRequestIdTest {

    ScriptedServer server;
    final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    final List<String> printed = new ArrayList<>();
    PipedOutputStream typed;
    CompletableFuture<Integer> chat;
    Session socket;

    @BeforeEach
    void start() throws Exception {
        server = new ScriptedServer();
    }

    @AfterEach
    void stop() throws Exception {
        if (typed != null) {
            typed.close(); // end of input: the chat returns
        }
        if (chat != null) {
            chat.get(ScriptedServer.WAIT_SECONDS, TimeUnit.SECONDS);
        }
        server.close();
    }

    /** Each line the chat prints, in order, into {@link #lines}. */
    final class Lines extends Writer {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public synchronized void write(char[] chars, int offset, int length) {
            for (int i = offset; i < offset + length; i++) {
                if (chars[i] == '\n') {
                    lines.add(partial.toString());
                    partial.setLength(0);
                } else if (chars[i] != '\r') {
                    partial.append(chars[i]);
                }
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    }

    /**
     * Starts {@code chat --room lobby} as ann, reading lines from a pipe, and answers its start: the join,
     * the join's history request and the badge, each with the requestId it came with (if any).
     */
    void startChat() throws Exception {
        typed = new PipedOutputStream();
        PipedInputStream input = new PipedInputStream(typed);
        PrintWriter out = new PrintWriter(new Lines(), true);
        chat = CompletableFuture.supplyAsync(() -> Main.commandLine(new Main(input))
                .setOut(out)
                .setErr(out)
                .execute("chat", "--url", server.url(), "--user", "ann", "--room", "lobby"));
        ScriptedServer.Received join = server.nextAction("join");
        socket = join.session();
        ScriptedServer.send(
                socket, Json.write(new ServerFrame.Presence("lobby", "join", "ann").withRequestId(echo(join))));
        ScriptedServer.Received history = server.nextAction("history");
        ScriptedServer.send(
                socket,
                Json.write(new ServerFrame.History("lobby", List.of(), false, null).withRequestId(echo(history))));
        ScriptedServer.Received badge = server.nextAction("badge");
        ScriptedServer.send(socket, Json.write(new ServerFrame.Badge(0, 0).withRequestId(echo(badge))));
        awaitLine(l -> l.startsWith("-- connected"));
    }

    void type(String line) throws IOException {
        typed.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        typed.flush();
    }

    /** The request's requestId, or null: what a server echoes. */
    static String echo(ScriptedServer.Received received) {
        return received.frame().has("requestId")
                ? received.frame().get("requestId").getAsString()
                : null;
    }

    static String requestId(ScriptedServer.Received received) {
        assertThat(received.frame().has("requestId"))
                .as("the request carries a requestId: " + received.frame())
                .isTrue();
        return received.frame().get("requestId").getAsString();
    }

    /** The first line printed from now on that matches; fails after {@link ScriptedServer#WAIT_SECONDS}. */
    String awaitLine(java.util.function.Predicate<String> wanted) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(ScriptedServer.WAIT_SECONDS);
        while (true) {
            String line = lines.poll(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertThat(line).as("a matching line; printed so far: " + printed).isNotNull();
            printed.add(line);
            if (wanted.test(line)) {
                return line;
            }
        }
    }

    /** Writes {@code frame} (the server's answer) on the chat's connection. */
    void answer(ServerFrame frame) throws Exception {
        ScriptedServer.send(socket, Json.write(frame));
    }

    @Test
    void twoWhoRequests_answeredOutOfOrder_theErrorNamesTheSecond_andTheFirstGetsItsMembers() throws Exception {
        startChat();
        type("/who lobby");
        ScriptedServer.Received lobby = server.nextAction("who");
        type("/who ops");
        ScriptedServer.Received ops = server.nextAction("who");
        assertThat(requestId(ops)).isNotEqualTo(requestId(lobby));

        // the later request is refused first: matched by kind, the refusal would be taken for /who lobby's
        answer(new ServerFrame.Error(ErrorCode.NOT_MEMBER, "you are not in room 'ops': join it first", "who")
                .withRequestId(requestId(ops)));
        answer(new ServerFrame.Members("lobby", List.of("ann", "bob"), 2, null).withRequestId(requestId(lobby)));

        assertThat(awaitLine(l -> l.startsWith("! ")))
                .isEqualTo("! /who ops: not_member: you are not in room 'ops': join it first");
        assertThat(awaitLine(l -> l.startsWith("members of"))).isEqualTo("members of lobby: ann, bob");
    }

    @Test
    void twoInboxRequests_answeredOutOfOrder_theErrorNamesTheSecond_andTheFirstPageIsShownAndMarked() throws Exception {
        startChat();
        type("/inbox 5");
        ScriptedServer.Received five = server.nextAction("inbox");
        type("/inbox 50");
        ScriptedServer.Received fifty = server.nextAction("inbox");
        assertThat(five.frame().get("limit").getAsInt()).isEqualTo(5);
        assertThat(requestId(fifty)).isNotEqualTo(requestId(five));

        answer(new ServerFrame.Error(ErrorCode.RATE_LIMITED, "too many requests: retry in 100 ms", "inbox", 100)
                .withRequestId(requestId(fifty)));
        String item = "01KAX3V0Q4M8R2T6W9Y1B3D5F7";
        answer(new ServerFrame.Inbox(
                        List.of(new ServerFrame.InboxEntry(
                                item, "direct", "bob", null, "psst", null, null, 1L, false, false)),
                        false,
                        null,
                        1L,
                        1L)
                .withRequestId(requestId(five)));

        assertThat(awaitLine(l -> l.startsWith("! ")))
                .isEqualTo("! /inbox 50: rate_limited: too many requests: retry in 100 ms");
        awaitLine(l -> l.equals("-- inbox (1 unread), newest first:"));
        assertThat(awaitLine(l -> l.contains("(dm)"))).endsWith("(dm) bob: psst");
        ScriptedServer.Received mark = server.nextAction("mark");
        assertThat(mark.frame().getAsJsonArray("ids").get(0).getAsString()).isEqualTo(item);
        // the mark has an id of its own too: its refusal would name it, not the inbox request
        assertThat(requestId(mark)).isNotIn(requestId(five), requestId(fifty));
    }

    @Test
    void aRefusedJoin_endsAtOnce_namesItself_andTheRoomIsNotKept() throws Exception {
        startChat();
        type("/join hr");
        ScriptedServer.Received join = server.nextAction("join");

        answer(new ServerFrame.Error(
                        ErrorCode.FORBIDDEN,
                        "your token does not grant 'join' in room 'hr': ask for a token whose 'rooms' claim grants it",
                        "join")
                .withRequestId(requestId(join)));

        assertThat(awaitLine(l -> l.startsWith("! "))).startsWith("! joining hr: forbidden: your token does not grant");
        assertThat(awaitLine(l -> l.startsWith("-- not in hr")))
                .isEqualTo("-- not in hr: the server refused the join (forbidden); /join hr to try again");
        // before, the chat waited 10 s for a confirmation that never comes, then kept hr as its current room
        type("/rooms");
        assertThat(awaitLine(l -> l.startsWith("-- rooms:"))).isEqualTo("-- rooms: lobby (current: lobby)");
    }

    @Test
    void aServerThatDoesNotEchoRequestIds_getsItsErrorsShownUnnamed_asBefore() throws Exception {
        startChat();
        type("/who ops");
        server.nextAction("who");

        answer(new ServerFrame.Error(ErrorCode.NOT_MEMBER, "you are not in room 'ops': join it first", "who"));

        assertThat(awaitLine(l -> l.startsWith("! ")))
                .isEqualTo("! not_member: you are not in room 'ops': join it first");
    }
}
