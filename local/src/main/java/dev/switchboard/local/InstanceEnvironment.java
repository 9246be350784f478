package dev.switchboard.local;

import java.util.Map;

/**
 * The process environment of one in-process function instance. {@link FunctionClassLoader} defines
 * a copy of this class in every instance's class loader and points the instance's
 * {@code System.getenv} calls here, so the handler, the AWS SDK, Powertools and logback of that
 * instance read the function's own variables (the template's, plus what Lambda sets) exactly where
 * they would read the process environment on Lambda. The local cloud's own copy of this class is
 * never used.
 *
 * <p>Public only because the rewritten call sites live in other packages; nothing else calls it.
 */
public final class InstanceEnvironment {

    /** Set once by the seam right after the instance's class loader is made, before any function code runs. */
    private static volatile Map<String, String> variables = Map.of();

    private InstanceEnvironment() {}

    /** Called by the seam, through reflection, on this instance's copy: the instance's whole environment. */
    public static void set(Map<String, String> environment) {
        variables = Map.copyOf(environment);
    }

    /** Replaces {@link System#getenv()}: an unmodifiable view of the instance's environment. */
    public static Map<String, String> getenv() {
        return variables;
    }

    /** Replaces {@link System#getenv(String)}: the variable's value, or null when the instance has none. */
    public static String getenv(String name) {
        // System.getenv(null) throws NullPointerException; Map.copyOf's get does the same.
        return variables.get(name);
    }
}
