package dev.switchboard.local.metrics;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Functions that run inside the local cloud's JVM write their EMF records to {@code System.out},
 * as on Lambda; this splits that stream into lines and hands each EMF record to every running
 * cloud's {@link MetricsBoard} instead of printing it (CloudWatch Logs, too, turns them into
 * metrics). Every other line is printed unchanged. JVM-wide because {@code System.out} is;
 * functions in processes of their own are read from their output instead.
 */
public final class EmfCapture {

    private static final List<MetricsBoard> BOARDS = new CopyOnWriteArrayList<>();
    private static final Object INSTALL = new Object();
    private static volatile PrintStream installed;

    private EmfCapture() {}

    /** Starts feeding {@code board} (installing the split on {@code System.out} the first time). */
    public static void register(MetricsBoard board) {
        synchronized (INSTALL) {
            if (installed == null || System.out != installed) {
                installed = new PrintStream(new LineSplitter(System.out), true, StandardCharsets.UTF_8);
                System.setOut(installed);
            }
            BOARDS.add(board);
        }
    }

    /**
     * One line a function printed (read from its own process's output): true when it was an EMF
     * record, now counted by every running cloud's board.
     */
    public static boolean offer(String line) {
        boolean metric = false;
        for (MetricsBoard board : BOARDS) {
            metric |= board.accept(line);
        }
        return metric;
    }

    /** Stops feeding {@code board}. */
    public static void unregister(MetricsBoard board) {
        BOARDS.remove(board);
    }

    /** Lines: EMF records to the boards, the rest to the original stream. */
    private static final class LineSplitter extends OutputStream {
        private final PrintStream out;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineSplitter(PrintStream out) {
            this.out = out;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                endLine();
            } else {
                line.write(b);
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }

        private void endLine() {
            String text = line.toString(StandardCharsets.UTF_8);
            line.reset();
            boolean metric = false;
            for (MetricsBoard board : BOARDS) {
                metric |= board.accept(text);
            }
            if (!metric) {
                out.println(text);
            }
        }

        @Override
        public synchronized void flush() {
            out.flush();
        }
    }
}
