package dev.switchboard.local;

import java.util.Map;
import java.util.Properties;

/**
 * The process environment and system properties of one in-process function instance.
 * {@link FunctionClassLoader} defines a copy of this class in every instance's class loader and
 * points the instance's {@code System.getenv}, {@code System.getProperty}, {@code System.setProperty},
 * {@code System.clearProperty} and {@code System.getProperties} calls here, so the handler, the AWS
 * SDK, Powertools and logback of that instance read the function's own variables (the template's,
 * plus what Lambda sets) exactly where they would read the process environment on Lambda, and the
 * properties it sets stay its own, as in a process of its own: Powertools appends its user agent to
 * {@code sdk.ua.appId} once per instance, where one JVM-wide property grew with every instance. The
 * local cloud's own copy of this class is never used.
 *
 * <p>Public only because the rewritten call sites live in other packages; nothing else calls it.
 */
public final class InstanceEnvironment {

    /** Set once by the seam right after the instance's class loader is made, before any function code runs. */
    private static volatile Map<String, String> variables = Map.of();

    /**
     * The instance's system properties: what a new JVM starts with (the JDK's own: {@code java.*},
     * {@code os.*}, {@code user.*}, …, copied from this JVM), then whatever the instance sets. Not
     * the rest of this JVM's: the local cloud's code (its own Powertools: {@code sdk.ua.appId}) sets
     * properties a function's JVM never has. A {@link Properties} is synchronized, as {@code System}'s
     * own.
     */
    private static volatile Properties properties = new Properties();

    /** The prefixes of the properties every JVM sets at start-up (System.getProperties' documented keys). */
    private static final String[] JDK_PROPERTIES = {
        "java.", "jdk.", "sun.", "os.", "user.", "file.", "path.", "line.", "native.", "stdout.", "stderr."
    };

    private InstanceEnvironment() {}

    /**
     * Called by the seam, through reflection, on this instance's copy: the instance's whole
     * environment; its system properties start as the JDK's own of this JVM.
     */
    public static void set(Map<String, String> environment) {
        variables = Map.copyOf(environment);
        Properties own = new Properties();
        // this class is never rewritten: this is the JVM's own System
        System.getProperties().forEach((key, value) -> {
            for (String prefix : JDK_PROPERTIES) {
                if (String.valueOf(key).startsWith(prefix)) {
                    own.put(key, value);
                    return;
                }
            }
        });
        properties = own;
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

    /** Replaces {@link System#getProperties()}: the instance's own, modifiable as the JVM's are. */
    public static Properties getProperties() {
        return properties;
    }

    /** Replaces {@link System#getProperty(String)}. */
    public static String getProperty(String key) {
        checkKey(key);
        return properties.getProperty(key);
    }

    /** Replaces {@link System#getProperty(String, String)}. */
    public static String getProperty(String key, String def) {
        checkKey(key);
        return properties.getProperty(key, def);
    }

    /** Replaces {@link System#setProperty(String, String)}: the previous value, or null. */
    public static String setProperty(String key, String value) {
        checkKey(key);
        return (String) properties.setProperty(key, value);
    }

    /** Replaces {@link System#clearProperty(String)}: the previous value, or null. */
    public static String clearProperty(String key) {
        checkKey(key);
        return (String) properties.remove(key);
    }

    /** As {@code System}: NullPointerException for a null key, IllegalArgumentException for an empty one. */
    private static void checkKey(String key) {
        if (key == null) {
            throw new NullPointerException("key can't be null");
        }
        if (key.isEmpty()) {
            throw new IllegalArgumentException("key can't be empty");
        }
    }
}
