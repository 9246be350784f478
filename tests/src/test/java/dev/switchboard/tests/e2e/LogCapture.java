package dev.switchboard.tests.e2e;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Captures what the local cloud and the handlers log. They log through logback's console appender, which writes
 * to whatever {@code System.err} is at the time of each line, so a tee on System.err sees every
 * line (still echoed to the real stderr) until {@link #close()}.
 */
final class LogCapture implements AutoCloseable {

    private final PrintStream original = System.err;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    LogCapture() {
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                synchronized (captured) {
                    captured.write(b);
                }
                original.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (captured) {
                    captured.write(b, off, len);
                }
                original.write(b, off, len);
            }

            @Override
            public void flush() {
                original.flush();
            }
        };
        System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
    }

    String text() {
        synchronized (captured) {
            return captured.toString(StandardCharsets.UTF_8);
        }
    }

    List<String> lines() {
        return text().lines().toList();
    }

    /** The groups of every line matching {@code pattern}. */
    List<Matcher> matching(Pattern pattern) {
        return lines().stream().map(pattern::matcher).filter(Matcher::find).toList();
    }

    @Override
    public void close() {
        System.err.flush();
        System.setErr(original);
    }
}
