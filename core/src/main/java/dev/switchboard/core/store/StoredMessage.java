package dev.switchboard.core.store;

/**
 * A room message as kept for history, in its latest version: {@code editedAt} (epoch ms) when its
 * text was replaced by an {@code edit}, else null; {@code deleted} when its author deleted it (then
 * {@code text} is null: history shows a tombstone).
 */
public record StoredMessage(String room, String id, String from, String text, long ts, Long editedAt, boolean deleted) {

    /** A message as sent: never edited, not deleted. */
    public StoredMessage(String room, String id, String from, String text, long ts) {
        this(room, id, from, text, ts, null, false);
    }
}
