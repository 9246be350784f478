package dev.switchboard.local.metrics;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the traffic through the local cloud would be billed for on AWS, in each service's billing
 * units, counted where the local cloud sees it: the gateway (messages, connection time,
 * {@code @connections} calls), the function runtime (requests, duration × memory), the SNS
 * endpoint (publishes) and the functions' own metrics (DynamoDB consumed capacity). Thread-safe.
 */
public final class Usage {

    /** One function's invocations: requests, billed milliseconds (each rounded up to 1 ms), GB-seconds. */
    public record FunctionUsage(long requests, long billedMillis, double gbSeconds, int memoryMb) {}

    private final LongAdder apiMessages = new LongAdder();
    private final LongAdder apiMessageUnits = new LongAdder();
    private final LongAdder closedConnectionMillis = new LongAdder();
    private final Map<Object, Long> openSince = new ConcurrentHashMap<>();
    private final LongAdder connectionsCalls = new LongAdder();
    private final AtomicLong callsSecond = new AtomicLong();
    private final AtomicLong callsInSecond = new AtomicLong();
    private final AtomicLong peakCallsPerSecond = new AtomicLong();
    private final Map<String, FunctionAcc> functions = new ConcurrentHashMap<>();
    private final LongAdder snsPublishes = new LongAdder();
    private final LongAdder snsPublishUnits = new LongAdder();

    private static final class FunctionAcc {
        final LongAdder requests = new LongAdder();
        final LongAdder billedMillis = new LongAdder();
        final int memoryMb;

        FunctionAcc(int memoryMb) {
            this.memoryMb = memoryMb;
        }
    }

    /** A WebSocket message API Gateway received from or sent to a client, of {@code bytes} bytes. */
    public void apiMessage(long bytes) {
        apiMessages.increment();
        apiMessageUnits.add(Math.max(1, (bytes + Prices.API_MESSAGE_UNIT_BYTES - 1) / Prices.API_MESSAGE_UNIT_BYTES));
    }

    /** A connection opened at {@code nowMillis}; {@code key} identifies it until {@link #connectionClosed}. */
    public void connectionOpened(Object key, long nowMillis) {
        openSince.put(key, nowMillis);
    }

    public void connectionClosed(Object key, long nowMillis) {
        Long since = openSince.remove(key);
        if (since != null) {
            closedConnectionMillis.add(Math.max(0, nowMillis - since));
        }
    }

    /** One call to the {@code @connections} API (POST, GET or DELETE) at {@code nowMillis}. */
    public synchronized void connectionsCall(long nowMillis) {
        connectionsCalls.increment();
        long second = nowMillis / 1000;
        long inSecond = callsSecond.getAndSet(second) == second ? callsInSecond.incrementAndGet() : resetTo1();
        peakCallsPerSecond.accumulateAndGet(inSecond, Math::max);
    }

    private long resetTo1() {
        callsInSecond.set(1);
        return 1;
    }

    /** One invocation of a function with {@code memoryMb} MB that ran {@code nanos} nanoseconds. */
    public void invocation(String function, int memoryMb, long nanos) {
        FunctionAcc acc = functions.computeIfAbsent(function, f -> new FunctionAcc(memoryMb));
        acc.requests.increment();
        acc.billedMillis.add(Math.max(1, (nanos + 999_999) / 1_000_000)); // Lambda bills duration per 1 ms, rounded up
    }

    /** One SNS Publish (or one entry of a PublishBatch) of {@code bytes} bytes. */
    public void snsPublish(long bytes) {
        snsPublishes.increment();
        snsPublishUnits.add(Math.max(1, (bytes + Prices.SNS_PUBLISH_UNIT_BYTES - 1) / Prices.SNS_PUBLISH_UNIT_BYTES));
    }

    public long apiMessages() {
        return apiMessages.sum();
    }

    public long apiMessageUnits() {
        return apiMessageUnits.sum();
    }

    /** Connection minutes so far, closed connections and the open ones up to {@code nowMillis}. */
    public double connectionMinutes(long nowMillis) {
        long millis = closedConnectionMillis.sum();
        for (Long since : openSince.values()) {
            millis += Math.max(0, nowMillis - since);
        }
        return millis / 60_000.0;
    }

    public long connectionsCalls() {
        return connectionsCalls.sum();
    }

    /** The most {@code @connections} calls seen within one clock second. */
    public long peakConnectionsCallsPerSecond() {
        return peakCallsPerSecond.get();
    }

    public Map<String, FunctionUsage> functions() {
        Map<String, FunctionUsage> out = new TreeMap<>();
        functions.forEach((name, acc) -> {
            long ms = acc.billedMillis.sum();
            out.put(name, new FunctionUsage(acc.requests.sum(), ms, ms / 1000.0 * acc.memoryMb / 1024.0, acc.memoryMb));
        });
        return out;
    }

    public long snsPublishes() {
        return snsPublishes.sum();
    }

    public long snsPublishUnits() {
        return snsPublishUnits.sum();
    }
}
