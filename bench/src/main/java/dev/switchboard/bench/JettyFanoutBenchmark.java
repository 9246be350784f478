package dev.switchboard.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;

/**
 * TEMPORARY, for one comparison run (--load-client jetty): the fan-out benchmark as it was, on
 * Jetty's WebSocketClient, to measure how much the load client itself costs. Removed after that run.
 *
 * N members in one room, one sender sending M messages one after another; for each message, when
 * each member got it. Everything is bounded: connection count, message count and every wait.
 */
public final class JettyFanoutBenchmark {

    /** Marks a measured message in the text: {@code msg#<seq>#}; nothing else in a frame contains it. */
    private static final String TAG = "msg#";
    /** Messages 1..WARM_UP warm up and are not measured. */
    private static final int WARM_UP = 3;
    private final PrintStream progress;

    public JettyFanoutBenchmark(PrintStream progress) {
        this.progress = progress;
    }

    public FanoutBenchmark.Result run(Target target, int members, int messages, Duration perMessageTimeout) throws Exception {
        WebSocketClient client = new WebSocketClient();
        client.setIdleTimeout(Duration.ofMinutes(5));
        client.setMaxTextMessageSize(256 * 1024);
        client.start();
        // receipts[m * members + i] = nanoTime member i got message m (0 = not yet)
        int total = WARM_UP + messages;
        AtomicLongArray receipts = new AtomicLongArray((total + 1) * members);
        long[] sentAt = new long[total + 1];
        List<CountDownLatch> arrived = new ArrayList<>();
        for (int m = 0; m <= total; m++) {
            arrived.add(new CountDownLatch(members));
        }
        Readiness joined = new Readiness(members);
        List<Session> sessions = new ArrayList<>();
        try {
            progress.printf("%s: connecting %d members%n", target.name(), members);
            sessions.addAll(open(client, members, i -> target.uri("member" + i),
                    i -> new Member(i, members, receipts, arrived, joined, target), progress, "  " + target.name()));
            int failures = members - sessions.size();
            Session sender = client.connect(new Member(-1, members, receipts, arrived, joined, target),
                    target.uri("sender")).get(30, TimeUnit.SECONDS);
            long joinDeadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (!joined.all() && System.nanoTime() < joinDeadline) {
                joined.await(Duration.ofSeconds(5));
                progress.printf("  %d/%d members joined%n", joined.count(), members);
            }

            // Warm-up: the same path as the measured messages (function instances, HTTP connections, JIT),
            // each message awaited in full so none is still queued when measuring starts.
            for (int m = 1; m <= WARM_UP; m++) {
                sender.sendText(target.message(TAG + m + "#"), Callback.NOOP);
                arrived.get(m).await(60, TimeUnit.SECONDS);
            }
            progress.printf("  warmed up with %d messages; measuring %d%n", WARM_UP, messages);

            long start = System.nanoTime();
            int completed = 0;
            for (int m = WARM_UP + 1; m <= total; m++) {
                sentAt[m] = System.nanoTime();
                sender.sendText(target.message(TAG + m + "#"), Callback.NOOP);
                if (!arrived.get(m).await(perMessageTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    progress.printf("  message %d: only %d/%d members got it within %s%n", m,
                            members - arrived.get(m).getCount(), members, perMessageTimeout);
                }
                completed++;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return FanoutBenchmark.summarize(target.name() + ", Jetty client", members, WARM_UP + 1, completed, receipts, sentAt, seconds, failures);
        } finally {
            sessions.forEach(Session::close);
            client.stop();
        }
    }

    /** Which members have seen a warm-up message. */
    private static final class Readiness {
        private final ConcurrentHashMap<Integer, Boolean> seen = new ConcurrentHashMap<>();
        private final int size;

        Readiness(int size) {
            this.size = size;
        }

        void add(int member) {
            if (seen.putIfAbsent(member, Boolean.TRUE) == null && seen.size() == size) {
                synchronized (this) {
                    notifyAll();
                }
            }
        }

        boolean all() {
            return seen.size() >= size;
        }

        int count() {
            return seen.size();
        }

        synchronized void await(Duration timeout) throws InterruptedException {
            if (!all()) {
                wait(timeout.toMillis());
            }
        }
    }

    public static final class Member implements Session.Listener.AutoDemanding {
        private final int index;
        private final int members;
        private final AtomicLongArray receipts;
        private final List<CountDownLatch> arrived;
        private final Readiness joined;
        private final Target target;
        private final String user;

        Member(int index, int members, AtomicLongArray receipts, List<CountDownLatch> arrived, Readiness joined,
               Target target) {
            this.index = index;
            this.members = members;
            this.receipts = receipts;
            this.arrived = arrived;
            this.joined = joined;
            this.target = target;
            this.user = index < 0 ? "sender" : "member" + index;
        }

        @Override
        public void onWebSocketOpen(Session session) {
            target.memberSetup().forEach(frame -> session.sendText(frame, Callback.NOOP));
            if (index >= 0 && target.memberSetup().isEmpty()) {
                joined.add(index);
            }
        }

        @Override
        public void onWebSocketText(String frame) {
            long now = System.nanoTime();
            if (index < 0) {
                return; // the sender: acks and its own copies are not deliveries
            }
            int at = frame.indexOf(TAG);
            if (at < 0) {
                if (target.confirmsJoin(frame, user)) {
                    joined.add(index);
                }
                return;
            }
            int end = frame.indexOf('#', at + TAG.length());
            int m;
            try {
                m = Integer.parseInt(frame, at + TAG.length(), end, 10);
            } catch (RuntimeException e) {
                return; // not ours; a listener that throws would get its session closed
            }
            if (m < arrived.size() && receipts.compareAndSet(m * members + index, 0, now)) {
                arrived.get(m).countDown();
            }
        }
    }


    /** The bounded connect loop the benchmark had for Jetty's client. */
    static List<Session> open(WebSocketClient client, int count, java.util.function.IntFunction<java.net.URI> uri,
                              java.util.function.IntFunction<Object> listener, PrintStream progress, String label)
            throws InterruptedException {
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(256);
        List<java.util.concurrent.CompletableFuture<Session>> pending = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            inFlight.acquire();
            java.util.concurrent.CompletableFuture<Session> connected;
            try {
                connected = client.connect(listener.apply(i), uri.apply(i));
            } catch (java.io.IOException e) {
                inFlight.release();
                continue;
            }
            connected.whenComplete((s, e) -> inFlight.release());
            pending.add(connected);
            if ((i + 1) % 1000 == 0) {
                progress.printf("%s: connected %d/%d%n", label, i + 1, count);
            }
        }
        List<Session> sessions = new ArrayList<>(count);
        for (java.util.concurrent.CompletableFuture<Session> each : pending) {
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
