package dev.switchboard.local;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Map;
import java.util.TreeMap;

/** Start-up failures a user can cause, told in one line that names the flag to change. */
final class StartupProblem {
    private StartupProblem() {}

    /**
     * The first of the given ports (flag name to port; 0 = a free one, never busy) that something else
     * already listens on, as a sentence naming the flag; null when all are free.
     */
    static String busyPort(Map<String, Integer> portsByFlag) {
        for (Map.Entry<String, Integer> entry : new TreeMap<>(portsByFlag).entrySet()) {
            int port = entry.getValue();
            if (port != 0 && !free(port)) {
                return "port " + port + " is already in use: stop what uses it or pass " + entry.getKey()
                        + " with another port (" + entry.getKey() + " 0 picks a free one)";
            }
        }
        return null;
    }

    private static boolean free(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            // With SO_REUSEADDR, as Jetty binds: a port left in TIME_WAIT by a stopped cloud counts as free.
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * How to see the stack of a failed start: {@code bin/switchboard-local} passes {@code SWITCHBOARD_JAVA_OPTS} to
     * java; a {@code -D} flag given to the command itself is refused as an unknown option.
     */
    static final String DETAILS = "for details run it again with SWITCHBOARD_JAVA_OPTS=-Dswitchboard.log.level=DEBUG"
            + " (java -jar: give the -D flag to java)";

    /**
     * One line for an exception that ended start-up: the cause a user can act on, not the stack. The message is
     * the cause's as its outermost wrapper worded it, when a wrapper only added where it happened (TemplateReader
     * prefixes the file, resource and property to the intrinsic it cannot resolve); wrappers that quote their
     * cause's class name (picocli's, {@code new Exception(cause)}) are skipped.
     */
    static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof BindException) {
                return "a port is already in use (" + t.getMessage() + "): pass --port, --dynamodb-port or --sns-port"
                        + " with another port (0 picks a free one)";
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        for (Throwable t = e; t != root && root.getMessage() != null; t = t.getCause()) {
            String outer = t.getMessage();
            if (outer != null
                    && outer.endsWith(root.getMessage())
                    && !outer.contains(t.getCause().getClass().getName() + ":")) {
                message = outer;
                break;
            }
        }
        return "could not start: " + message + " (" + DETAILS + ")";
    }
}
