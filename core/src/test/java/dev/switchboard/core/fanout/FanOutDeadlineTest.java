package dev.switchboard.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.fanout.ConnectionPoster.PostStatus;
import dev.switchboard.core.store.Member;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fan-out bounded by the invocation's deadline, with a scripted poster: a post that never
 * answers (a client that stopped reading, on a gateway that holds the post), 429 after 429, a
 * poster that throws or breaks its contract. The fan-out returns by the deadline, counts what did
 * not answer as failed, and every slot comes back.
 */
class FanOutDeadlineTest {

    final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    final Map<String, CompletableFuture<PostStatus>> hanging = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

    @AfterEach
    void stop() {
        timer.shutdownNow();
    }

    /** "stuck*" never answers (until the test says), "busy*" always 429, "throw*" throws, "null*" returns null. */
    CompletableFuture<PostStatus> post(String connectionId, byte[] frame) {
        attempts.computeIfAbsent(connectionId, k -> new AtomicInteger()).incrementAndGet();
        if (connectionId.startsWith("stuck")) {
            return hanging.computeIfAbsent(connectionId, k -> new CompletableFuture<>());
        }
        if (connectionId.startsWith("busy")) {
            return CompletableFuture.completedFuture(PostStatus.of(429));
        }
        if (connectionId.startsWith("throw")) {
            throw new IllegalStateException("poster bug");
        }
        if (connectionId.startsWith("null")) {
            return null;
        }
        return CompletableFuture.completedFuture(PostStatus.DELIVERED);
    }

    static List<Member> members(String... ids) {
        return java.util.Arrays.stream(ids).map(id -> new Member(id, null)).toList();
    }

    static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    @Test
    void deliver_countsAPostThatNeverAnswersAsFailed_atTheDeadline_andALateAnswerChangesNothing() {
        FanOut fanOut = new FanOut(this::post, id -> {}, 8, timer, 3, 50);
        long start = System.nanoTime();
        FanOutResult result = fanOut.deliver(members("a", "stuck-1", "b"), new byte[] {'{', '}'}, Deadline.after(400));
        long took = millisSince(start);
        assertThat(result).isEqualTo(new FanOutResult(2, 0, 1));
        assertThat(took)
                .as("returned at the deadline, not at the post's answer")
                .isBetween(350L, 5_000L);
        hanging.get("stuck-1").complete(PostStatus.DELIVERED);
        // its slot came back: a full fan-out with one slot goes through
        FanOut oneSlot = new FanOut(this::post, id -> {}, 1, timer, 3, 50);
        assertThat(oneSlot.deliver(members("c", "d", "e"), new byte[] {'{', '}'}, Deadline.after(5_000)))
                .isEqualTo(new FanOutResult(3, 0, 0));
    }

    @Test
    void deliver_retries429OnlyWhileTheDeadlineAllows_thenCountsItFailed() {
        // up to 20 attempts, backoff doubling from 100 ms: unbounded, that would be minutes
        FanOut fanOut = new FanOut(this::post, id -> {}, 8, timer, 20, 100);
        long start = System.nanoTime();
        FanOutResult result = fanOut.deliver(members("busy-1", "ok"), new byte[] {'{', '}'}, Deadline.after(1_000));
        assertThat(result).isEqualTo(new FanOutResult(1, 0, 1));
        assertThat(millisSince(start)).isLessThan(5_000L);
        assertThat(attempts.get("busy-1").get()).as("retried, but not 20 times").isBetween(2, 5);
    }

    @Test
    void deliver_withNoSlotFreeBeforeTheDeadline_countsTheRestFailed_withoutWaitingForThem() {
        FanOut fanOut = new FanOut(this::post, id -> {}, 1, timer, 3, 50);
        long start = System.nanoTime();
        FanOutResult result = fanOut.deliver(members("stuck-2", "x", "y"), new byte[] {'{', '}'}, Deadline.after(300));
        assertThat(result).isEqualTo(new FanOutResult(0, 0, 3));
        assertThat(millisSince(start)).isLessThan(5_000L);
        assertThat(attempts).doesNotContainKeys("x", "y");
        hanging.get("stuck-2").complete(PostStatus.FAILED);
    }

    @Test
    void deliver_countsAPosterThatThrowsOrReturnsNullAsFailed_andReleasesItsSlot() {
        FanOut fanOut = new FanOut(this::post, id -> {}, 1, timer, 2, 1);
        FanOutResult result = fanOut.deliver(
                members("throw-1", "null-1", "ok-1", "ok-2"), new byte[] {'{', '}'}, Deadline.after(10_000));
        assertThat(result).isEqualTo(new FanOutResult(2, 0, 2));
        assertThat(attempts.get("throw-1").get())
                .as("a throwing poster is retried like an I/O error")
                .isEqualTo(2);
    }

    @Test
    void deliver_countsRetriesFailed_whenTheRetryTimerIsShutDown() {
        ScheduledExecutorService stopped = Executors.newSingleThreadScheduledExecutor();
        stopped.shutdownNow();
        FanOut fanOut = new FanOut(this::post, id -> {}, 4, stopped, 3, 10);
        assertThat(fanOut.deliver(members("busy-2", "ok-3"), new byte[] {'{', '}'}, Deadline.after(5_000)))
                .isEqualTo(new FanOutResult(1, 0, 1));
    }

    @Test
    void forInvocation_leavesAFifthAndAtLeastOneSecond() {
        assertThat(Deadline.forInvocation(29_000).remainingMillis()).isBetween(23_000L, 23_200L);
        assertThat(Deadline.forInvocation(3_000).remainingMillis()).isBetween(1_900L, 2_000L);
        assertThat(Deadline.forInvocation(500).passed()).isTrue();
        assertThat(Deadline.NONE.remainingMillis()).isEqualTo(Long.MAX_VALUE);
    }
}
