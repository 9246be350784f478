package dev.switchboard.core.metrics;

import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * The metrics of one function instance's current invocation. Counting is a {@link DoubleAdder}
 * increment, safe from the fan-out's HTTP threads and never blocking a post; {@link #flush}
 * hands everything to the {@link MetricsSink} once the invocation's work is done (Powertools'
 * "flush per invocation") and starts afresh.
 *
 * <p>On CloudWatch: namespace {@code POWERTOOLS_METRICS_NAMESPACE} (default {@code Switchboard}),
 * dimension {@code Service} = {@code POWERTOOLS_SERVICE_NAME} (the stack name in template.yaml);
 * {@link Metric#FRAMES} and {@link Metric#CONNECTIONS_REFUSED} are also emitted with a second
 * dimension ({@code Action} / {@code Reason}) in a record of their own.
 *
 * <p>One instance per function instance: Lambda gives an instance one event at a time.
 */
public final class InvocationMetrics {

    /** What one invocation recorded. */
    public record Snapshot(Map<Metric, Double> values, Optional<Breakdown> breakdown, String requestId) {
        public boolean isEmpty() {
            return values.isEmpty();
        }
    }

    /** The one dimension an invocation's breakdown record adds: (Action, send) or (Reason, unauthorized). */
    public record Breakdown(Metric metric, String dimension, String value) {}

    private final MetricsSink sink;
    private final Map<Metric, DoubleAdder> values = new ConcurrentHashMap<>();
    private final AtomicReference<Breakdown> breakdown = new AtomicReference<>();
    private final AtomicBoolean cold = new AtomicBoolean(true);
    private volatile long startedNanos = System.nanoTime();
    /** The slowest fan-out of the invocation, in ms; -1 when none settled. */
    private final AtomicReference<Double> fanOutMillis = new AtomicReference<>(-1.0);

    public InvocationMetrics(MetricsSink sink) {
        this.sink = sink;
    }

    /** SnapStart priming: the sink's classes loaded before the snapshot, nothing recorded or written. */
    public void prime() {
        sink.prime();
    }

    /** Metrics that go nowhere (unit tests of one class). */
    public static InvocationMetrics discarding() {
        return new InvocationMetrics(MetricsSink.NONE);
    }

    /**
     * Marks the start of an invocation (the origin of {@link Metric#FAN_OUT_LATENCY}); the first one
     * counts a cold start. Returns true for that first one.
     */
    public boolean begin() {
        startedNanos = System.nanoTime();
        boolean first = cold.getAndSet(false);
        if (first) {
            count(Metric.COLD_START);
        }
        return first;
    }

    public void count(Metric metric) {
        add(metric, 1);
    }

    public void add(Metric metric, double amount) {
        values.computeIfAbsent(metric, m -> new DoubleAdder()).add(amount);
    }

    /** Records {@code metric} += 1 and the dimension its breakdown record carries (one per invocation: the last wins). */
    public void count(Metric metric, String dimension, String value) {
        count(metric);
        breakdown.set(new Breakdown(metric, dimension, value));
    }

    /**
     * Records {@link Metric#FAN_OUT_LATENCY} as the time since {@link #begin()}, in milliseconds
     * (the slowest fan-out when an invocation has several, e.g. a presence and a message).
     */
    public void fanOutSettled() {
        double millis = (System.nanoTime() - startedNanos) / 1_000_000.0;
        fanOutMillis.accumulateAndGet(millis, Math::max);
    }

    /** Publishes what this invocation recorded (nothing when it recorded nothing) and starts afresh. */
    public void flush(String requestId) {
        Map<Metric, Double> snapshot = new EnumMap<>(Metric.class);
        for (Metric metric : Metric.values()) {
            DoubleAdder adder = values.remove(metric);
            if (adder != null) {
                snapshot.put(metric, adder.sum());
            }
        }
        double latency = fanOutMillis.getAndSet(-1.0);
        if (latency >= 0) {
            snapshot.put(Metric.FAN_OUT_LATENCY, latency);
        }
        Breakdown dimension = breakdown.getAndSet(null);
        if (!snapshot.isEmpty()) {
            sink.publish(new Snapshot(snapshot, Optional.ofNullable(dimension), requestId));
        }
    }
}
