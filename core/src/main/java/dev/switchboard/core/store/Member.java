package dev.switchboard.core.store;

/** A connection as a recipient: where to post, and whose it is. */
public record Member(String connectionId, String user) {
}
