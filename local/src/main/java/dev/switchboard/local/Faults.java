package dev.switchboard.local;

import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fault injection for the {@code @connections} API, so tests can check how handlers survive
 * API Gateway's errors (410 for a vanished client, 429 throttling, 500) without waiting for them.
 */
public final class Faults {
  private final AtomicInteger remaining = new AtomicInteger();
  private final java.util.concurrent.atomic.AtomicLong injected = new java.util.concurrent.atomic.AtomicLong();
  private volatile int countStatus;
  private volatile double rate;
  private volatile int rateStatus;

  /** The next {@code count} {@code @connections} calls answer {@code status} (410, 429 or 500). */
  public Faults failNext(int status, int count) {
    countStatus = status;
    remaining.set(count);
    return this;
  }

  /** Each {@code @connections} call answers {@code status} with probability {@code rate} (0..1). */
  public Faults failRate(int status, double rate) {
    this.rateStatus = status;
    this.rate = rate;
    return this;
  }

  /** Stops injecting faults. */
  public void clear() {
    remaining.set(0);
    rate = 0;
  }

  /** How many {@code @connections} calls were answered with an injected fault so far. */
  public long injected() {
    return injected.get();
  }

  /** The status to answer instead of serving the call, or 0 to serve it. */
  int next() {
    if (remaining.get() > 0 && remaining.getAndDecrement() > 0) {
      injected.incrementAndGet();
      return countStatus;
    }
    double r = rate;
    if (r > 0 && ThreadLocalRandom.current().nextDouble() < r) {
      injected.incrementAndGet();
      return rateStatus;
    }
    return 0;
  }
}
