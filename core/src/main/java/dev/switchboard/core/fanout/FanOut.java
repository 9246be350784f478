package dev.switchboard.core.fanout;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.switchboard.core.fanout.ConnectionPoster.PostStatus;
import dev.switchboard.core.store.Member;

/**
 * Delivers one frame to many connections: at most {@code pool size} posts in flight, 410 removes
 * the dead connection on the spot (and is never retried), 429/5xx are retried with exponential
 * backoff and full jitter, and one bad recipient never stops the rest.
 */
public final class FanOut {

    private static final Logger LOG = LoggerFactory.getLogger(FanOut.class);

    private final ConnectionPoster poster;
    private final Consumer<String> onGone;
    private final ExecutorService pool;
    private final int maxAttempts;
    private final long baseBackoffMillis;

    /**
     * @param pool      bounds the posts in flight (its thread count)
     * @param onGone    called once per connection found gone, to delete it and its memberships
     */
    public FanOut(ConnectionPoster poster, Consumer<String> onGone, ExecutorService pool, int maxAttempts, long baseBackoffMillis) {
        this.poster = poster;
        this.onGone = onGone;
        this.pool = pool;
        this.maxAttempts = maxAttempts;
        this.baseBackoffMillis = baseBackoffMillis;
    }

    /** Posts {@code frame} (encoded once by the caller) to every recipient; blocks until all are settled. */
    public FanOutResult deliver(List<Member> recipients, byte[] frame) {
        if (recipients.isEmpty()) {
            return FanOutResult.NONE;
        }
        if (recipients.size() == 1) {
            return tally(List.of(attempt(recipients.get(0).connectionId(), frame)));
        }
        List<Callable<PostStatus>> tasks = new ArrayList<>(recipients.size());
        for (Member recipient : recipients) {
            tasks.add(() -> attempt(recipient.connectionId(), frame));
        }
        List<PostStatus> outcomes = new ArrayList<>(recipients.size());
        try {
            for (Future<PostStatus> future : pool.invokeAll(tasks)) {
                outcomes.add(outcome(future));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            while (outcomes.size() < recipients.size()) {
                outcomes.add(PostStatus.FAILED);
            }
        }
        return tally(outcomes);
    }

    private static PostStatus outcome(Future<PostStatus> future) throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            return PostStatus.FAILED;
        }
    }

    private static FanOutResult tally(List<PostStatus> outcomes) {
        int delivered = 0;
        int gone = 0;
        int failed = 0;
        for (PostStatus status : outcomes) {
            switch (status) {
                case DELIVERED -> delivered++;
                case GONE -> gone++;
                default -> failed++;
            }
        }
        return new FanOutResult(delivered, gone, failed);
    }

    private PostStatus attempt(String connectionId, byte[] frame) {
        PostStatus status = PostStatus.FAILED;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            try {
                status = poster.post(connectionId, frame);
            } catch (RuntimeException e) {
                LOG.warn("post to {} failed: {}", connectionId, e.toString());
                status = PostStatus.RETRY;
            }
            if (status == PostStatus.GONE) {
                try {
                    onGone.accept(connectionId);
                } catch (RuntimeException e) {
                    // TTL removes it later; the delivery outcome stands
                    LOG.warn("could not remove gone connection {}: {}", connectionId, e.toString());
                }
                return status;
            }
            if (status != PostStatus.RETRY) {
                return status;
            }
            if (attempt < maxAttempts && !pause(attempt)) {
                break;
            }
        }
        return status == PostStatus.RETRY ? PostStatus.FAILED : status;
    }

    /** Exponential backoff with full jitter; false when interrupted. */
    private boolean pause(int attempt) {
        long cap = baseBackoffMillis << Math.min(attempt - 1, 10);
        try {
            Thread.sleep(ThreadLocalRandom.current().nextLong(cap / 2, cap + 1));
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
