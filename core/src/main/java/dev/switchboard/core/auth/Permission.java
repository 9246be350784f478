package dev.switchboard.core.auth;

import java.util.Locale;
import java.util.Optional;

/**
 * What a token may do in a room, as named in the rooms claim (docs/PROTOCOL.md, "Room
 * permissions"). The names follow Ably's capability operations ({@code subscribe}, {@code publish},
 * {@code history}) in our protocol's own words.
 */
public enum Permission {
    /** Receive the room's live messages and presence: {@code join} and {@code who}. */
    JOIN,
    /** {@code send} to the room. */
    SEND,
    /** Read stored messages: {@code history}. */
    HISTORY;

    /** The name used in the claim and in error messages: {@code join}, {@code send}, {@code history}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The permission a claim names, or empty for anything else (case-sensitive, as JSON is). */
    public static Optional<Permission> ofWire(String name) {
        for (Permission p : values()) {
            if (p.wire().equals(name)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
