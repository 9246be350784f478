package dev.switchboard.core.fanout;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.switchboard.core.fanout.ConnectionPoster.PostStatus;
import dev.switchboard.core.store.Member;

/**
 * Delivers one frame to many connections through an asynchronous poster: at most
 * {@code maxInFlight} posts outstanding (a retry waiting out its backoff keeps its slot, so a
 * throttled endpoint sees fewer requests), 410 removes the dead connection (and is never retried),
 * 429/5xx/I-O errors are retried with exponential backoff and full jitter, and one bad recipient
 * never stops the rest. The frame is encoded once by the caller and shared by every post.
 */
public final class FanOut {

    private static final Logger LOG = LoggerFactory.getLogger(FanOut.class);

    private final ConnectionPoster poster;
    private final Consumer<String> onGone;
    private final Semaphore slots;
    private final ScheduledExecutorService retryTimer;
    private final int maxAttempts;
    private final long baseBackoffMillis;

    /**
     * @param maxInFlight bounds the posts outstanding at once, across deliveries of this instance
     * @param retryTimer  runs retries after their backoff (posts themselves never run on it)
     * @param onGone      called once per connection found gone, to delete it and its memberships
     */
    public FanOut(ConnectionPoster poster, Consumer<String> onGone, int maxInFlight, ScheduledExecutorService retryTimer,
                  int maxAttempts, long baseBackoffMillis) {
        this.poster = poster;
        this.onGone = onGone;
        this.slots = new Semaphore(maxInFlight);
        this.retryTimer = retryTimer;
        this.maxAttempts = maxAttempts;
        this.baseBackoffMillis = baseBackoffMillis;
    }

    /** Posts {@code frame} to every recipient; blocks until each one is settled. */
    public FanOutResult deliver(List<Member> recipients, byte[] frame) {
        return start(recipients, frame).settle();
    }

    /**
     * Starts posting {@code frame} to every recipient and returns at once (unless more than
     * {@code maxInFlight} posts are outstanding), so the caller can do other work meanwhile, such
     * as reading the room while its own acknowledgement is on the wire. {@link Delivery#settle()}
     * waits for the outcome.
     */
    public Delivery start(List<Member> recipients, byte[] frame) {
        Delivery delivery = new Delivery(recipients.size());
        try {
            for (Member recipient : recipients) {
                slots.acquire();
                String connectionId = recipient.connectionId();
                attempt(connectionId, frame, 1).whenComplete((status, error) -> {
                    slots.release();
                    delivery.record(connectionId, error != null ? PostStatus.FAILED : status);
                });
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // what was not started counts as failed
        }
        return delivery;
    }

    /** Posts under way; {@link #settle()} once. */
    public final class Delivery {
        private final int audience;
        private final AtomicInteger delivered = new AtomicInteger();
        private final Queue<String> gone = new ConcurrentLinkedQueue<>();
        private final CountDownLatch settled;

        private Delivery(int audience) {
            this.audience = audience;
            this.settled = new CountDownLatch(audience);
        }

        private void record(String connectionId, PostStatus status) {
            switch (status) {
                case DELIVERED -> delivered.incrementAndGet();
                case GONE -> gone.add(connectionId);
                default -> { } // failed: whatever is neither delivered nor gone
            }
            settled.countDown();
        }

        /** Waits for every post, removes the connections found gone, and counts. */
        public FanOutResult settle() {
            try {
                settled.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // what is unsettled counts as failed
            }
            List<String> goneIds = List.copyOf(gone);
            int deliveredCount = delivered.get();
            // Cleanup after the posts, on the caller's thread, never on the HTTP client's: a store call blocks.
            for (String connectionId : goneIds) {
                try {
                    onGone.accept(connectionId);
                } catch (RuntimeException e) {
                    // TTL removes it later; the delivery outcome stands
                    LOG.warn("could not remove gone connection {}: {}", connectionId, e.toString());
                }
            }
            return new FanOutResult(deliveredCount, goneIds.size(), audience - deliveredCount - goneIds.size());
        }
    }

    private CompletableFuture<PostStatus> attempt(String connectionId, byte[] frame, int attempt) {
        CompletableFuture<PostStatus> post;
        try {
            post = poster.post(connectionId, frame);
        } catch (RuntimeException e) {
            LOG.warn("post to {} failed: {}", connectionId, e.toString());
            post = CompletableFuture.completedFuture(PostStatus.RETRY);
        }
        return post.exceptionally(e -> PostStatus.RETRY).thenCompose(status -> {
            if (status != PostStatus.RETRY) {
                return CompletableFuture.completedFuture(status);
            }
            if (attempt >= maxAttempts) {
                return CompletableFuture.completedFuture(PostStatus.FAILED);
            }
            CompletableFuture<PostStatus> retried = new CompletableFuture<>();
            retryTimer.schedule(() -> attempt(connectionId, frame, attempt + 1)
                            .whenComplete((s, e) -> retried.complete(e == null ? s : PostStatus.FAILED)),
                    backoffMillis(attempt), TimeUnit.MILLISECONDS);
            return retried;
        });
    }

    /** Exponential backoff with full jitter: uniformly between half and all of base × 2^(attempt-1). */
    private long backoffMillis(int attempt) {
        long cap = baseBackoffMillis << Math.min(attempt - 1, 10);
        return ThreadLocalRandom.current().nextLong(cap / 2, cap + 1);
    }
}
