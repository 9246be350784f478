package dev.switchboard.core.metrics;

/** Where an invocation's metrics go when it ends: CloudWatch (EMF on stdout) on Lambda, nowhere in unit tests. */
public interface MetricsSink {

    /** Writes one invocation's metrics; never throws (metrics must not fail a request). */
    void publish(InvocationMetrics.Snapshot snapshot);

    /** Discards everything (unit tests of one class). */
    MetricsSink NONE = snapshot -> {};
}
