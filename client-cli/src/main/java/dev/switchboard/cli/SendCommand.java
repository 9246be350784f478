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
            socket.send(Json.write(new Request.Join(room)));
            // On AWS frames of one connection may be handled out of order: wait for the join first.
            await(
                    socket,
                    f -> "presence".equals(type(f)) && "join".equals(str(f, "event")) && room.equals(str(f, "room")));
            socket.send(Json.write(new Request.Send(room, String.join(" ", words), clientMsgId)));
            JsonObject ack = await(socket, f -> "ack".equals(type(f)) && clientMsgId.equals(str(f, "clientMsgId")));
            spec.commandLine().getOut().println(TerminalText.safe(ack.get("id").getAsString()));
            return ExitCode.OK;
        }
    }

    private JsonObject await(Connection connection, java.util.function.Predicate<JsonObject> wanted) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonObject frame = connection.frames.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (frame == null) {
                throw new CliException(
                        ExitCode.TIMEOUT,
                        "no answer from the server within " + timeout.toSeconds()
                                + " s: the message may not have been stored; retry (sends are idempotent per clientMsgId)");
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

    static String type(JsonObject frame) {
        return str(frame, "type");
    }

    static String str(JsonObject frame, String field) {
        return frame.has(field) && frame.get(field).isJsonPrimitive()
                ? frame.get(field).getAsString()
                : null;
    }
}
