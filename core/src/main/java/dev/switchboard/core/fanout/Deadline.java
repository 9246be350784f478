package dev.switchboard.core.fanout;

/**
 * When a fan-out must be done by, on the monotonic clock ({@link System#nanoTime()}). Handlers make
 * one from the Lambda {@code Context}'s remaining time ({@link #forInvocation}, through
 * {@code core.aws.LambdaInvocation}), so the chat logic never sees Lambda: posts are retried only while the deadline allows, and what is still unanswered at it counts
 * as failed, so the invocation ends in time instead of being killed by its timeout (a killed
 * {@code $default} invocation answers the client "Internal server error" for a message that was
 * stored and mostly delivered).
 */
public record Deadline(long nanoTime) {

    /** No bound: for callers outside an invocation (tests, tools). */
    public static final Deadline NONE = new Deadline(Long.MAX_VALUE);

    /** At most this much of an invocation's remaining time goes to its fan-out... */
    static final double SHARE = 0.8;
    /** ...and at least this much is left for what follows it (cleanup, the completion record, logs), in ms. */
    static final long RESERVE_MILLIS = 1000;

    /** {@code millis} from now. */
    public static Deadline after(long millis) {
        return new Deadline(System.nanoTime() + Math.max(0, millis) * 1_000_000);
    }

    /**
     * The fan-out deadline of an invocation with {@code remainingMillis} left (Lambda's
     * {@code Context.getRemainingTimeInMillis()}): 80% of it, and at least 1 s before the timeout.
     * MessageFunction's 29 s gives about 23 s, BroadcastFunction's 60 s about 48 s.
     */
    public static Deadline forInvocation(long remainingMillis) {
        return after(Math.min(remainingMillis - RESERVE_MILLIS, (long) (remainingMillis * SHARE)));
    }

    /** Milliseconds left, 0 once passed; {@link Long#MAX_VALUE} for {@link #NONE}. */
    public long remainingMillis() {
        if (this == NONE || nanoTime == Long.MAX_VALUE) {
            return Long.MAX_VALUE;
        }
        return Math.max(0, (nanoTime - System.nanoTime()) / 1_000_000);
    }

    public boolean passed() {
        return remainingMillis() == 0;
    }
}
