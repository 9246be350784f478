package dev.switchboard.cli;

import dev.switchboard.protocol.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads every {@link Duration} option of the CLI (registered once, in {@link Main#commandLine}) with
 * {@link Durations#parse}, the reader the local cloud's options use too: {@code 500ms}, {@code 30s},
 * {@code 2m}, {@code 1h} or ISO-8601 ({@code PT1M30S}). Negative durations are refused, and so is zero: every
 * duration option of the CLI is how long to wait for something, and a wait of 0 gives up before it starts.
 */
final class DurationConverter implements ITypeConverter<Duration> {

    /**
     * @throws TypeConversionException for anything else, with a message that shows the accepted forms
     *                                 (picocli prints it with the option's name and the usage hint), and for a
     *                                 zero duration
     */
    @Override
    public Duration convert(String value) {
        Duration parsed;
        try {
            parsed = Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
        if (parsed.isZero()) {
            throw new TypeConversionException(
                    "'" + value + "' would give up before waiting: give a duration longer than 0, like 30s");
        }
        return parsed;
    }
}
