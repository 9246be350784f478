package dev.switchboard.bench;

import java.util.Arrays;

/** Percentiles over latency samples in nanoseconds (nearest-rank, as HdrHistogram reports them). */
public record Stats(long count, double p50Ms, double p90Ms, double p99Ms, double maxMs) {

    public static Stats of(long[] nanos) {
        if (nanos.length == 0) {
            return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        return new Stats(
                sorted.length,
                ms(rank(sorted, 50)),
                ms(rank(sorted, 90)),
                ms(rank(sorted, 99)),
                ms(sorted[sorted.length - 1]));
    }

    /** Nearest-rank percentile: the smallest sample with at least p% of samples at or below it. */
    static long rank(long[] sorted, double percentile) {
        int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static double ms(long nanos) {
        return nanos / 1_000_000.0;
    }
}
