package dev.switchboard.protocol;

import java.util.Locale;
import java.util.Optional;

/** What {@code mark} sets on inbox items. {@link #READ} implies {@link #SEEN}; neither is ever unset. */
public enum InboxState {
    SEEN,
    READ;

    /** The wire name, {@code seen} or {@code read}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @return the state named {@code wire} exactly ({@code seen} or {@code read}), or empty */
    public static Optional<InboxState> parse(String wire) {
        for (InboxState state : values()) {
            if (state.wire().equals(wire)) {
                return Optional.of(state);
            }
        }
        return Optional.empty();
    }
}
