package dev.switchboard.core.store;

/** A live WebSocket connection: who it is and when it expires (epoch seconds, the TTL). */
public record Connection(String connectionId, String user, boolean admin, long connectedAt, long expiresAt) {
}
