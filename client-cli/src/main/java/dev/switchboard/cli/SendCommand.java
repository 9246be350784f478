package dev.switchboard.cli;

import com.google.gson.JsonObject;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "send",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        footer = ExitCode.HELP,
        description = "Send one message to a room and wait for the server's ack (the message is stored then).")
final class SendCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--room", required = true, description = "Room to send to (joined first).")
    String room;

    @Option(
            names = "--timeout",
            defaultValue = "10s",
            description = "How long to wait for the ack: 30s, 2m, 1h or ISO-8601 (default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Parameters(arity = "1..*", description = "The text.")
    String[] words;

    @Override
    public Integer call() throws Exception {
        String clientMsgId = "cli-" + UUID.randomUUID();
        try (Connection socket = new Connection()) {
            socket.open(connection.endpoint());
            sendOrFail(socket, Json.write(new Request.Join(room)));
            // On AWS frames of one connection may be handled out of order: wait for the join first.
            await(
                    socket,
                    f -> "presence".equals(type(f)) && "join".equals(str(f, "event")) && room.equals(str(f, "room")),
                    "no confirmation of the join of " + room + " within " + seconds(timeout)
                            + ": nothing was sent; run it again, with a longer --timeout if the server is slow to"
                            + " start");
            sendOrFail(socket, Json.write(new Request.Send(room, String.join(" ", words), clientMsgId)));
            // Each run sends under a clientMsgId of its own, so running send again is a second message, not a retry
            // the server would recognise (docs/PROTOCOL.md): say how to find out whether the first was stored.
            JsonObject ack = await(
                    socket,
                    f -> "ack".equals(type(f)) && clientMsgId.equals(str(f, "clientMsgId")),
                    "no ack within " + seconds(timeout) + ": the message (clientMsgId " + clientMsgId
                            + ") may have been stored all the same: check the room's history (chat, /history) before"
                            + " sending it again, or it may appear twice; a longer --timeout waits more");
            spec.commandLine().getOut().println(TerminalText.safe(ack.get("id").getAsString()));
            return ExitCode.OK;
        }
    }

    /**
     * The first frame {@code wanted} accepts, within {@link #timeout}.
     *
     * @throws CliException {@link ExitCode#TIMEOUT} with {@code whenNone} when none came in time; an error frame or
     *     a closed connection end it too
     */
    private JsonObject await(Connection connection, java.util.function.Predicate<JsonObject> wanted, String whenNone)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonObject frame = connection.frames.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (frame == null) {
                throw new CliException(ExitCode.TIMEOUT, whenNone);
            }
            if (frame == Connection.CLOSED) {
                throw new CliException(ExitCode.UNREACHABLE, "the server closed the connection before answering");
            }
            if ("error".equals(type(frame))) {
                throw new CliException(
                        ExitCode.ERROR_FRAME,
                        "the server refused: " + str(frame, "code") + ": " + str(frame, "message"));
            }
            if (!frame.has("type") && frame.has("message")) {
                throw new CliException(ExitCode.ERROR_FRAME, "API Gateway answered: " + str(frame, "message"));
            }
            if (wanted.test(frame)) {
                return frame;
            }
        }
    }

    /** {@code d} as a person reads it: {@code 10 s}, or {@code 500 ms} below a second (not "0 s"). */
    static String seconds(Duration d) {
        return d.toMillis() < 1000 ? d.toMillis() + " ms" : d.toSeconds() + " s";
    }

    /** Sends {@code json}, or fails: the server closed the connection before it could be sent. */
    private void sendOrFail(Connection socket, String json) throws CliException {
        if (!socket.send(json)) {
            throw new CliException(
                    ExitCode.UNREACHABLE,
                    "the server closed the connection before the message was sent: nothing was sent; run it"
                            + " again");
        }
    }

    static String type(JsonObject frame) {
        return str(frame, "type");
    }

    static String str(JsonObject frame, String field) {
        return frame.has(field) && frame.get(field).isJsonPrimitive()
                ? frame.get(field).getAsString()
                : null;
    }
}
