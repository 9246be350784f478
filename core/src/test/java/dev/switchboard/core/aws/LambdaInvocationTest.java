package dev.switchboard.core.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import dev.switchboard.core.fanout.Deadline;
import dev.switchboard.core.metrics.InvocationMetrics;
import dev.switchboard.core.metrics.Metric;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The frame every handler runs in: metrics flushed after the body, whether it returned or threw. (The log
 * fields it sets are MDC entries; slf4j-simple, core's test logger, keeps no MDC, so they are not read here.)
 */
class LambdaInvocationTest {

    final List<InvocationMetrics.Snapshot> published = new CopyOnWriteArrayList<>();
    final InvocationMetrics metrics = new InvocationMetrics(published::add);

    @Test
    void run_flushesTheMetricsAndClearsTheLogFields_whenTheBodyThrows() {
        IllegalStateException failure = new IllegalStateException("DynamoDB is down");

        assertThatThrownBy(() -> LambdaInvocation.run(
                        new FakeContext("req-1", "MessageFunction", 29_000), metrics, "conn-1", deadline -> {
                            metrics.count(Metric.FRAMES_REFUSED);
                            throw failure;
                        }))
                .as("the runtime sees the body's own exception")
                .isSameAs(failure);

        // a failed invocation's metrics are the ones an alarm needs: they must not be lost with the exception
        assertThat(published).hasSize(1);
        assertThat(published.get(0).requestId()).isEqualTo("req-1");
        assertThat(published.get(0).values())
                .containsEntry(Metric.FRAMES_REFUSED, 1.0)
                .containsEntry(Metric.COLD_START, 1.0);
    }

    @Test
    void run_returnsWhatTheBodyReturned_andCountsTheColdStartOnlyOnce() {
        FakeContext context = new FakeContext("req-2", "ConnectFunction", 10_000);

        String first = LambdaInvocation.run(context, metrics, "conn-2", deadline -> "connected");
        String second = LambdaInvocation.run(context, metrics, null, deadline -> "again");

        assertThat(first).isEqualTo("connected");
        assertThat(second).isEqualTo("again");
        // the first invocation recorded its cold start; the second recorded nothing, so published nothing
        assertThat(published).singleElement().satisfies(snapshot -> {
            assertThat(snapshot.requestId()).isEqualTo("req-2");
            assertThat(snapshot.values()).containsOnlyKeys(Metric.COLD_START);
        });
    }

    @Test
    void run_boundsTheBodyByTheContextsRemainingTime_andByNothingWithoutAContext() {
        Deadline bounded = LambdaInvocation.run(
                new FakeContext("req-3", "BroadcastFunction", 60_000), metrics, null, deadline -> deadline);
        Deadline unbounded = LambdaInvocation.run(null, metrics, null, deadline -> deadline);

        // Deadline.forInvocation: 80% of the remaining 60 s
        assertThat(bounded.remainingMillis()).isPositive().isLessThanOrEqualTo(48_000);
        assertThat(unbounded).isEqualTo(Deadline.NONE);
    }

    /** The two things the frame reads of Lambda's context, and its remaining time. */
    record FakeContext(String requestId, String functionName, int remainingMillis) implements Context {
        @Override
        public String getAwsRequestId() {
            return requestId;
        }

        @Override
        public String getFunctionName() {
            return functionName;
        }

        @Override
        public int getRemainingTimeInMillis() {
            return remainingMillis;
        }

        @Override
        public String getLogGroupName() {
            return null;
        }

        @Override
        public String getLogStreamName() {
            return null;
        }

        @Override
        public String getFunctionVersion() {
            return null;
        }

        @Override
        public String getInvokedFunctionArn() {
            return null;
        }

        @Override
        public CognitoIdentity getIdentity() {
            return null;
        }

        @Override
        public ClientContext getClientContext() {
            return null;
        }

        @Override
        public int getMemoryLimitInMB() {
            return 0;
        }

        @Override
        public LambdaLogger getLogger() {
            return null;
        }
    }
}
