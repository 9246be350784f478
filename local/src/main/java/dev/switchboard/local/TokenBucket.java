package dev.switchboard.local;

/**
 * API Gateway's throttling algorithm for a stage's {@code DefaultRouteSettings}: a token bucket
 * holding at most {@code burst} tokens, refilled at {@code rate} tokens per second; each
 * {@code $connect} and each message takes one. See "Throttle API requests for better throughput"
 * in the API Gateway developer guide (the token bucket algorithm, rate and burst).
 */
final class TokenBucket {
    private final double rate;
    private final double burst;
    private double tokens;
    private long last = System.nanoTime();

    /**
     * @param rate steady-state refill, tokens per second (> 0)
     * @param burst bucket size, tokens (>= 1); the bucket starts full
     */
    TokenBucket(double rate, int burst) {
        this.rate = rate;
        this.burst = burst;
        this.tokens = burst;
    }

    /** Takes one token; false (taking none) when the bucket is empty. */
    synchronized boolean tryAcquire() {
        long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - last) / 1e9 * rate);
        last = now;
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }
}
