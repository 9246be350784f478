package dev.switchboard.logging;

import ch.qos.logback.classic.pattern.ThrowableProxyConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/** {@code %ex} for the local cloud's pattern: the stack trace with its messages redacted and neutralised (its own line breaks kept). */
public class SafeThrowableConverter extends ThrowableProxyConverter {

    @Override
    public String convert(ILoggingEvent event) {
        return super.convert(new SafeEvent(event, true));
    }
}
