package dev.switchboard.logging;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * The functions' log layout: logback's own {@link JsonEncoder} (one JSON object per event and
 * line, control characters JSON-escaped, an exception and its causes inside the same object) over
 * the event as {@link SafeEvent} presents it (credentials redacted, bidi and C1 controls
 * neutralised). Fields: {@code timestamp} (ms), {@code level}, {@code threadName},
 * {@code loggerName}, {@code mdc} ({@code requestId}, {@code function}, {@code coldStart},
 * {@code connectionId}, and {@code user} / {@code room} / {@code messageId} where they apply),
 * {@code formattedMessage}, {@code throwable}.
 */
public class JsonLogEncoder extends JsonEncoder {

    public JsonLogEncoder() {
        setWithSequenceNumber(false);
        setWithNanoseconds(false);
        setWithContext(false);
        setWithMarkers(false);
        setWithKVPList(false);
        setWithMessage(false); // the unformatted template: the formatted message says it once
        setWithFormattedMessage(true);
        setWithArguments(false);
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        return super.encode(new SafeEvent(event, true));
    }
}
