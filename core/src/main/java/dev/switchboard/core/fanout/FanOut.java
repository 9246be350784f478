package dev.switchboard.core.fanout;

import dev.switchboard.core.fanout.ConnectionPoster.PostStatus;
import dev.switchboard.core.metrics.InvocationMetrics;
import dev.switchboard.core.metrics.Metric;
import dev.switchboard.core.store.Member;
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
    private final Consumer<Gone> onGone;
    private final Semaphore slots;
    private final ScheduledExecutorService retryTimer;
    private final int maxAttempts;
    private final long baseBackoffMillis;
    private final InvocationMetrics metrics;

    /**
     * @param maxInFlight bounds the posts outstanding at once, across deliveries of this instance
     * @param retryTimer  runs retries after their backoff (posts themselves never run on it)
     * @param onGone      called once per delivery with the connections it found gone, to delete them in one batch
     */
    public FanOut(
            ConnectionPoster poster,
            Consumer<Gone> onGone,
            int maxInFlight,
            ScheduledExecutorService retryTimer,
            int maxAttempts,
            long baseBackoffMillis) {
        this(poster, onGone, maxInFlight, retryTimer, maxAttempts, baseBackoffMillis, InvocationMetrics.discarding());
    }

    /** As above; counts deliveries, gone, failed and retries into {@code metrics} (an increment each, never a wait). */
    public FanOut(
            ConnectionPoster poster,
            Consumer<Gone> onGone,
            int maxInFlight,
            ScheduledExecutorService retryTimer,
            int maxAttempts,
            long baseBackoffMillis,
            InvocationMetrics metrics) {
        this.metrics = metrics;
        this.poster = poster;
        this.onGone = onGone;
        this.slots = new Semaphore(maxInFlight);
        this.retryTimer = retryTimer;
        this.maxAttempts = maxAttempts;
        this.baseBackoffMillis = baseBackoffMillis;
    }

    /**
     * Connections one delivery found gone (410), the room it was to (null: not a room's fan-out), and
     * when it started posting (epoch ms, wall clock): every post answered 410 was sent at or after
     * {@code postedFromMillis}, so a connection known open before it was open before its 410 (see
     * {@link dev.switchboard.core.store.ChatStore#removeGone}). Taken before the first post rather than when
     * a 410 arrives: API Gateway may open the socket, and its first frame be handled, between the two.
     */
    public record Gone(List<String> connectionIds, String room, long postedFromMillis) {}

    /** Posts {@code frame} to every recipient; blocks until each one is settled. Unbounded in time: see {@link #deliver(List, byte[], Deadline)}. */
    public FanOutResult deliver(List<Member> recipients, byte[] frame) {
        return deliver(recipients, frame, Deadline.NONE);
    }

    /**
     * Posts {@code frame} to every recipient; blocks until each one is settled or the deadline
     * passes. What is unanswered at the deadline counts as failed.
     */
    public FanOutResult deliver(List<Member> recipients, byte[] frame, Deadline deadline) {
        return start(recipients, frame, deadline, null).settle();
    }

    /** {@link #deliver(List, byte[], Deadline)} to members of {@code room}: the gone are removed from it too. */
    public FanOutResult deliver(List<Member> recipients, byte[] frame, Deadline deadline, String room) {
        return start(recipients, frame, deadline, room).settle();
    }

    /** {@link #start(List, byte[], Deadline)} without a deadline. */
    public Delivery start(List<Member> recipients, byte[] frame) {
        return start(recipients, frame, Deadline.NONE);
    }

    /**
     * Starts posting {@code frame} to every recipient and returns at once (unless more than
     * {@code maxInFlight} posts are outstanding), so the caller can do other work meanwhile, such
     * as reading the room while its own acknowledgement is on the wire. {@link Delivery#settle()}
     * waits for the outcome, until {@code deadline} at most; no retry is scheduled past it.
     * Never throws: a recipient that could not be started (no free slot before the deadline,
     * interrupted) is counted as failed.
     */
    public Delivery start(List<Member> recipients, byte[] frame, Deadline deadline) {
        return start(recipients, frame, deadline, null);
    }

    /** {@link #start(List, byte[], Deadline)} to members of {@code room} (null: not a room's fan-out). */
    public Delivery start(List<Member> recipients, byte[] frame, Deadline deadline, String room) {
        Delivery delivery = new Delivery(recipients.size(), deadline, room);
        int started = 0;
        try {
            for (Member recipient : recipients) {
                if (!slots.tryAcquire(deadline.remainingMillis(), TimeUnit.MILLISECONDS)) {
                    break; // every slot held by a post that has not answered: the rest fail
                }
                started++;
                String connectionId = recipient.connectionId();
                CompletableFuture<PostStatus> post;
                try {
                    post = attempt(recipient, frame, 1, deadline);
                } catch (RuntimeException | Error e) {
                    post = CompletableFuture.completedFuture(
                            PostStatus.FAILED); // never leaves a slot or the count behind
                }
                post.whenComplete((status, error) -> {
                    slots.release();
                    delivery.record(connectionId, error != null || status == null ? PostStatus.FAILED : status);
                });
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (int i = started; i < recipients.size(); i++) {
            delivery.record(recipients.get(i).connectionId(), PostStatus.FAILED);
        }
        return delivery;
    }

    /** Posts under way; {@link #settle()} once. */
    public final class Delivery {
        private final int audience;
        private final Deadline deadline;
        private final String room;
        private final AtomicInteger delivered = new AtomicInteger();
        private final Queue<String> gone = new ConcurrentLinkedQueue<>();
        private final CountDownLatch settled;
        /** Before any post of this delivery (epoch ms): {@link Gone#postedFromMillis()}. */
        private final long postedFromMillis;

        private Delivery(int audience, Deadline deadline, String room) {
            this.audience = audience;
            this.deadline = deadline;
            this.room = room;
            this.settled = new CountDownLatch(audience);
            this.postedFromMillis = System.currentTimeMillis();
        }

        private void record(String connectionId, PostStatus status) {
            switch (status) {
                case DELIVERED -> delivered.incrementAndGet();
                case GONE -> gone.add(connectionId);
                default -> {} // failed: whatever is neither delivered nor gone
            }
            settled.countDown();
        }

        /**
         * Waits for every post (until the deadline at most), removes the connections found gone
         * (one batch), and counts; what has not answered by then is failed, and a late answer changes nothing.
         */
        public FanOutResult settle() {
            try {
                if (!settled.await(deadline.remainingMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn(
                            "{} of {} posts unanswered at the deadline: counted as failed",
                            settled.getCount(),
                            audience);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // what is unsettled counts as failed
            }
            List<String> goneIds = List.copyOf(gone);
            int deliveredCount = Math.min(delivered.get(), audience - goneIds.size());
            // Cleanup after the posts, on the caller's thread, never on the HTTP client's: a store call blocks.
            if (!goneIds.isEmpty()) {
                try {
                    onGone.accept(new Gone(goneIds, room, postedFromMillis));
                } catch (RuntimeException e) {
                    // TTL removes them later; the delivery outcome stands
                    LOG.warn("could not remove {} gone connections: {}", goneIds.size(), e.toString());
                }
            }
            FanOutResult result =
                    new FanOutResult(deliveredCount, goneIds.size(), audience - deliveredCount - goneIds.size());
            metrics.add(Metric.DELIVERIES, result.delivered());
            metrics.add(Metric.DELIVERIES_GONE, result.gone());
            metrics.add(Metric.DELIVERIES_FAILED, result.failed());
            return result;
        }
    }

    /** One try and, after a 429 / 5xx / I-O error, the next ones; completes, whatever the poster or the timer throws. */
    private CompletableFuture<PostStatus> attempt(Member recipient, byte[] frame, int attempt, Deadline deadline) {
        CompletableFuture<PostStatus> post;
        try {
            post = poster.post(recipient, frame);
        } catch (RuntimeException e) {
            LOG.warn("post to {} failed: {}", recipient.connectionId(), e.toString());
            post = null;
        }
        if (post == null) {
            post = CompletableFuture.completedFuture(PostStatus.RETRY);
        }
        return post.exceptionally(e -> PostStatus.RETRY).thenCompose(status -> {
            if (status != PostStatus.RETRY) {
                return CompletableFuture.completedFuture(status == null ? PostStatus.FAILED : status);
            }
            long backoff = backoffMillis(attempt);
            // 429 (a client not reading, or throttling) and 5xx are retried while the deadline allows, then failed.
            if (attempt >= maxAttempts || backoff >= deadline.remainingMillis()) {
                return CompletableFuture.completedFuture(PostStatus.FAILED);
            }
            metrics.count(Metric.DELIVERY_RETRIES);
            CompletableFuture<PostStatus> retried = new CompletableFuture<>();
            try {
                retryTimer.schedule(
                        () -> {
                            try {
                                attempt(recipient, frame, attempt + 1, deadline)
                                        .whenComplete((s, e) ->
                                                retried.complete(e == null && s != null ? s : PostStatus.FAILED));
                            } catch (RuntimeException | Error e) {
                                retried.complete(PostStatus.FAILED);
                            }
                        },
                        backoff,
                        TimeUnit.MILLISECONDS);
            } catch (RuntimeException e) {
                retried.complete(PostStatus.FAILED); // the timer was shut down
            }
            return retried;
        });
    }

    /** Exponential backoff with full jitter: uniformly between half and all of base × 2^(attempt-1). */
    private long backoffMillis(int attempt) {
        long cap = baseBackoffMillis << Math.min(attempt - 1, 10);
        return ThreadLocalRandom.current().nextLong(cap / 2, cap + 1);
    }
}
