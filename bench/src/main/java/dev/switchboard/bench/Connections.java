package dev.switchboard.bench;

import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/** Opens many WebSocket connections with a bounded number of handshakes in flight, reporting progress. */
final class Connections {

    private static final int HANDSHAKES_IN_FLIGHT = 256;

    private Connections() {
    }

    /**
     * Connects client {@code i} to {@code uri.apply(i)} with {@code listener.apply(i)}, for i below
     * {@code count}; returns the sessions that opened (failures are reported, not thrown).
     */
    static List<Session> open(WebSocketClient client, int count, IntFunction<URI> uri, IntFunction<Object> listener,
                              PrintStream progress, String label) throws InterruptedException, java.io.IOException {
        Semaphore inFlight = new Semaphore(HANDSHAKES_IN_FLIGHT);
        List<CompletableFuture<Session>> pending = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            CompletableFuture<Session> connected = client.connect(listener.apply(i), uri.apply(i));
            connected.whenComplete((s, e) -> inFlight.release());
            pending.add(connected);
            if ((i + 1) % 1000 == 0) {
                progress.printf("%s: connected %d/%d%n", label, i + 1, count);
            }
        }
        List<Session> sessions = new ArrayList<>(count);
        for (CompletableFuture<Session> each : pending) {
            try {
                sessions.add(each.get(60, TimeUnit.SECONDS));
            } catch (Exception e) {
                // counted below
            }
        }
        if (sessions.size() < count) {
            progress.printf("%s: %d of %d connections failed (check `ulimit -n`)%n", label, count - sessions.size(), count);
        }
        return sessions;
    }
}
