package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RouteInvoker}'s integration timeout with a fake function: what counts against it (the
 * handler's whole run; the wait before delivery only up to the init allowance) and that the gateway
 * only stops waiting, never the invocation. The function waits on latches the test controls.
 */
class RouteInvokerTest {
    private final ExecutorService invocations = Executors.newCachedThreadPool();
    private final GatewayConnection connection =
            new GatewayConnection("conn-1", System.currentTimeMillis(), "127.0.0.1", null, Runnable::run, false);

    @AfterEach
    void stop() {
        invocations.shutdownNow();
    }

    /** A function that waits for {@code beforeDelivery}, is delivered, then waits for {@code handler}. */
    private static final class GatedFunction implements FunctionRuntime {
        final CountDownLatch beforeDelivery = new CountDownLatch(1);
        final CountDownLatch handler = new CountDownLatch(1);
        final CountDownLatch ended = new CountDownLatch(1);
        final AtomicBoolean interrupted = new AtomicBoolean();

        @Override
        public LocalTemplate.FunctionDef definition() {
            return new LocalTemplate.FunctionDef("Fn", "Fn", "x.Handler", "handleRequest", 60, 128, Map.of());
        }

        @Override
        public String invoke(String eventJson, String requestId, Runnable delivered) throws InvocationException {
            try {
                beforeDelivery.await(60, TimeUnit.SECONDS);
                delivered.run();
                handler.await(60, TimeUnit.SECONDS);
                return "{\"statusCode\":200,\"body\":\"done\"}";
            } catch (InterruptedException e) {
                interrupted.set(true);
                throw new InvocationException("interrupted", e, false);
            } finally {
                ended.countDown();
            }
        }
    }

    private static LocalTemplate.Route route(Duration timeout) {
        return new LocalTemplate.Route("$default", "Fn", true, timeout);
    }

    private static JsonObject event() {
        JsonObject event = new JsonObject();
        JsonObject ctx = new JsonObject();
        ctx.addProperty("requestId", "req-1");
        event.add("requestContext", ctx);
        return event;
    }

    @Test
    void invoke_timesOut_whenTheHandlerOutlivesTheIntegrationTimeout_andLeavesTheInvocationRunning() throws Exception {
        GatedFunction fn = new GatedFunction();
        fn.beforeDelivery.countDown();
        RouteInvoker invoker = new RouteInvoker(Map.of("Fn", fn), invocations, Duration.ofSeconds(10));

        long start = System.nanoTime();
        RouteInvoker.Outcome outcome = invoker.invoke(route(Duration.ofMillis(300)), connection, event(), "$default");

        assertThat(outcome.integrationTimedOut()).isTrue();
        assertThat(outcome.error()).isEqualTo("Endpoint request timed out");
        assertThat(outcome.response()).isNull();
        assertThat(System.nanoTime() - start)
                .isGreaterThanOrEqualTo(Duration.ofMillis(300).toNanos());
        // API Gateway only stops waiting: the invocation was not interrupted and ends when its handler does
        assertThat(fn.ended.getCount()).isEqualTo(1);
        fn.handler.countDown();
        assertThat(fn.ended.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(fn.interrupted).isFalse();
    }

    @Test
    void invoke_doesNotCountTheWaitBeforeDelivery_beyondTheInitAllowance() throws Exception {
        GatedFunction fn = new GatedFunction();
        // the event waits (a slow cold start, a queue for an instance) 2 s, far past the 1 s timeout; only 100 ms
        // of that counts, as Lambda's own init would take no longer than the allowance
        RouteInvoker invoker = new RouteInvoker(Map.of("Fn", fn), invocations, Duration.ofMillis(100));
        // the fake's 2 s "cold start" ends, then its handler answers at once
        java.util.concurrent.CompletableFuture.delayedExecutor(2, TimeUnit.SECONDS, invocations)
                .execute(() -> {
                    fn.beforeDelivery.countDown();
                    fn.handler.countDown();
                });

        RouteInvoker.Outcome outcome = invoker.invoke(route(Duration.ofSeconds(1)), connection, event(), "$default");

        assertThat(outcome.integrationTimedOut()).isFalse();
        assertThat(outcome.error()).isNull();
        assertThat(outcome.body()).isEqualTo("done");
    }

    @Test
    void invoke_countsTheWaitBeforeDelivery_upToTheInitAllowance() {
        GatedFunction fn = new GatedFunction();
        // never delivered: the first 10 s (Lambda's init limit) would count; a 300 ms timeout is reached inside them
        RouteInvoker invoker = new RouteInvoker(Map.of("Fn", fn), invocations, Duration.ofSeconds(10));

        RouteInvoker.Outcome outcome = invoker.invoke(route(Duration.ofMillis(300)), connection, event(), "$default");

        assertThat(outcome.integrationTimedOut()).isTrue();
        fn.beforeDelivery.countDown();
        fn.handler.countDown();
    }

    @Test
    void invoke_answersAsBefore_whenTheFunctionEndsWithinTheTimeout() {
        GatedFunction fn = new GatedFunction();
        fn.beforeDelivery.countDown();
        fn.handler.countDown();
        RouteInvoker invoker = new RouteInvoker(Map.of("Fn", fn), invocations);

        RouteInvoker.Outcome outcome =
                invoker.invoke(route(LocalTemplate.Route.MAX_INTEGRATION_TIMEOUT), connection, event(), "$default");

        assertThat(outcome.integrationTimedOut()).isFalse();
        assertThat(outcome.statusCode()).isEqualTo(200);
        assertThat(outcome.body()).isEqualTo("done");
    }
}
