package dev.switchboard.core.store;

import dev.switchboard.core.auth.RoomGrants;

/**
 * A live WebSocket connection: who it is, what its token allows, and when it expires.
 *
 * @param connectionId API Gateway's connection id
 * @param user the user id
 * @param admin may use the {@code broadcast} action
 * @param connectedAt epoch milliseconds
 * @param expiresAt the item's TTL, epoch seconds (API Gateway's 2 h maximum plus a margin)
 * @param name the display name, or null
 * @param tokenExpiresAt the token's {@code exp}, epoch seconds; 0 = never (dev mode). After it plus
 *     the configured leeway the connection gets nothing and may only {@code refresh}
 * @param rooms the rooms the token grants
 */
public record Connection(
        String connectionId,
        String user,
        boolean admin,
        long connectedAt,
        long expiresAt,
        String name,
        long tokenExpiresAt,
        RoomGrants rooms) {

    /** A connection without a token: every room, no expiry, no display name (dev mode, tests). */
    public Connection(String connectionId, String user, boolean admin, long connectedAt, long expiresAt) {
        this(connectionId, user, admin, connectedAt, expiresAt, null, 0, RoomGrants.ALL);
    }

    /** True when the token expired more than {@code leewaySeconds} before {@code nowSeconds}. */
    public boolean tokenExpired(long nowSeconds, long leewaySeconds) {
        return tokenExpiresAt > 0 && tokenExpiresAt + leewaySeconds < nowSeconds;
    }
}
