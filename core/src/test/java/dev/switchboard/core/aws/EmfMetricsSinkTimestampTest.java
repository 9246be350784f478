package dev.switchboard.core.aws;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import dev.switchboard.core.metrics.InvocationMetrics;
import dev.switchboard.core.metrics.Metric;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Each invocation's EMF record carries the time of that invocation, not of the sink's making or of the
 * previous flush: CloudWatch files a record's data points at its {@code _aws.Timestamp}, so a stale one
 * (an instance's init, a SnapStart snapshot) would put them minutes or days early, outside the alarms' windows.
 */
class EmfMetricsSinkTimestampTest {

    @Test
    void everyRecord_isStampedWithTheTimeOfItsFlush_notTheSinksInitOrThePreviousFlush() {
        PrintStream out = System.out;
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(written, true, StandardCharsets.UTF_8));
            InvocationMetrics metrics = new InvocationMetrics(new EmfMetricsSink("Switchboard", "timestamp-test"));
            long firstFlushFrom = nextMillisecond(System.currentTimeMillis());
            metrics.begin();
            metrics.count(Metric.FRAMES);
            metrics.flush("request-1");
            long firstRecord = timestamp(written);

            written.reset();
            long secondFlushFrom = nextMillisecond(System.currentTimeMillis());
            metrics.begin();
            metrics.count(Metric.FRAMES);
            metrics.flush("request-2");
            long secondRecord = timestamp(written);

            assertThat(firstRecord).as("first record, after the sink was made").isGreaterThanOrEqualTo(firstFlushFrom);
            assertThat(secondRecord).as("second record, after the first flush").isGreaterThanOrEqualTo(secondFlushFrom);
        } finally {
            System.setOut(out);
        }
    }

    /** Waits (spinning, a millisecond at most) until the clock has passed {@code millis}; returns the new time. */
    private static long nextMillisecond(long millis) {
        long now = System.currentTimeMillis();
        while (now <= millis) {
            Thread.onSpinWait();
            now = System.currentTimeMillis();
        }
        return now;
    }

    /** {@code _aws.Timestamp} of the one EMF record written. */
    private static long timestamp(ByteArrayOutputStream written) {
        String record = written.toString(StandardCharsets.UTF_8).strip();
        assertThat(record).as("one record").contains("\"_aws\"").doesNotContain("\n");
        return JsonParser.parseString(record)
                .getAsJsonObject()
                .getAsJsonObject("_aws")
                .get("Timestamp")
                .getAsLong();
    }
}
