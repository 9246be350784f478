package dev.switchboard.local;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lambda's asynchronous invocation, as SNS and EventBridge use it: the event is queued and the function invoked
 * off the caller's thread; a failed invocation (function error, timeout, ended instance) is retried
 * ({@code EventInvokeConfig.MaximumRetryAttempts}, default 2) with a doubling delay, and once the retries are
 * spent an invocation record goes to the function's {@code OnFailure} destination when that is one of the
 * template's queues (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html, record
 * shape: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html). Lambda waits about a
 * minute before the first retry and two before the second; here the first delay is {@code retryBaseMillis}.
 */
final class AsyncInvoker {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard.async");
    /** Lambda's default for asynchronous invocations: the first attempt and two retries. */
    static final int DEFAULT_RETRIES = 2;

    private final Map<String, LocalTemplate.AsyncInvokeConfig> asyncInvoke;
    private final SqsServer queues;
    private final ExecutorService executor;
    private final ScheduledExecutorService scheduler;
    private final long retryBaseMillis;
    private final String region;

    /**
     * @param asyncInvoke function logical id → its asynchronous-invocation settings (absent: 2 retries, no
     *     destination)
     * @param queues where on-failure destinations that are queues of the template are
     * @param executor runs the invocations (each blocks a thread until its function answers)
     * @param scheduler delays the retries
     * @param retryBaseMillis delay before the first retry, ms; doubles per retry
     * @param region the cloud's region, named in the invocation records' function ARNs (e.g. eu-west-1)
     */
    AsyncInvoker(
            Map<String, LocalTemplate.AsyncInvokeConfig> asyncInvoke,
            SqsServer queues,
            ExecutorService executor,
            ScheduledExecutorService scheduler,
            long retryBaseMillis,
            String region) {
        this.asyncInvoke = asyncInvoke;
        this.queues = queues;
        this.executor = executor;
        this.scheduler = scheduler;
        this.retryBaseMillis = retryBaseMillis;
        this.region = region;
    }

    /**
     * Queues one asynchronous invocation and returns at once, as Lambda's {@code Invoke} with
     * {@code InvocationType=Event} answers 202 before the function runs.
     *
     * @param fn the function
     * @param event the event JSON
     * @param source what the event is, for log lines (e.g. {@code sns <message id>})
     */
    void invoke(FunctionRuntime fn, String event, String source) {
        executor.execute(() -> attempt(fn, event, source, 1));
    }

    private void attempt(FunctionRuntime fn, String event, String source, int attempt) {
        long start = System.nanoTime();
        String requestId = UUID.randomUUID().toString();
        try {
            fn.invoke(event, requestId);
            LOG.info(
                    "{} -> {} {} ms OK",
                    source,
                    fn.definition().functionName(),
                    (System.nanoTime() - start) / 1_000_000);
        } catch (FunctionRuntime.InvocationException e) {
            LocalTemplate.AsyncInvokeConfig config = asyncInvoke.getOrDefault(
                    fn.definition().logicalId(), new LocalTemplate.AsyncInvokeConfig(DEFAULT_RETRIES, null));
            if (attempt > config.maximumRetryAttempts()) {
                onFailure(fn, config, event, source, requestId, attempt, e);
                return;
            }
            long delay = retryBaseMillis << (attempt - 1);
            LOG.warn(
                    "{} -> {} attempt {} failed ({}), retry in {} ms",
                    source,
                    fn.definition().functionName(),
                    attempt,
                    e.getMessage(),
                    delay);
            try {
                scheduler.schedule(
                        () -> executor.execute(() -> attempt(fn, event, source, attempt + 1)),
                        delay,
                        TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // the local cloud is closing (its functions answer "shut down"): nothing is left to retry on
                LOG.info(
                        "{} -> {}: not retried, the local cloud is closing",
                        source,
                        fn.definition().functionName());
            }
        }
    }

    /** The retries are spent: the invocation record goes to the on-failure destination, if there is one here. */
    private void onFailure(
            FunctionRuntime fn,
            LocalTemplate.AsyncInvokeConfig config,
            String event,
            String source,
            String requestId,
            int attempts,
            FunctionRuntime.InvocationException e) {
        String destination = config.onFailureDestination();
        if (destination == null) {
            LOG.warn(
                    "{} -> {} failed {} times, dropped (no OnFailure destination in EventInvokeConfig): {}",
                    source,
                    fn.definition().functionName(),
                    attempts,
                    e.getMessage());
            return;
        }
        String record = invocationRecord(fn, region, event, requestId, attempts, e, true);
        if (record.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > SqsServer.MAX_MESSAGE_BYTES) {
            // too large for the queue: Lambda drops the payloads and sends the rest of the record
            record = invocationRecord(fn, region, event, requestId, attempts, e, false);
        }
        if (!queues.send(destination, record)) {
            LOG.warn(
                    "{} -> {} failed {} times, dropped: its OnFailure destination {} is not a queue of the template "
                            + "(only SQS destinations are emulated): {}",
                    source,
                    fn.definition().functionName(),
                    attempts,
                    destination,
                    e.getMessage());
            return;
        }
        LOG.warn(
                "{} -> {} failed {} times, sent to its OnFailure destination {}: {}",
                source,
                fn.definition().functionName(),
                attempts,
                destination,
                e.getMessage());
    }

    /**
     * Lambda's asynchronous invocation record for a failure: the event, why it failed, how often it
     * was tried; {@code payloads} false leaves out the event and the error, as Lambda does when the
     * record would not fit its destination ("Lambda will drop the payload", API_OnFailure).
     */
    static String invocationRecord(
            FunctionRuntime fn,
            String region,
            String event,
            String requestId,
            int attempts,
            FunctionRuntime.InvocationException e,
            boolean payloads) {
        JsonObject context = new JsonObject();
        context.addProperty("requestId", requestId);
        context.addProperty(
                "functionArn",
                "arn:aws:lambda:" + region + ":" + LocalCloud.ACCOUNT + ":function:"
                        + fn.definition().functionName() + ":$LATEST");
        context.addProperty("condition", "RetriesExhausted");
        context.addProperty("approximateInvokeCount", attempts);
        JsonObject responseContext = new JsonObject();
        responseContext.addProperty("statusCode", 200);
        responseContext.addProperty("executedVersion", "$LATEST");
        responseContext.addProperty("functionError", "Unhandled");
        JsonObject error = new JsonObject();
        error.addProperty("errorMessage", e.getMessage());
        error.addProperty(
                "errorType",
                e.getCause() == null
                        ? "Runtime.Unknown"
                        : e.getCause().getClass().getName());
        JsonObject record = new JsonObject();
        record.addProperty("version", "1.0");
        record.addProperty("timestamp", Instant.now().toString());
        record.add("requestContext", context);
        if (payloads) {
            record.add("requestPayload", JsonParser.parseString(event));
        }
        record.add("responseContext", responseContext);
        if (payloads) {
            record.add("responsePayload", error);
        }
        return record.toString();
    }
}
