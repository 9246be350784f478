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
 * that order.
 */
final class Signals implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger("switchboard.lambda");

  private final Process shell;
  private final OutputStream commands;

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
    ProcessBuilder builder = new ProcessBuilder("bash", "--noprofile", "--norc");
    // A signal to an instance that has just exited is not an error worth a line.
    builder.redirectError(ProcessBuilder.Redirect.DISCARD).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    return new Signals(builder.start());
  }

  /** Stops (freezes) process {@code pid}: none of its threads runs until {@link #thaw}. */
  void freeze(long pid) {
    send("STOP", pid);
  }

  /** Resumes (thaws) process {@code pid}. */
  void thaw(long pid) {
    send("CONT", pid);
  }

  private synchronized void send(String signal, long pid) {
    try {
      commands.write(("kill -" + signal + " " + pid + "\n").getBytes(StandardCharsets.US_ASCII));
      commands.flush();
    } catch (IOException e) {
      LOG.warn("cannot send SIG{} to instance {}: {} (the signalling shell ended)", signal, pid, e.toString());
    }
  }

  @Override
  public synchronized void close() {
    try {
      commands.close();
    } catch (IOException e) {
      // ending anyway
    }
    shell.destroy();
  }
}
