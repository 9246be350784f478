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

    /** One line for an exception that ended start-up: the cause a user can act on, not the stack. */
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
        return "could not start: " + message + " (run with -Dswitchboard.log.level=DEBUG" + " for details)";
    }
}
