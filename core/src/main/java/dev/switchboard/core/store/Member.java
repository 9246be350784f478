package dev.switchboard.core.store;

/**
 * A connection as a recipient: where to post, and whose it is.
 *
 * @param connectionId API Gateway's connection id
 * @param user the user id (null where the fan-out does not need it)
 * @param home the region the connection lives in; null = the reader's own region (always so when
 *     the stack runs in one region)
 */
public record Member(String connectionId, String user, Home home) {

    /** A recipient in the reader's own region. */
    public Member(String connectionId, String user) {
        this(connectionId, user, null);
    }
}
