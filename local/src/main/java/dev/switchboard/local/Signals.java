package dev.switchboard.local;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Freezes and thaws function instances with {@code SIGSTOP} / {@code SIGCONT}, as Lambda freezes
 * an execution environment between invocations. Java can send only SIGTERM and SIGKILL
 * ({@link ProcessHandle#destroy()}), so the signals go through one long-lived {@code bash}, whose
 * {@code kill} builtin sends them without starting a process per signal (two per invocation).
 * Signals are sent in the order asked, so a freeze followed by a thaw of one instance arrive in
 * that order. The shell also outlives nothing: when the local cloud's JVM ends, however it ends
 * (even killed), the shell reads the end of its input and kills every instance still registered,
 * so no frozen function process is left behind.
 */
final class Signals implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard.lambda");

    private final Process shell;
    private final OutputStream commands;
    private boolean closed;

    private Signals(Process shell) {
        this.shell = shell;
        this.commands = shell.getOutputStream();
    }

    /**
     * Starts the signalling shell.
     *
     * @throws IOException when {@code bash} cannot be started (the local cloud then cannot freeze
     *     instances; it says so and leaves them running)
     */
    static Signals start() throws IOException {
        String script = "declare -A pids\n"
                + "while read -r cmd pid; do\n"
                + "  case $cmd in\n"
                + "    REG) pids[$pid]=1 ;;\n"
                + "    UNREG) unset \"pids[$pid]\" ;;\n"
                + "    *) kill -$cmd $pid ;;\n"
                + "  esac\n"
                + "done\n"
                + "for p in \"${!pids[@]}\"; do kill -KILL $p; done\n";
        ProcessBuilder builder = new ProcessBuilder("bash", "--noprofile", "--norc", "-c", script);
        // A signal to an instance that has just exited is not an error worth a line.
        builder.redirectError(ProcessBuilder.Redirect.DISCARD).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        return new Signals(builder.start());
    }

    /** Remembers an instance, to be killed if the local cloud ends without ending it. */
    void register(long pid) {
        write("REG " + pid);
    }

    /** Forgets an instance that ended. */
    void unregister(long pid) {
        write("UNREG " + pid);
    }

    /** Stops (freezes) process {@code pid}: none of its threads runs until {@link #thaw}. */
    void freeze(long pid) {
        send("STOP", pid);
    }

    /** Resumes (thaws) process {@code pid}. */
    void thaw(long pid) {
        send("CONT", pid);
    }

    private void send(String signal, long pid) {
        write(signal + " " + pid);
    }

    private synchronized void write(String command) {
        if (closed) {
            return; // the local cloud is stopping: the shell has killed whatever was still registered
        }
        try {
            commands.write((command + "\n").getBytes(StandardCharsets.US_ASCII));
            commands.flush();
        } catch (IOException e) {
            LOG.warn("cannot tell the signalling shell '{}': {} (it ended)", command, e.toString());
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        try {
            commands.close();
        } catch (IOException e) {
            // ending anyway
        }
        shell.destroy();
    }
}
