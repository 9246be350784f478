package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AsyncInvokerTest {

    /** A function that fails every invocation, as the local cloud's functions do once it is closing. */
    private static final class ShutDownFunction implements FunctionRuntime {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public LocalTemplate.FunctionDef definition() {
            return new LocalTemplate.FunctionDef("Fn", "Fn", "x.Handler", "handleRequest", 3, 128, Map.of());
        }

        @Override
        public String invoke(String eventJson, String requestId, Runnable delivered) throws InvocationException {
            calls.incrementAndGet();
            throw new InvocationException("Fn is shut down", null, false);
        }
    }

    @Test
    void aFailedAttempt_whileTheCloudIsClosing_isNotRetried_andThrowsNothing() throws Exception {
        List<Throwable> uncaught = new CopyOnWriteArrayList<>();
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "lambda-test");
            t.setUncaughtExceptionHandler((thread, e) -> uncaught.add(e));
            return t;
        });
        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        scheduler.shutdown(); // the cloud closed its scheduler while an invocation was on its way
        ShutDownFunction fn = new ShutDownFunction();
        try {
            new AsyncInvoker(Map.of(), new SqsServer(List.of()), executor, scheduler, 10, "us-east-1")
                    .invoke(fn, "{}", "sns test");
        } finally {
            executor.shutdown();
            assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(fn.calls).hasValue(1);
        assertThat(uncaught).isEmpty();
    }
}
