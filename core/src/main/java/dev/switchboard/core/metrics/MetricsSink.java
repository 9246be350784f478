package dev.switchboard.core.metrics;

/** Where an invocation's metrics go when it ends: CloudWatch (EMF on stdout) on Lambda, nowhere in unit tests. */
public interface MetricsSink {

    /** Writes one invocation's metrics; never throws (metrics must not fail a request). */
    void publish(InvocationMetrics.Snapshot snapshot);

    /**
     * SnapStart priming: loads and initialises what {@link #publish} uses (serialisers, JSON) without
     * writing anything: a record written before the snapshot would be a real data point. Never throws.
     */
    default void prime() {}

    /** Discards everything (unit tests of one class). */
    MetricsSink NONE = snapshot -> {};
}
