package dev.switchboard.core.store;

/**
 * The per-connection limit on {@code send} and {@code direct}: a token bucket of {@code burst}
 * sends refilled at {@code perSecond}. Stores keep it as GCRA's single number, the theoretical
 * arrival time (TAT): a send at {@code now} is allowed while the TAT is at most
 * {@link #toleranceMillis()} ahead of {@code now}, and each allowed send moves the TAT
 * {@link #intervalMillis()} further (from {@code now} when it had fallen behind). This admits
 * exactly the sends a token bucket would, with one number to update atomically.
 */
public record SendRate(int perSecond, int burst) {

    public SendRate {
        if (perSecond < 1 || burst < 1) {
            throw new IllegalArgumentException(
                    "rate and burst must be at least 1: " + perSecond + "/s, burst " + burst);
        }
    }

    /** Time one send's token takes to come back. */
    public long intervalMillis() {
        return Math.max(1, Math.round(1000.0 / perSecond));
    }

    /** How far ahead of now the TAT may be for a send to pass: the rest of the burst. */
    public long toleranceMillis() {
        return (burst - 1) * intervalMillis();
    }
}
