package dev.switchboard.local.testhandlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.ScheduledEvent;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Scheduled function: the first run fails (Lambda retries an asynchronous invocation); the retry of that event
 * takes {@link #SLOW_RUN_MS}, so the next ticks come while it runs. Every run records {@code start} and
 * {@code end} (or {@code failed}) with the event id and whether it is the retry.
 */
public final class TestScheduleHandler implements RequestHandler<ScheduledEvent, Void> {
    /** How long the retried run takes, ms: several periods of the test's schedule. */
    public static final long SLOW_RUN_MS = 2_000;

    private static final AtomicReference<String> FAILED_EVENT = new AtomicReference<>();

    @Override
    public Void handleRequest(ScheduledEvent event, Context context) {
        if (FAILED_EVENT.compareAndSet(null, event.getId())) {
            record("failed", false, event);
            throw new IllegalStateException("the first scheduled run fails (expected by the test)");
        }
        boolean retry = event.getId().equals(FAILED_EVENT.get());
        record("start", retry, event);
        if (retry) {
            try {
                Thread.sleep(SLOW_RUN_MS); // the slow run the next ticks overlap (a handler's work, not a wait)
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        record("end", retry, event);
        return null;
    }

    private static void record(String phase, boolean retry, ScheduledEvent event) {
        Map<String, Object> seen = new LinkedHashMap<>();
        seen.put("phase", phase);
        seen.put("retry", retry);
        seen.put("id", event.getId());
        seen.put("detailType", event.getDetailType());
        seen.put("source", event.getSource());
        seen.put("atNanos", System.nanoTime());
        Recorder.record("schedule", seen);
    }
}
