package dev.switchboard.bench;

import dev.switchboard.bench.websocket.LoadClient;
import dev.switchboard.bench.websocket.WebSocketConnection;
import dev.switchboard.bench.websocket.WebSocketListener;
import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/** Opens many WebSocket connections with a bounded number of handshakes in flight, reporting progress. */
final class Connections {

    /**
     * Handshakes at once. The local cloud runs each {@code $connect} through a function instance (a few per
     * function, events queue for them): at 256 in flight a member could wait past the client's 30 s handshake
     * timeout behind the others on a busy machine; the connect phase is not measured, so fewer at once only
     * makes it reliable.
     */
    private static final int HANDSHAKES_IN_FLIGHT = 64;
    /** Past the client's own handshake timeout: a future still pending then is a bug, not a slow server. */
    private static final long RESULT_WAIT_SECONDS = 120;

    private Connections() {}

    /**
     * Connects client {@code i} to {@code uri.apply(i)} with {@code listener.apply(i)}, for i below
     * {@code count}; returns the connections that opened. Failures are counted and reported by
     * cause, not thrown.
     */
    static List<WebSocketConnection> open(
            LoadClient client,
            int count,
            IntFunction<URI> uri,
            IntFunction<WebSocketListener> listener,
            PrintStream progress,
            String label)
            throws InterruptedException {
        Semaphore inFlight = new Semaphore(HANDSHAKES_IN_FLIGHT);
        List<CompletableFuture<WebSocketConnection>> pending = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            CompletableFuture<WebSocketConnection> connected = client.connect(uri.apply(i), listener.apply(i));
            connected.whenComplete((c, e) -> inFlight.release());
            pending.add(connected);
            if ((i + 1) % 1000 == 0) {
                progress.printf("%s: connected %d/%d%n", label, i + 1, count);
            }
        }
        List<WebSocketConnection> connections = new ArrayList<>(count);
        Map<String, Integer> failures = new TreeMap<>();
        for (CompletableFuture<WebSocketConnection> each : pending) {
            try {
                connections.add(each.get(RESULT_WAIT_SECONDS, TimeUnit.SECONDS));
            } catch (ExecutionException e) {
                count(failures, String.valueOf(e.getCause()));
            } catch (TimeoutException e) {
                count(failures, "no outcome within " + RESULT_WAIT_SECONDS + " s");
            }
        }
        if (!failures.isEmpty()) {
            progress.printf(
                    "%s: %d of %d connections failed (check `ulimit -n`): %s%n",
                    label, count - connections.size(), count, failures);
        }
        return connections;
    }

    /** Counts a failure by cause; past a handful of distinct causes the rest are lumped together. */
    private static void count(Map<String, Integer> failures, String cause) {
        failures.merge(failures.size() < 5 || failures.containsKey(cause) ? cause : "other causes", 1, Integer::sum);
    }
}
