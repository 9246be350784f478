package dev.switchboard.core;

/**
 * The user already holds the configured number of live connections
 * ({@link Config#maxConnectionsPerUser()}); {@code $connect} answers HTTP 429 and nothing is kept.
 */
public final class TooManyConnectionsException extends RuntimeException {

    private final int cap;

    /**
     * @param user the user refused
     * @param cap  the connections one user may hold
     */
    public TooManyConnectionsException(String user, int cap) {
        super(
                "user '" + user + "' already has " + cap
                        + " open connections, the most allowed: close one (another tab or device) and connect again",
                null,
                false,
                false);
        this.cap = cap;
    }

    /** The connections one user may hold. */
    public int cap() {
        return cap;
    }
}
