package dev.switchboard.protocol;

import java.util.Locale;

/** The {@code code} of an error frame; stable, documented in docs/PROTOCOL.md. */
public enum ErrorCode {
    BAD_JSON,
    UNKNOWN_ACTION,
    BAD_REQUEST,
    NOT_MEMBER,
    TOO_LARGE,
    TOO_MANY_ROOMS,
    RATE_LIMITED,
    FORBIDDEN,
    NOT_CONNECTED,
    TOKEN_EXPIRED,
    UNAUTHORIZED,
    DELIVERY_INCOMPLETE,
    INTERNAL,
    /**
     * What the request names is not there: a message for {@code edit}/{@code delete}/{@code read}, inbox ids
     * for {@code mark} (never there, expired, or another user's).
     */
    NOT_FOUND;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
