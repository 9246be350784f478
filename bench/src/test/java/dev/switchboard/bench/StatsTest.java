package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class StatsTest {

    @Test
    void percentiles_areNearestRank_inMilliseconds() {
        // 1..100 ms: p50 is the 50th sample, p90 the 90th, p99 the 99th
        long[] nanos = LongStream.rangeClosed(1, 100).map(ms -> ms * 1_000_000).toArray();
        Stats stats = Stats.of(nanos);
        assertThat(stats.count()).isEqualTo(100);
        assertThat(stats.p50Ms()).isEqualTo(50.0);
        assertThat(stats.p90Ms()).isEqualTo(90.0);
        assertThat(stats.p99Ms()).isEqualTo(99.0);
        assertThat(stats.maxMs()).isEqualTo(100.0);
    }

    @Test
    void percentiles_ignoreInputOrder_andHandleOneSample() {
        assertThat(Stats.of(new long[] {3_000_000, 1_000_000, 2_000_000}).p50Ms())
                .isEqualTo(2.0);
        assertThat(Stats.of(new long[] {7_000_000}).p99Ms()).isEqualTo(7.0);
        assertThat(Stats.of(new long[0]).count()).isZero();
    }
}
