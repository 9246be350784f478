package dev.switchboard.core.store;

/** A room message as kept for history. */
public record StoredMessage(String room, String id, String from, String text, long ts) {
}
