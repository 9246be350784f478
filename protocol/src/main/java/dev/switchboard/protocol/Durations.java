package dev.switchboard.protocol;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a person writes a duration on Switchboard's command lines (the CLI's and the local cloud's options),
 * read one way everywhere: a whole number with a unit, {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h}
 * (as {@code sleep} or Go's durations write them; units case-insensitive), or ISO-8601 as
 * {@link Duration#parse} reads it ({@code PT30S}, {@code PT1M30S}). Here rather than in either command
 * line because the CLI may share nothing with the server but this module (docs/CONTRACTS.md); it is not
 * part of the wire format.
 */
public final class Durations {

    /** Up to 12 digits: 999,999,999,999 hours still fits a {@link Duration}. */
    private static final Pattern SHORT = Pattern.compile("(\\d{1,12})(ms|s|m|h)");

    private Durations() {}

    /**
     * @param text {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h} or ISO-8601; surrounding blanks ignored
     * @return the duration, never negative
     * @throws IllegalArgumentException for anything else (a bare number, a fraction, days, a negative
     *     duration), with a message that quotes the text and shows the accepted forms
     */
    public static Duration parse(String text) {
        String stripped = text == null ? "" : text.strip();
        Matcher shortForm = SHORT.matcher(stripped.toLowerCase(Locale.ROOT));
        if (shortForm.matches()) {
            long amount = Long.parseLong(shortForm.group(1));
            return switch (shortForm.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
            };
        }
        try {
            Duration parsed = Duration.parse(stripped);
            if (!parsed.isNegative()) {
                return parsed;
            }
        } catch (DateTimeParseException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException(
                "'" + text + "' is not a duration: write it like 500ms, 30s, 2m, 1h or PT1M30S");
    }
}
