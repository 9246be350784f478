package dev.switchboard.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "listen",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        footer = ExitCode.HELP,
        description = {
            "Print messages, direct messages and notifications as they arrive; reconnects by itself.",
            "Also edits, deletes, typing, read receipts, unread counts and inbox marks (not counted by --count).",
            "Says 'switchboard: listening in ROOMS' on standard error once the server confirmed its joins."
        })
final class ListenCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Option(names = "--room", required = true, description = "Room(s) to join; repeat for several.")
    List<String> rooms;

    @Option(names = "--json", description = "One JSON object per line (for jq and scripts).")
    boolean json;

    @Option(
            names = "--count",
            converter = PositiveCount.class,
            description = "Exit after this many messages (message, direct, notification); 1 or more.")
    Integer count;

    @Option(
            names = "--timeout",
            description =
                    "Exit after this long: 30s, 2m, 1h or ISO-8601 such as PT30S (exit code 5 if --count was not reached).")
    Duration timeout;

    /** Printed besides the counted frames: what changes what was printed, and who is reading and typing. */
    static final java.util.Set<String> SHOWN =
            java.util.Set.of("error", "edited", "deleted", "typing", "receipt", "unread", "marked");

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Render render = new Render(false);
        AtomicInteger received = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(1);
        // an error line names its request (a refused join), through the session it is a handler of
        java.util.concurrent.atomic.AtomicReference<ChatSession> self =
                new java.util.concurrent.atomic.AtomicReference<>();
        try (ChatSession session = new ChatSession(
                connection::endpoint,
                connection.renewable() ? connection::currentToken : null,
                false,
                frame -> {
                    String type = SendCommand.type(frame);
                    boolean counted = "message".equals(type) || "direct".equals(type) || "notification".equals(type);
                    if (!counted && !SHOWN.contains(type)) {
                        return;
                    }
                    String line = json
                            ? frame.toString()
                            : render.line(
                                    frame,
                                    self.get() == null ? null : self.get().requestOf(frame));
                    if (line == null) {
                        return; // a receipt: only in --json
                    }
                    synchronized (out) {
                        out.println(line);
                        out.flush();
                    }
                    if (counted && count != null && received.incrementAndGet() >= count) {
                        done.countDown();
                    }
                },
                status -> err.println("switchboard: " + TerminalText.safe(status)))) {
            self.set(session);
            session.start(rooms);
            // on standard error, so --json output stays data: a script waits for this line before it sends
            CompletableFuture.allOf(rooms.stream().map(session::joined).toArray(CompletableFuture[]::new))
                    .thenRun(() -> {
                        err.println("switchboard: listening in " + String.join(", ", rooms));
                        err.flush();
                    });
            session.stopped().thenRun(done::countDown);
            boolean finished =
                    timeout == null ? awaitForever(done) : done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (session.stopped().isDone()) {
                return session.stopped().join().exitCode;
            }
            if (!finished && count != null) {
                err.println("switchboard: " + received.get() + " of " + count + " messages before the timeout");
                return ExitCode.TIMEOUT;
            }
            return ExitCode.OK;
        }
    }

    /** Reads {@code --count}: a whole number of 1 or more; 0 or less would exit at the first message or never. */
    static final class PositiveCount implements picocli.CommandLine.ITypeConverter<Integer> {
        /** @throws picocli.CommandLine.TypeConversionException for anything else, naming what is accepted */
        @Override
        public Integer convert(String value) {
            try {
                int parsed = Integer.parseInt(value.strip());
                if (parsed >= 1) {
                    return parsed;
                }
            } catch (NumberFormatException e) {
                // the message below
            }
            throw new picocli.CommandLine.TypeConversionException(
                    "'" + value + "' is not a count: give a whole number of messages, 1 or more");
        }
    }

    private static boolean awaitForever(CountDownLatch done) throws InterruptedException {
        done.await();
        return true;
    }
}
