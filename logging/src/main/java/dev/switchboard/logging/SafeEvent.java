package dev.switchboard.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.LoggerContextVO;
import ch.qos.logback.classic.spi.StackTraceElementProxy;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;

/**
 * A logging event as a layout may print it: message, MDC values and exception messages redacted
 * and neutralised ({@link Redaction}); everything else as logged.
 */
final class SafeEvent implements ILoggingEvent {

    private final ILoggingEvent event;
    private final boolean keepNewlines;

    /** @param keepNewlines true where the layout escapes line feeds itself (JSON) */
    SafeEvent(ILoggingEvent event, boolean keepNewlines) {
        this.event = event;
        this.keepNewlines = keepNewlines;
    }

    private String safe(String text) {
        return Redaction.neutralise(Redaction.redact(text), keepNewlines);
    }

    @Override
    public String getThreadName() {
        return event.getThreadName();
    }

    @Override
    public Level getLevel() {
        return event.getLevel();
    }

    @Override
    public String getMessage() {
        return safe(event.getMessage());
    }

    @Override
    public Object[] getArgumentArray() {
        return null;
    } // printed only as part of the formatted message

    @Override
    public String getFormattedMessage() {
        return safe(event.getFormattedMessage());
    }

    @Override
    public String getLoggerName() {
        return event.getLoggerName();
    }

    @Override
    public LoggerContextVO getLoggerContextVO() {
        return event.getLoggerContextVO();
    }

    @Override
    public IThrowableProxy getThrowableProxy() {
        IThrowableProxy t = event.getThrowableProxy();
        return t == null ? null : new SafeThrowable(t);
    }

    @Override
    public StackTraceElement[] getCallerData() {
        return event.getCallerData();
    }

    @Override
    public boolean hasCallerData() {
        return event.hasCallerData();
    }

    @Override
    public List<Marker> getMarkerList() {
        return event.getMarkerList();
    }

    @Override
    public Map<String, String> getMDCPropertyMap() {
        Map<String, String> mdc = event.getMDCPropertyMap();
        if (mdc == null || mdc.isEmpty()) {
            return mdc;
        }
        Map<String, String> out = new LinkedHashMap<>();
        mdc.forEach((k, v) -> out.put(k, safe(v)));
        return out;
    }

    @Override
    @SuppressWarnings("deprecation")
    public Map<String, String> getMdc() {
        return getMDCPropertyMap();
    }

    @Override
    public long getTimeStamp() {
        return event.getTimeStamp();
    }

    @Override
    public int getNanoseconds() {
        return event.getNanoseconds();
    }

    @Override
    public long getSequenceNumber() {
        return event.getSequenceNumber();
    }

    @Override
    public List<KeyValuePair> getKeyValuePairs() {
        return event.getKeyValuePairs();
    }

    @Override
    public void prepareForDeferredProcessing() {
        event.prepareForDeferredProcessing();
    }

    /** An exception whose message (and its causes' and suppressed exceptions' messages) is safe. */
    private final class SafeThrowable implements IThrowableProxy {
        private final IThrowableProxy t;

        SafeThrowable(IThrowableProxy t) {
            this.t = t;
        }

        @Override
        public String getMessage() {
            return safe(t.getMessage());
        }

        @Override
        public String getOverridingMessage() {
            return safe(t.getOverridingMessage());
        }

        @Override
        public String getClassName() {
            return t.getClassName();
        }

        @Override
        public StackTraceElementProxy[] getStackTraceElementProxyArray() {
            return t.getStackTraceElementProxyArray();
        }

        @Override
        public int getCommonFrames() {
            return t.getCommonFrames();
        }

        @Override
        public IThrowableProxy getCause() {
            return t.getCause() == null ? null : new SafeThrowable(t.getCause());
        }

        @Override
        public IThrowableProxy[] getSuppressed() {
            IThrowableProxy[] suppressed = t.getSuppressed();
            if (suppressed == null) {
                return null;
            }
            IThrowableProxy[] out = new IThrowableProxy[suppressed.length];
            for (int i = 0; i < suppressed.length; i++) {
                out[i] = new SafeThrowable(suppressed[i]);
            }
            return out;
        }

        @Override
        public boolean isCyclic() {
            return t.isCyclic();
        }
    }
}
