package dev.switchboard.bench;

import dev.switchboard.bench.websocket.LoadClient;
import dev.switchboard.bench.websocket.NettyWebSocketClient;
import dev.switchboard.bench.websocket.WebSocketConnection;
import dev.switchboard.bench.websocket.WebSocketListener;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Function;

/**
 * N members in one room, one sender sending M messages one after another; for each message, when
 * each member got it. Everything is bounded: connection count, message count and every wait.
 * Members and sender are connections of one load client ({@link NettyWebSocketClient}: Netty's WebSocket
 * client on one event loop): it shares the machine with the server under test, so the less CPU it spends
 * per received message, the less it skews what is measured.
 */
public final class FanoutBenchmark {

    /** Figures of one run; latencies in ms from the sender's send call to a member's receipt. */
    public record Result(
            String target,
            int members,
            int messages,
            Stats perRecipient,
            Stats firstDelivery,
            Stats lastDelivery,
            double deliveriesPerSecond,
            int connectFailures) {}

    /** Marks a measured message in the text: {@code msg#<seq>#}; nothing else in a frame contains it. */
    private static final String TAG = "msg#";
    /**
     * Messages 1..warmUp(members) warm up and are not measured: about 20,000 deliveries (at least 3
     * messages, at most 20), so both servers' JITs have compiled the delivery path before measuring.
     * With 3 for every size, a fresh ceiling JVM was measured still half-interpreted (2x its warm figure).
     */
    static int warmUp(int members) {
        return Math.max(3, Math.min(20, 20_000 / Math.max(1, members)));
    }

    private final PrintStream progress;

    private final Function<Duration, LoadClient> clients;

    /** Measures with {@link NettyWebSocketClient}. */
    public FanoutBenchmark(PrintStream progress) {
        this(progress, NettyWebSocketClient::new);
    }

    /** @param clients builds the load client from its handshake timeout */
    public FanoutBenchmark(PrintStream progress, Function<Duration, LoadClient> clients) {
        this.progress = progress;
        this.clients = clients;
    }

    public Result run(Target target, int members, int messages, Duration perMessageTimeout) throws Exception {
        // receipts[m * members + i] = nanoTime member i got message m (0 = not yet)
        int warmUp = warmUp(members);
        int total = warmUp + messages;
        AtomicLongArray receipts = new AtomicLongArray((total + 1) * members);
        long[] sentAt = new long[total + 1];
        List<CountDownLatch> arrived = new ArrayList<>();
        for (int m = 0; m <= total; m++) {
            arrived.add(new CountDownLatch(members));
        }
        Readiness joined = new Readiness(members);
        try (LoadClient client = clients.apply(Duration.ofSeconds(30))) {
            progress.printf("%s: connecting %d members%n", target.name(), members);
            List<WebSocketConnection> connections = Connections.open(
                    client,
                    members,
                    i -> target.uri("member" + i),
                    i -> new Member(i, members, receipts, arrived, joined, target),
                    progress,
                    "  " + target.name());
            int failures = members - connections.size();
            // Only connected members can receive: waiting for the others would turn every message into a timeout.
            for (CountDownLatch latch : arrived) {
                for (int f = 0; f < failures; f++) {
                    latch.countDown();
                }
            }
            joined.expect(connections.size());
            WebSocketConnection sender = client.connect(
                            target.uri("sender"), new Member(-1, members, receipts, arrived, joined, target))
                    .get(30, TimeUnit.SECONDS);
            long joinDeadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (!joined.all() && System.nanoTime() < joinDeadline) {
                joined.await(Duration.ofSeconds(5));
                progress.printf("  %d/%d members joined%n", joined.count(), members);
            }

            // Warm-up: the same path as the measured messages (function instances, HTTP connections, JIT),
            // each message awaited in full so none is still queued when measuring starts.
            for (int m = 1; m <= warmUp; m++) {
                sender.sendText(target.message(TAG + m + "#"));
                arrived.get(m).await(60, TimeUnit.SECONDS);
            }
            progress.printf("  warmed up with %d messages; measuring %d%n", warmUp, messages);

            long start = System.nanoTime();
            int completed = 0;
            for (int m = warmUp + 1; m <= total; m++) {
                sentAt[m] = System.nanoTime();
                sender.sendText(target.message(TAG + m + "#"));
                if (!arrived.get(m).await(perMessageTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    progress.printf(
                            "  message %d: only %d/%d members got it within %s%n",
                            m, members - arrived.get(m).getCount(), members, perMessageTimeout);
                }
                completed++;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            return summarize(target.name(), members, warmUp + 1, completed, receipts, sentAt, seconds, failures);
        }
    }

    /** Figures of messages {@code from .. from + messages - 1}. */
    static Result summarize(
            String target,
            int members,
            int from,
            int messages,
            AtomicLongArray receipts,
            long[] sentAt,
            double seconds,
            int failures) {
        long[] all = new long[messages * members];
        long[] first = new long[messages];
        long[] last = new long[messages];
        int n = 0;
        for (int m = from; m < from + messages; m++) {
            long min = Long.MAX_VALUE;
            long max = 0;
            for (int i = 0; i < members; i++) {
                long at = receipts.get(m * members + i);
                if (at == 0) {
                    continue;
                }
                long latency = at - sentAt[m];
                all[n++] = latency;
                min = Math.min(min, latency);
                max = Math.max(max, latency);
            }
            first[m - from] = min == Long.MAX_VALUE ? 0 : min;
            last[m - from] = max;
        }
        return new Result(
                target,
                members,
                messages,
                Stats.of(java.util.Arrays.copyOf(all, n)),
                Stats.of(first),
                Stats.of(last),
                n / seconds,
                failures);
    }

    /** Which members have seen a warm-up message. */
    private static final class Readiness {
        private final ConcurrentHashMap<Integer, Boolean> seen = new ConcurrentHashMap<>();
        private volatile int size;

        Readiness(int size) {
            this.size = size;
        }

        void add(int member) {
            if (seen.putIfAbsent(member, Boolean.TRUE) == null && seen.size() >= size) {
                synchronized (this) {
                    notifyAll();
                }
            }
        }

        /** Waits for {@code connected} members only (some connections failed). */
        synchronized void expect(int connected) {
            size = connected;
            notifyAll();
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

    /** A member (or, with index -1, the sender): joins on open, stamps each measured message it receives. */
    static final class Member implements WebSocketListener {
        private final int index;
        private final int members;
        private final AtomicLongArray receipts;
        private final List<CountDownLatch> arrived;
        private final Readiness joined;
        private final Target target;
        private final String user;

        Member(
                int index,
                int members,
                AtomicLongArray receipts,
                List<CountDownLatch> arrived,
                Readiness joined,
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
        public void onOpen(WebSocketConnection connection) {
            target.memberSetup().forEach(connection::sendText);
            if (index >= 0 && target.memberSetup().isEmpty()) {
                joined.add(index);
            }
        }

        @Override
        public void onText(WebSocketConnection connection, String frame, long receivedNanos) {
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
                return; // not ours; a listener that throws would get its connection closed
            }
            if (m < arrived.size() && receipts.compareAndSet(m * members + index, 0, receivedNanos)) {
                arrived.get(m).countDown();
            }
        }
    }
}
