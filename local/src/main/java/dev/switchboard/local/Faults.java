package dev.switchboard.local;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fault injection for the {@code @connections} API, so tests can check how handlers survive
 * API Gateway's errors (410 for a vanished client, 429 throttling, 500) without waiting for them.
 */
public final class Faults {
    private final AtomicInteger remaining = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong injected = new java.util.concurrent.atomic.AtomicLong();
    private volatile int countStatus;
    private volatile double rate;
    private volatile int rateStatus;
    /** Connection id → {status, calls left}: faults for one recipient while the others are served. */
    private final Map<String, int[]> perConnection = new ConcurrentHashMap<>();

    /** The next {@code count} {@code @connections} calls answer {@code status} (410, 429 or 500). */
    public Faults failNext(int status, int count) {
        countStatus = status;
        remaining.set(count);
        return this;
    }

    /** Each {@code @connections} call answers {@code status} with probability {@code rate} (0..1). */
    public Faults failRate(int status, double rate) {
        this.rateStatus = status;
        this.rate = rate;
        return this;
    }

    /**
     * The next {@code count} {@code @connections} calls for {@code connectionId} answer {@code status};
     * calls for other connections are served (unless another fault applies).
     */
    public Faults failConnection(String connectionId, int status, int count) {
        perConnection.put(connectionId, new int[] {status, count});
        return this;
    }

    /** Stops injecting faults. */
    public void clear() {
        remaining.set(0);
        rate = 0;
        perConnection.clear();
    }

    /** How many {@code @connections} calls were answered with an injected fault so far. */
    public long injected() {
        return injected.get();
    }

    /** The status to answer instead of serving a call for {@code connectionId}, or 0 to serve it. */
    int next(String connectionId) {
        int[] fault = perConnection.get(connectionId);
        if (fault != null) {
            synchronized (fault) {
                if (fault[1] > 0) {
                    fault[1]--;
                    injected.incrementAndGet();
                    return fault[0];
                }
            }
        }
        if (remaining.get() > 0 && remaining.getAndDecrement() > 0) {
            injected.incrementAndGet();
            return countStatus;
        }
        double r = rate;
        if (r > 0 && ThreadLocalRandom.current().nextDouble() < r) {
            injected.incrementAndGet();
            return rateStatus;
        }
        return 0;
    }
}
