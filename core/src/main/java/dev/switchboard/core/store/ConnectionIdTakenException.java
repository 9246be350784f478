package dev.switchboard.core.store;

/**
 * With several regions, {@code $connect} got a connection id that a live connection of another
 * region already holds in the global table: API Gateway documents an id as unique for its
 * connection, not across APIs, so the store refuses it instead of merging two connections' items.
 * {@code $connect} answers HTTP 503 and nothing is kept; the client's next attempt gets a new id.
 */
public final class ConnectionIdTakenException extends RuntimeException {

    /**
     * @param connectionId the id this region's API issued
     * @param region this region, whose connection was refused
     */
    public ConnectionIdTakenException(String connectionId, String region) {
        super(
                "connection id " + connectionId + " is held by a connection of another region; refused in " + region
                        + " so the two are not merged: connect again (a new connection gets a new id)",
                null,
                false,
                false);
    }
}
