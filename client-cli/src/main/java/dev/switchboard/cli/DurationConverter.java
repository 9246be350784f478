package dev.switchboard.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads every {@link Duration} option of the CLI (registered once, in {@link Main#commandLine}):
 * a whole number with a unit, {@code 500ms}, {@code 30s}, {@code 2m}, {@code 1h} (as {@code sleep}
 * or Go's durations write them; units are case-insensitive), or ISO-8601 as
 * {@link Duration#parse} reads it ({@code PT30S}, {@code PT1M30S}). Negative durations are refused.
 */
final class DurationConverter implements ITypeConverter<Duration> {

    private static final Pattern SHORT = Pattern.compile("(\\d{1,12})(ms|s|m|h)");

    /**
     * @throws TypeConversionException for anything else, with a message that shows the accepted forms
     *                                 (picocli prints it with the option's name and the usage hint)
     */
    @Override
    public Duration convert(String value) {
        String text = value.strip().toLowerCase(Locale.ROOT);
        Matcher shortForm = SHORT.matcher(text);
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
            Duration parsed = Duration.parse(value.strip());
            if (!parsed.isNegative()) {
                return parsed;
            }
        } catch (DateTimeParseException e) {
            // fall through to the message below
        }
        throw new TypeConversionException(
                "'" + value + "' is not a duration: write it like 500ms, 30s, 2m, 1h or PT1M30S");
    }
}
