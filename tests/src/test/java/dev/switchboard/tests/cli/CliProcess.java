package dev.switchboard.tests.cli;

import static org.awaitility.Awaitility.await;

import dev.switchboard.cli.Main;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A CLI command running as a person or a script runs it, on a thread of its own: its keyboard is a pipe
 * the test types lines into ({@link #type}), its standard output and error are captured, and every wait
 * on it is bounded ({@link #awaitOut}, {@link #exit}). {@link #run} is the one-shot form: a command with
 * nothing on its standard input, run to its end.
 *
 * <pre>{@code
 * try (CliProcess chat = CliProcess.start("chat", "--url", url, "--user", "ada", "--room", "tea")) {
 *     chat.awaitOut("talking in tea", LocalCloudExtension.WAIT);
 *     chat.type("/quit");
 *     assertThat(chat.exitCode(Duration.ofSeconds(30))).isZero();
 * }
 * }</pre>
 */
final class CliProcess implements AutoCloseable {

    /** What a finished command returned and printed. */
    record Run(int exitCode, String out, String err) {}

    private final PipedOutputStream keys;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();
    private final CompletableFuture<Integer> exit;

    private CliProcess(String[] args) throws IOException {
        keys = new PipedOutputStream();
        InputStream keyboard = new PipedInputStream(keys);
        exit = inThreadOfItsOwn("cli-" + args[0], () -> execute(keyboard, out, err, args));
    }

    /**
     * Runs {@code command} on a new daemon thread, as a process of its own would run: never on the common
     * pool, whose few threads (one per core but one) a command would hold for as long as it runs, blocked on its
     * keyboard or the server, so that on a machine of a few cores a second command could wait for the first.
     */
    static CompletableFuture<Integer> inThreadOfItsOwn(String name, java.util.function.Supplier<Integer> command) {
        CompletableFuture<Integer> exit = new CompletableFuture<>();
        Thread thread = new Thread(
                () -> {
                    try {
                        exit.complete(command.get());
                    } catch (Throwable e) {
                        exit.completeExceptionally(e);
                    }
                },
                name);
        thread.setDaemon(true); // a command a failed test left running never holds the test JVM
        thread.start();
        return exit;
    }

    /**
     * Starts {@code switchboard ARGS} with a keyboard the test types into; it runs until it ends by itself
     * ({@code listen --count}, {@code /quit}) or its keyboard is closed ({@link #close}).
     */
    static CliProcess start(String... args) throws IOException {
        return new CliProcess(args);
    }

    /** Runs {@code switchboard ARGS} to its end, nothing on its standard input, on the calling thread. */
    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = execute(new ByteArrayInputStream(new byte[0]), out, err, args);
        return new Run(code, out.toString(), err.toString());
    }

    private static int execute(InputStream input, StringWriter out, StringWriter err, String[] args) {
        return Main.commandLine(new Main(input))
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args);
    }

    /** Types {@code line} and Enter (a newline), as the command reads its lines. */
    void type(String line) throws IOException {
        keys.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        keys.flush();
    }

    /** Everything printed on standard output so far. */
    String out() {
        return out.toString();
    }

    /** Everything printed on standard error so far. */
    String err() {
        return err.toString();
    }

    /**
     * Waits until standard output contains {@code text}.
     *
     * @throws org.awaitility.core.ConditionTimeoutException when it did not within {@code atMost}
     */
    void awaitOut(String text, Duration atMost) {
        await().atMost(atMost).until(() -> out().contains(text));
    }

    /**
     * The exit code, once the command has ended.
     *
     * @throws TimeoutException when it is still running after {@code atMost}
     */
    int exitCode(Duration atMost) throws InterruptedException, ExecutionException, TimeoutException {
        return exit.get(atMost.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * The exit code and all the command printed, once it has ended.
     *
     * @throws TimeoutException when it is still running after {@code atMost}
     */
    Run exit(Duration atMost) throws InterruptedException, ExecutionException, TimeoutException {
        return new Run(exitCode(atMost), out(), err());
    }

    /** Closes the keyboard: a chat still running reads the end of its input and ends. */
    @Override
    public void close() throws IOException {
        keys.close();
    }
}
