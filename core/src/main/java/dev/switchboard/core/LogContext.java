package dev.switchboard.core;

import org.slf4j.MDC;

/**
 * The fields every log line of an invocation carries (SLF4J MDC, printed by the layout as
 * {@code mdc}): {@code requestId} (the Lambda request id), {@code function}, {@code coldStart},
 * {@code connectionId}; the chat service adds {@code user}, {@code room} and {@code messageId}
 * where they apply. Set on the invocation's thread; {@link #end()} clears them.
 */
public final class LogContext {

    public static final String REQUEST_ID = "requestId";
    public static final String FUNCTION = "function";
    public static final String COLD_START = "coldStart";
    public static final String CONNECTION_ID = "connectionId";
    public static final String USER = "user";
    public static final String ROOM = "room";
    public static final String MESSAGE_ID = "messageId";

    private LogContext() {}

    /** Starts an invocation's fields; null values are left out. */
    public static void begin(String requestId, String function, boolean coldStart, String connectionId) {
        MDC.clear();
        put(REQUEST_ID, requestId);
        put(FUNCTION, function);
        put(COLD_START, Boolean.toString(coldStart));
        put(CONNECTION_ID, connectionId);
    }

    /** Adds a field for the rest of the invocation; null is left out. */
    public static void put(String key, String value) {
        if (value != null) {
            MDC.put(key, value);
        }
    }

    /** Clears the invocation's fields (a warm instance's next event starts clean). */
    public static void end() {
        MDC.clear();
    }
}
