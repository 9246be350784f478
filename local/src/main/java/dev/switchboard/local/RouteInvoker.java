package dev.switchboard.local;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Invokes a route's function with an event and reads its answer, waiting no longer than the route's
 * integration timeout; one log line per invocation.
 *
 * <p>API Gateway waits at most the integration's {@code TimeoutInMillis} (29 s by default and at most
 * for a WebSocket API: "Integration timeout: 50 milliseconds - 29 seconds for all integration types",
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html),
 * a cold start's initialisation included, then answers the client itself (see {@link Gateway}). It
 * only stops waiting: the Lambda invocation is not cancelled and runs to its end or its own
 * {@code Timeout}, its result dropped. So here the function runs on {@code invocations} and is left
 * running when the wait ends; its logs, REPORT and metrics still appear when it ends.
 *
 * <p>What counts against the timeout: the handler's whole run, and the time before the event reached
 * it (a cold start, a wait for an instance) up to Lambda's 10 s init limit
 * ({@link ProcessRuntime#LAMBDA_INIT_LIMIT}). Lambda's init takes at most that; here initialisation
 * may be allowed longer on a slow machine ({@code LocalCloudOptions.functionInitTimeout}) and an event
 * may wait for a local instance slot that Lambda would not make it wait for, and neither should turn
 * into a timeout AWS would not give. The handler's time is never discounted: a handler that runs past
 * the integration timeout gets the client API Gateway's timeout answer, as on AWS.
 */
final class RouteInvoker {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard.gateway");
    /** What API Gateway tells the client when the integration timed out. */
    static final String TIMED_OUT_MESSAGE = "Endpoint request timed out";

    private final Map<String, FunctionRuntime> functions;
    private final Executor invocations;
    private final long initAllowanceNanos;

    /**
     * @param functions by the template's logical id
     * @param invocations runs each invocation, so the gateway can stop waiting without stopping it
     *     (threads are held for as long as an invocation runs: an unbounded pool of daemon threads)
     */
    RouteInvoker(Map<String, FunctionRuntime> functions, Executor invocations) {
        this(functions, invocations, ProcessRuntime.LAMBDA_INIT_LIMIT);
    }

    /** @param initAllowance time before delivery that counts against the timeout, at most (tests) */
    RouteInvoker(Map<String, FunctionRuntime> functions, Executor invocations, java.time.Duration initAllowance) {
        this.functions = functions;
        this.invocations = invocations;
        this.initAllowanceNanos = initAllowance.toNanos();
    }

    /**
     * What a route's function answered: an error (failed, timed out, unreadable) or its response object.
     *
     * @param integrationTimedOut the gateway stopped waiting at the integration timeout ({@code error}
     *     says so too); the invocation itself may still be running
     */
    record Outcome(String error, JsonObject response, boolean integrationTimedOut) {
        /** The response's statusCode; 200 when the function returned nothing, as on API Gateway. */
        int statusCode() {
            if (response != null
                    && response.has("statusCode")
                    && !response.get("statusCode").isJsonNull()) {
                return response.get("statusCode").getAsInt();
            }
            return 200;
        }

        /** A response header, case-insensitively; null when absent. */
        String header(String name) {
            if (response == null
                    || !response.has("headers")
                    || !response.get("headers").isJsonObject()) {
                return null;
            }
            for (Map.Entry<String, JsonElement> e :
                    response.getAsJsonObject("headers").entrySet()) {
                if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isJsonNull()) {
                    return e.getValue().getAsString();
                }
            }
            return null;
        }

        /** The response's body; null when absent. */
        String body() {
            return response != null
                            && response.has("body")
                            && !response.get("body").isJsonNull()
                    ? response.get("body").getAsString()
                    : null;
        }
    }

    /**
     * Runs the route's function and waits for it at most the route's integration timeout (counted as
     * the class comment says); never throws: a failure or a timeout is an {@link Outcome} with an error.
     */
    Outcome invoke(LocalTemplate.Route route, GatewayConnection c, JsonObject event, String routeKey) {
        FunctionRuntime fn = functions.get(route.functionId());
        // Lambda gives each invocation a request id of its own (a UUID), not API Gateway's requestId: API Gateway's
        // execution log names it apart ("AWS Integration Endpoint RequestId"). Both are logged here to correlate.
        String requestId = GatewayEvents.requestId(event);
        String lambdaRequestId = java.util.UUID.randomUUID().toString();
        String json = event.toString();
        long start = System.nanoTime();
        AtomicLong deliveredAt = new AtomicLong(); // System.nanoTime() of the delivery; 0 until then
        CompletableFuture<String> result = new CompletableFuture<>();
        try {
            invocations.execute(() -> {
                try {
                    result.complete(
                            fn.invoke(json, lambdaRequestId, () -> deliveredAt.compareAndSet(0, nanoNotZero())));
                } catch (FunctionRuntime.InvocationException | RuntimeException e) {
                    result.completeExceptionally(e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
            result.completeExceptionally(shuttingDown);
        }
        String out;
        try {
            out = await(result, start, deliveredAt, route.integrationTimeout().toNanos());
        } catch (TimeoutException e) {
            LOG.warn(
                    "{} {} -> {} {} ms INTEGRATION TIMEOUT after {} ms, client told \"{}\"; the invocation goes on,"
                            + " its result will be dropped (request {}, Lambda request {})",
                    routeKey,
                    c.id,
                    fn.definition().functionName(),
                    (System.nanoTime() - start) / 1_000_000,
                    route.integrationTimeout().toMillis(),
                    TIMED_OUT_MESSAGE,
                    requestId,
                    lambdaRequestId);
            result.whenComplete((late, error) -> LOG.info(
                    "{} {} -> {} ended {} ms after it started, after the integration timeout: {} dropped"
                            + " (Lambda request {})",
                    routeKey,
                    c.id,
                    fn.definition().functionName(),
                    (System.nanoTime() - start) / 1_000_000,
                    error == null ? "its result" : "its error",
                    lambdaRequestId));
            return new Outcome(TIMED_OUT_MESSAGE, null, true);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof FunctionRuntime.InvocationException failed) {
                LOG.warn(
                        "{} {} -> {} {} ms {} (request {}, Lambda request {}): {}",
                        routeKey,
                        c.id,
                        fn.definition().functionName(),
                        (System.nanoTime() - start) / 1_000_000,
                        failed.timeout() ? "TIMEOUT" : "ERROR",
                        requestId,
                        lambdaRequestId,
                        failed.getMessage());
                return new Outcome(failed.getMessage(), null, false);
            }
            LOG.warn(
                    "{} {} -> {} {} ms ERROR",
                    routeKey,
                    c.id,
                    fn.definition().functionName(),
                    (System.nanoTime() - start) / 1_000_000,
                    cause);
            return new Outcome(String.valueOf(cause), null, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome("interrupted", null, false);
        }
        try {
            JsonObject response = null;
            if (out != null) {
                JsonElement parsed = JsonParser.parseString(out);
                response = parsed.isJsonObject() ? parsed.getAsJsonObject() : null;
            }
            Outcome outcome = new Outcome(null, response, false);
            LOG.info(
                    "{} {} -> {} {} ms status {} (request {}, Lambda request {})",
                    routeKey,
                    c.id,
                    fn.definition().functionName(),
                    (System.nanoTime() - start) / 1_000_000,
                    outcome.statusCode(),
                    requestId,
                    lambdaRequestId);
            return outcome;
        } catch (RuntimeException e) {
            LOG.warn(
                    "{} {} -> {} {} ms ERROR: unreadable result",
                    routeKey,
                    c.id,
                    fn.definition().functionName(),
                    (System.nanoTime() - start) / 1_000_000,
                    e);
            return new Outcome(String.valueOf(e), null, false);
        }
    }

    /**
     * Waits for {@code result} until the time counted against the timeout reaches {@code timeoutNanos}:
     * the time since delivery, plus the time before it up to the init allowance.
     *
     * @throws TimeoutException when the integration timeout is reached first
     */
    private String await(CompletableFuture<String> result, long start, AtomicLong deliveredAt, long timeoutNanos)
            throws TimeoutException, ExecutionException, InterruptedException {
        while (true) {
            long now = System.nanoTime();
            long delivered = deliveredAt.get();
            long counted = delivered == 0
                    ? Math.min(now - start, initAllowanceNanos)
                    : Math.min(delivered - start, initAllowanceNanos) + (now - delivered);
            long remaining = timeoutNanos - counted;
            if (remaining <= 0) {
                if (result.isDone()) {
                    return result.get(); // it ended just now: its answer stands
                }
                throw new TimeoutException();
            }
            try {
                // Counted time grows at most as fast as the clock, so this never waits past the deadline;
                // before delivery it may stop growing, so the loop looks again.
                return result.get(remaining, TimeUnit.NANOSECONDS);
            } catch (TimeoutException notYet) {
                // look again
            }
        }
    }

    /** {@link System#nanoTime()}, never 0 (0 means "not delivered yet"). */
    private static long nanoNotZero() {
        long now = System.nanoTime();
        return now == 0 ? 1 : now;
    }
}
