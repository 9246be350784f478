package dev.switchboard.cli;

import dev.switchboard.protocol.Durations;
import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads every {@link Duration} option of the CLI (registered once, in {@link Main#commandLine}) with
 * {@link Durations#parse}, the reader the local cloud's options use too: {@code 500ms}, {@code 30s},
 * {@code 2m}, {@code 1h} or ISO-8601 ({@code PT1M30S}); negative durations are refused.
 */
final class DurationConverter implements ITypeConverter<Duration> {

    /**
     * @throws TypeConversionException for anything else, with a message that shows the accepted forms
     *                                 (picocli prints it with the option's name and the usage hint)
     */
    @Override
    public Duration convert(String value) {
        try {
            return Durations.parse(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
