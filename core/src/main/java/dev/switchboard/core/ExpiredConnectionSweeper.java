package dev.switchboard.core;

import dev.switchboard.core.fanout.ConnectionPoster;
import dev.switchboard.core.fanout.ConnectionPoster.PostStatus;
import dev.switchboard.core.fanout.Deadline;
import dev.switchboard.core.metrics.InvocationMetrics;
import dev.switchboard.core.metrics.Metric;
import dev.switchboard.core.store.ChatStore;
import dev.switchboard.core.store.Connection;
import dev.switchboard.core.store.Member;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the sockets of connections whose token expired more than the leeway ago. Such a
 * connection already receives nothing and may send nothing but {@code refresh}
 * (docs/PROTOCOL.md, "Token lifetime"); this ends it. Run on a schedule (template.yaml:
 * ExpiredConnectionsFunction, every minute), so a socket is closed within about a minute of its
 * token's expiry plus the leeway.
 *
 * <p>Closing is the API Gateway Management API's {@code DeleteConnection}: API Gateway closes the
 * socket and invokes {@code $disconnect}, which removes the connection's items and tells its rooms
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html).
 * A connection that API Gateway no longer knows ({@code 410 GoneException}) is removed here, as
 * {@code $disconnect} would have. Over a global table (several regions) each region's sweep closes
 * only its own region's connections: a connection id means something only to its own API.
 */
public final class ExpiredConnectionSweeper {

    private static final Logger LOG = LoggerFactory.getLogger(ExpiredConnectionSweeper.class);
    private static final int PAGE_SIZE = 200;

    /**
     * Closes one connection: the Management API's {@code DeleteConnection} on AWS, sent by the fan-out's
     * own poster ({@link ConnectionPoster#delete(Member)}, to the connection's home region's endpoint).
     */
    @FunctionalInterface
    public interface ConnectionCloser {
        /** Blocks until answered. Never throws: failures are {@link CloseOutcome#FAILED}. */
        CloseOutcome close(Member connection);

        /** DeleteConnection through {@code poster}, waiting for its answer (bounded by the poster's HTTP timeouts). */
        static ConnectionCloser of(ConnectionPoster poster) {
            return connection -> CloseOutcome.of(poster.delete(connection).join());
        }
    }

    /** What a {@code DeleteConnection} answered. */
    public enum CloseOutcome {
        /** 204: API Gateway closes the socket and runs {@code $disconnect}. */
        CLOSED,
        /** 410: the connection is gone already; its items are stale. */
        GONE,
        /** Anything else (throttled, 5xx, I/O): left for the next run. */
        FAILED;

        /** The outcome of a {@code DELETE @connections/{id}}: 2xx closed, 410 gone, anything else failed. */
        public static CloseOutcome of(PostStatus status) {
            return switch (status) {
                case DELIVERED -> CLOSED;
                case GONE -> GONE;
                case RETRY, FAILED -> FAILED;
            };
        }
    }

    /**
     * What one run did.
     *
     * @param found connections the index listed as expired
     * @param closed closed by {@code DeleteConnection}
     * @param gone gone already, items removed here
     * @param failed left for the next run (close failed)
     * @param skipped refreshed since the index was written, or already removed
     * @param complete false when the run stopped at its deadline before reading every shard
     */
    public record SweepResult(int found, int closed, int gone, int failed, int skipped, boolean complete) {}

    private final ChatStore store;
    private final ChatService chat;
    private final ConnectionCloser closer;
    private final ExecutorService closers;
    private final Config config;
    private final Clock clock;
    private final InvocationMetrics metrics;

    /**
     * @param closers runs the closes of one page in parallel (a {@code DeleteConnection} is one HTTPS round trip)
     */
    public ExpiredConnectionSweeper(
            ChatStore store,
            ChatService chat,
            ConnectionCloser closer,
            ExecutorService closers,
            Config config,
            Clock clock,
            InvocationMetrics metrics) {
        this.store = store;
        this.chat = chat;
        this.closer = closer;
        this.closers = closers;
        this.config = config;
        this.clock = clock;
        this.metrics = metrics;
    }

    /**
     * Reads every write shard of the all-connections index (a Query per shard and page, never a
     * Scan) and closes what expired before now minus the leeway. Stops starting new pages once
     * {@code until} has passed; the next run goes on.
     *
     * @param until the invocation's deadline ({@link Deadline#forInvocation})
     */
    public SweepResult sweep(Deadline until) {
        long cutoff = clock.millis() / 1000 - config.tokenLeewaySeconds();
        int[] counts = new int[5];
        boolean complete = true;
        for (int shard = 0; shard < config.allShards(); shard++) {
            if (until.passed()) {
                complete = false;
                break;
            }
            store.forEachTokenExpiredConnection(shard, cutoff, PAGE_SIZE, members -> {
                // over a global table every region's connections are listed: each region closes its own
                List<Member> expired = members.stream()
                        .filter(m -> m.home() == null || m.home().region().equals(config.region()))
                        .toList();
                counts[0] += expired.size();
                if (!until.passed()) {
                    closePage(expired, cutoff, until, counts);
                }
            });
        }
        SweepResult result = new SweepResult(
                counts[0],
                counts[1],
                counts[2],
                counts[3],
                counts[4],
                complete && counts[1] + counts[2] + counts[3] + counts[4] == counts[0]);
        if (result.found() > 0) {
            LOG.info("expired connections: {}", result);
        }
        return result;
    }

    private void closePage(List<Member> expired, long cutoff, Deadline until, int[] counts) {
        List<Future<CloseOutcome>> outcomes = new ArrayList<>();
        for (Member connection : expired) {
            outcomes.add(closers.submit(() -> closeIfStillExpired(connection, cutoff, until)));
        }
        for (Future<CloseOutcome> outcome : outcomes) {
            try {
                CloseOutcome o = outcome.get();
                if (o == null) {
                    counts[4]++;
                } else {
                    counts[1 + o.ordinal()]++;
                }
            } catch (ExecutionException e) {
                LOG.warn(
                        "closing an expired connection failed (the next run tries again): {}",
                        e.getCause().toString());
                counts[3]++;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** @return null when the connection was refreshed meanwhile or is gone from the table */
    private CloseOutcome closeIfStillExpired(Member expired, long cutoff, Deadline until) {
        String connectionId = expired.connectionId();
        // the index is eventually consistent: a refresh a moment ago may not be in it yet
        Optional<Connection> connection = store.connection(connectionId);
        if (connection.isEmpty()
                || connection.get().tokenExpiresAt() <= 0
                || connection.get().tokenExpiresAt() >= cutoff) {
            return null;
        }
        CloseOutcome outcome = closer.close(expired);
        switch (outcome) {
            case CLOSED -> metrics.count(Metric.CONNECTIONS_EXPIRED_CLOSED);
            case GONE -> chat.disconnect(connectionId, until);
            case FAILED -> LOG.warn("DeleteConnection {} failed (the next run tries again)", connectionId);
        }
        return outcome;
    }
}
