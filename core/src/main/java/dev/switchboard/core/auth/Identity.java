package dev.switchboard.core.auth;

/**
 * Who a connection belongs to, as established at {@code $connect} (or replaced by {@code refresh}).
 *
 * @param user the user id: the configured identity claim ({@code sub} by default), never another
 * @param name the display name from the configured name claim, or null
 * @param admin the token carries {@code "admin": true}: may use the {@code broadcast} action
 * @param expiresAt the token's {@code exp} in epoch seconds; 0 = no expiry (dev mode)
 * @param rooms what the rooms claim grants ({@link RoomGrants#NONE} without one)
 */
public record Identity(String user, String name, boolean admin, long expiresAt, RoomGrants rooms) {

    /** A dev-mode identity: every room, no display name, no expiry. */
    public Identity(String user, boolean admin) {
        this(user, null, admin, 0, RoomGrants.ALL);
    }
}
