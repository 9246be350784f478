package dev.switchboard.local.testhandlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Answers "instance N, event M": N identifies the instance, M counts events of that instance.
 * {"wait": true} blocks until {@link #RELEASE} opens, to hold instances busy.
 */
public final class CountingHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private static final AtomicInteger INSTANCES = new AtomicInteger();
    public static volatile CountDownLatch release = new CountDownLatch(0);
    /** Counted down by each waiting event once it is inside an instance: lets a test know all are busy. */
    public static volatile CountDownLatch waiting = new CountDownLatch(0);

    private final int instance = INSTANCES.incrementAndGet();
    private int events;
    private final AtomicInteger inFlight = new AtomicInteger();

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        if (inFlight.incrementAndGet() != 1) {
            throw new IllegalStateException("two events at once in one instance");
        }
        try {
            if (Boolean.TRUE.equals(event.get("wait"))) {
                waiting.countDown();
                try {
                    release.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            events++;
            return Map.of("instance", instance, "event", events, "remaining", context.getRemainingTimeInMillis());
        } finally {
            inFlight.decrementAndGet();
        }
    }
}
