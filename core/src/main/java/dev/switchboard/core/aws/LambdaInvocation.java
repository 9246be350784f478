package dev.switchboard.core.aws;

import com.amazonaws.services.lambda.runtime.Context;
import dev.switchboard.core.LogContext;
import dev.switchboard.core.fanout.Deadline;
import dev.switchboard.core.metrics.InvocationMetrics;

/**
 * The frame every function's {@code handleRequest} runs its body in, so the handlers stay thin and
 * do it alike: the invocation's log fields ({@link LogContext#begin}: the Lambda request id, the
 * function name, whether this is the instance's cold start, the connection id), the body, then, in
 * {@code finally}, the invocation's metrics flushed ({@link InvocationMetrics#flush}; Powertools'
 * "flush per invocation") and the log fields cleared. A body that throws still has its metrics
 * published (a failed invocation is when they matter most) and leaves no log fields to the
 * instance's next event; the exception goes on to the Lambda runtime unchanged.
 *
 * <p>Lambda's {@code Context} stays here, in the adapter package: the chat logic only sees the
 * {@link Deadline} made from its remaining time.
 */
public final class LambdaInvocation {

    /** An invocation's work, given the deadline its fan-outs are bounded by. */
    @FunctionalInterface
    public interface Body<T> {
        T run(Deadline deadline);
    }

    private LambdaInvocation() {}

    /**
     * Runs {@code body} as one invocation.
     *
     * @param context the Lambda context; null where a test calls the handler directly (no request id,
     *     no function name, {@link Deadline#NONE})
     * @param metrics the function instance's metrics, begun before and flushed after {@code body}
     * @param connectionId the API Gateway connection the event is about; null for SNS and scheduled events
     * @param body the handler's work
     * @return what {@code body} returned
     */
    public static <T> T run(Context context, InvocationMetrics metrics, String connectionId, Body<T> body) {
        String requestId = context == null ? null : context.getAwsRequestId();
        LogContext.begin(requestId, context == null ? null : context.getFunctionName(), metrics.begin(), connectionId);
        try {
            return body.run(deadline(context));
        } finally {
            // after the body's last post, so it never slows a fan-out; and on a failure too
            metrics.flush(requestId);
            LogContext.end();
        }
    }

    /**
     * The fan-out deadline from the context's remaining time ({@link Deadline#forInvocation}), or
     * {@link Deadline#NONE} without a context.
     */
    public static Deadline deadline(Context context) {
        return context == null ? Deadline.NONE : Deadline.forInvocation(context.getRemainingTimeInMillis());
    }
}
