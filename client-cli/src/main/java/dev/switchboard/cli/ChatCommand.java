package dev.switchboard.cli;

import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import dev.switchboard.protocol.ServerFrame;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

// The chat's commands one per line, under a heading of their own: picocli wraps a description line at the
// usage width (80 columns), which split "/inbox [N]" in two when they shared one line.
@Command(
        name = "chat",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Interactive chat. Lines you type go to the current room; lines that start with / are "
                + "the commands below.",
        footerHeading = "%nCommands in the chat:%n",
        footer = {
            "  /join ROOM      join ROOM and make it the current room",
            "  /leave [ROOM]   leave ROOM (default: the current room)",
            "  /rooms          list the rooms you are in",
            "  /who [ROOM]     who is in ROOM (default: the current room; first 100)",
            "  /dm USER TEXT   send USER a direct message",
            "  /history [N]    the current room's last N messages (1-100, default 20)",
            "  /inbox [N]      your newest N notifications and direct messages, marked read",
            "  /edit TEXT      replace your last message in the current room",
            "  /delete         delete your last message in the current room",
            "  /quit           leave the chat",
            "  /help           list these commands",
            ExitCode.HELP
        })
final class ChatCommand implements Callable<Integer> {

    /** Room and user names, as the server checks them (docs/PROTOCOL.md). */
    static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,64}");

    static final String HELP = "commands: /join ROOM, /leave [ROOM], /rooms, /who [ROOM], /dm USER TEXT, /history [N], "
            + "/inbox [N], /edit TEXT, /delete, /quit, /help";

    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--room", description = "Room(s) to join at start; the last is the current room.")
    List<String> rooms = new ArrayList<>();

    private volatile String current;
    /** Room of each send not acknowledged yet, by clientMsgId; then the id of one's last message, by room (for /edit, /delete). */
    private final java.util.Map<String, String> sending = new java.util.concurrent.ConcurrentHashMap<>();

    private final java.util.Map<String, String> lastOwn = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    public Integer call() throws Exception {
        if (main.terminal != null) {
            return interactive(main.terminal);
        }
        boolean terminal = System.console() != null && main.input == System.in;
        PrintWriter out = spec.commandLine().getOut();
        if (terminal) {
            try (Terminal term = TerminalBuilder.builder().system(true).build()) {
                return interactive(term);
            }
        }
        BufferedReader reader = new BufferedReader(new InputStreamReader(main.input, StandardCharsets.UTF_8));
        return run(
                line -> {
                    synchronized (out) {
                        out.println(line);
                        out.flush();
                    }
                },
                reader::readLine,
                false);
    }

    /**
     * The interactive mode on {@code term}: JLine line editing, messages printed above the line being typed,
     * and {@code typing} sent to the current room while the user types ({@link TypingSignal}).
     */
    int interactive(Terminal term) throws Exception {
        LineReader reader = LineReaderBuilder.builder().terminal(term).build();
        typing.install(reader, () -> current);
        // printAbove keeps what is being typed intact while messages arrive
        return run(
                line -> reader.printAbove(line),
                () -> {
                    try {
                        return reader.readLine(prompt());
                    } catch (UserInterruptException | EndOfFileException e) {
                        return null;
                    }
                },
                true);
    }

    private final TypingSignal typing = new TypingSignal(System::currentTimeMillis);

    private String prompt() {
        return (current == null ? "" : "#" + current) + "> ";
    }

    interface LineSource {
        String next() throws Exception;
    }

    private int run(Consumer<String> print, LineSource input, boolean colour) throws Exception {
        Render render = new Render(colour);
        String me = me();
        java.util.concurrent.ScheduledExecutorService timer =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread thread = new Thread(r, "switchboard-receipts");
                    thread.setDaemon(true);
                    return thread;
                });
        // what is shown is read: the newest message of a moment, a second later (docs/PROTOCOL.md, "Read receipts")
        ReadReceipts receipts =
                new ReadReceipts(flush -> timer.schedule(flush, 1, java.util.concurrent.TimeUnit.SECONDS));
        try {
            return run(print, input, render, me, receipts);
        } finally {
            timer.shutdownNow();
        }
    }

    /** Who this chat is: {@code --user}, else the token's {@code sub} (null when neither says). */
    private String me() {
        if (connection.user != null) {
            return connection.user;
        }
        try {
            String token = connection.currentToken();
            return token == null ? null : ChatSession.subject(token);
        } catch (CliException e) {
            return null;
        }
    }

    private int run(Consumer<String> print, LineSource input, Render render, String me, ReadReceipts receipts)
            throws Exception {
        // the inbox page's handler marks what it showed as read, through the session it is a handler of
        java.util.concurrent.atomic.AtomicReference<ChatSession> self =
                new java.util.concurrent.atomic.AtomicReference<>();
        try (ChatSession session = new ChatSession(
                connection::endpoint,
                connection.renewable() ? connection::currentToken : null,
                true,
                frame -> {
                    if ("inbox".equals(SendCommand.type(frame))) {
                        InboxView.lines(frame).forEach(print);
                        Request.Mark mark = InboxView.markRead(frame);
                        if (mark != null && self.get() != null) {
                            self.get().send(mark);
                        }
                        return;
                    }
                    if ("message".equals(SendCommand.type(frame))
                            && frame.has("id")
                            && frame.has("room")
                            && !java.util.Objects.equals(me, SendCommand.str(frame, "from"))) {
                        receipts.shown(
                                frame.get("room").getAsString(), frame.get("id").getAsString());
                    }
                    if ("receipt".equals(SendCommand.type(frame))
                            && java.util.Objects.equals(me, SendCommand.str(frame, "user"))) {
                        return; // the answer to this chat's own read
                    }
                    if ("ack".equals(SendCommand.type(frame)) && frame.has("clientMsgId")) {
                        String room = sending.remove(frame.get("clientMsgId").getAsString());
                        if (room != null) {
                            lastOwn.put(room, frame.get("id").getAsString());
                        }
                    }
                    String line = render.line(
                            frame, self.get() == null ? null : self.get().requestOf(frame));
                    if (line != null) {
                        print.accept(line);
                    }
                },
                status -> print.accept("-- " + TerminalText.safe(status)))) {
            self.set(session);
            session.start(rooms);
            typing.sendTo(room -> session.send(new Request.Typing(room)));
            receipts.sendTo(read -> {
                if (session.rooms().contains(read.room())) {
                    session.send(read); // not for a room left meanwhile: it would be refused not_member
                }
            });
            session.send(new Request.Badge()); // what waited while offline: "-- inbox: N unread"
            current = rooms.isEmpty() ? null : rooms.get(rooms.size() - 1);
            print.accept("-- connected" + (current == null ? ": /join a room to start" : "; talking in " + current)
                    + " (/help)");
            String line;
            while ((line = input.next()) != null) {
                if (session.stopped().isDone()) {
                    return session.stopped().join().exitCode; // the reconnect was refused: said so already
                }
                line = line.strip();
                if (line.isEmpty()) {
                    continue;
                }
                if (!line.startsWith("/")) {
                    if (current == null) {
                        print.accept("-- join a room first: /join ROOM");
                    } else {
                        String clientMsgId = UUID.randomUUID().toString();
                        sending.put(clientMsgId, current);
                        if (sent(session.send(new Request.Send(current, line, clientMsgId)), print)) {
                            print.accept(render.line(ownMessage(line)));
                        } else {
                            sending.remove(clientMsgId);
                        }
                    }
                    continue;
                }
                String[] parts = line.split("\\s+", 3);
                String rest = line.substring(parts[0].length()).strip();
                switch (parts[0]) {
                    case "/quit", "/exit" -> {
                        return ExitCode.OK;
                    }
                    case "/join" -> {
                        if (rest.isEmpty()) {
                            print.accept("-- usage: /join ROOM");
                        } else if (!NAME.matcher(rest).matches()) {
                            // the whole argument: "/join bad room!" must not quietly join "bad"
                            print.accept("-- '" + rest + "' is not a room name: 1-64 of A-Z a-z 0-9 . _ -");
                        } else if (session.join(rest)) {
                            current = rest;
                        }
                    }
                    case "/leave" -> {
                        String room = parts.length > 1 ? parts[1] : current;
                        if (room != null) {
                            session.leave(room);
                            if (room.equals(current)) {
                                current = session.rooms().stream().findFirst().orElse(null);
                            }
                        }
                    }
                    case "/rooms" ->
                        print.accept("-- rooms: " + String.join(", ", session.rooms())
                                + (current == null ? "" : " (current: " + current + ")"));
                    case "/who" -> {
                        String room = parts.length > 1 ? parts[1] : current;
                        if (room != null) {
                            sent(session.send(new Request.Who(room, null)), print);
                        }
                    }
                    case "/dm" -> {
                        if (parts.length < 3) {
                            print.accept("-- usage: /dm USER TEXT");
                        } else {
                            if (sent(
                                    session.send(new Request.Direct(
                                            parts[1],
                                            parts[2],
                                            UUID.randomUUID().toString())),
                                    print)) {
                                print.accept("-- direct message to " + parts[1] + ": " + parts[2]);
                            }
                        }
                    }
                    case "/history" -> {
                        if (!rest.matches("\\d{0,3}")
                                || (!rest.isEmpty() && (Integer.parseInt(rest) < 1 || Integer.parseInt(rest) > 100))) {
                            print.accept("-- usage: /history [N], N from 1 to 100 (default 20)");
                        } else if (current == null) {
                            print.accept("-- join a room first: /join ROOM");
                        } else {
                            session.history(current, rest.isEmpty() ? 20 : Integer.parseInt(rest));
                        }
                    }
                    case "/edit", "/delete" -> {
                        String id = current == null ? null : lastOwn.get(current);
                        if (id == null) {
                            print.accept(
                                    "-- nothing to " + parts[0].substring(1) + ": send a message in this room first");
                        } else if (parts[0].equals("/edit") && rest.isEmpty()) {
                            print.accept("-- usage: /edit NEW TEXT (replaces your last message in " + current + ")");
                        } else if (parts[0].equals("/edit")) {
                            if (sent(session.send(new Request.Edit(current, id, rest, null)), print)) {
                                print.accept("-- edited your last message in " + current + ": " + rest);
                            }
                        } else if (sent(session.send(new Request.Delete(current, id, null)), print)) {
                            lastOwn.remove(current);
                            print.accept("-- deleted your last message in " + current);
                        }
                    }
                    case "/inbox" -> {
                        if (!rest.matches("\\d{0,2}")
                                || (!rest.isEmpty() && (Integer.parseInt(rest) < 1 || Integer.parseInt(rest) > 50))) {
                            print.accept(
                                    "-- usage: /inbox [N], N from 1 to 50 (default 10): shows your newest notifications and "
                                            + "direct messages and marks them read");
                        } else {
                            sent(
                                    session.send(new Request.Inbox(null, rest.isEmpty() ? 10 : Integer.parseInt(rest))),
                                    print);
                        }
                    }
                    case "/help" -> print.accept("-- " + HELP);
                    default -> print.accept("-- unknown command " + parts[0] + "; " + HELP);
                }
            }
            return session.stopped().isDone() ? session.stopped().join().exitCode : ExitCode.OK;
        }
    }

    /**
     * Says so when a request of the user's was not sent (the connection is down and the session is
     * reconnecting); returns {@code sent}.
     */
    static boolean sent(boolean sent, java.util.function.Consumer<String> print) {
        if (!sent) {
            print.accept("-- not sent: the connection is down and reconnecting; type it again once it says"
                    + " reconnected");
        }
        return sent;
    }

    /** The user's own line as the message frame the others get (no id yet: the ack brings it). */
    private com.google.gson.JsonObject ownMessage(String text) {
        return Json.GSON
                .toJsonTree(new ServerFrame.Message(
                        current,
                        null,
                        connection.user == null ? "me" : connection.user,
                        text,
                        System.currentTimeMillis()))
                .getAsJsonObject();
    }
}
