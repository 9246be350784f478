package dev.switchboard.logging;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %msg} for the local cloud's one-line-per-event pattern: the message redacted, and CR, LF,
 * ESC, other controls and bidi characters shown as {@code \\uXXXX} ({@link Redaction#forLog}), so
 * outside text cannot add a line of its own.
 */
public class SafeMessageConverter extends ClassicConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return Redaction.forLog(event.getFormattedMessage());
    }
}
