package dev.switchboard.disconnect;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.switchboard.core.ExpiredConnectionSweeper;
import dev.switchboard.core.aws.LambdaInvocation;
import dev.switchboard.core.aws.Switchboard;
import dev.switchboard.core.metrics.InvocationMetrics;
import java.util.Map;

/**
 * The expired-connections sweep, run by an EventBridge schedule (template.yaml:
 * ExpiredConnectionsFunction, {@code rate(1 minute)}): closes, with the Management API's
 * {@code DeleteConnection}, every connection whose token expired more than
 * {@code SWITCHBOARD_TOKEN_LEEWAY_SECONDS} ago (see {@link ExpiredConnectionSweeper}). The event
 * is EventBridge's "Scheduled Event" JSON
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html); nothing
 * in it is read. The result is the run's counts, {@link ExpiredConnectionSweeper.SweepResult}.
 */
public final class ExpiredConnectionsHandler
        implements RequestHandler<Map<String, Object>, ExpiredConnectionSweeper.SweepResult> {

    private final ExpiredConnectionSweeper sweeper;
    private final InvocationMetrics metrics;

    /** The Lambda runtime's constructor: configuration from the process environment. */
    public ExpiredConnectionsHandler() {
        this(new Switchboard(System.getenv()));
    }

    private ExpiredConnectionsHandler(Switchboard switchboard) {
        this(switchboard.expiredConnectionSweeper(), switchboard.metrics());
    }

    ExpiredConnectionsHandler(ExpiredConnectionSweeper sweeper, InvocationMetrics metrics) {
        this.sweeper = sweeper;
        this.metrics = metrics;
    }

    @Override
    public ExpiredConnectionSweeper.SweepResult handleRequest(Map<String, Object> event, Context context) {
        return LambdaInvocation.run(context, metrics, null, sweeper::sweep);
    }
}
