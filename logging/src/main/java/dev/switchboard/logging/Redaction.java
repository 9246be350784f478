package dev.switchboard.logging;

import java.util.regex.Pattern;

/**
 * What may not reach a log as it came: credentials and terminal control. The one copy of these
 * rules, applied by the layouts ({@link JsonLogEncoder} for the functions, {@link SafeMessageConverter}
 * and {@link SafeThrowableConverter} for the local cloud), so no call site has to remember.
 *
 * <p>{@link #redact} removes {@code token=…} in query strings, {@code Bearer …}, JSON fields named
 * token / access_token / id_token / authorization (as in a {@code $connect} event's
 * {@code queryStringParameters} and {@code headers}), and anything shaped like a JWT.
 * {@link #neutralise} writes C0/C1 control characters (CR, LF, ESC, …) and the Unicode bidi
 * controls as visible {@code \\uXXXX} text, so outside text (a {@code clientMsgId}, an unknown
 * action, a close reason) can neither forge a log line nor drive a terminal.
 */
public final class Redaction {

    public static final String REDACTED = "[redacted]";

    // A value already [redacted] is left alone: the local cloud redacts a function's log line once more when it
    // relays it, and the value's own '[' used to be taken for a token ("?token=[redacted]]").
    private static final Pattern QUERY = Pattern.compile(
            "(?i)((?:^|[?&;\\s,(\\[{])(?:token|access_token|id_token)=)(?!\\[redacted](?:[&\\s\"'#,)\\]}]|$))[^&\\s\"'#,)\\]}]+");
    private static final Pattern BEARER = Pattern.compile("(?i)(bearer\\s+)[A-Za-z0-9._~+/=-]+");
    private static final Pattern JSON_FIELD = Pattern.compile(
            "(?i)(\"(?:token|access_token|id_token|authorization)\"\\s*:\\s*\\[?\\s*\")(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*");

    private Redaction() {}

    /** {@code text} without credentials; null stays null. Idempotent: redacting twice changes nothing more. */
    public static String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = JSON_FIELD.matcher(text).replaceAll("$1" + REDACTED + "\"");
        out = BEARER.matcher(out).replaceAll("$1" + REDACTED);
        out = QUERY.matcher(out).replaceAll("$1" + REDACTED);
        return JWT.matcher(out).replaceAll(REDACTED);
    }

    /**
     * {@code text} with every control character (U+0000–U+001F, U+007F–U+009F) and bidi control
     * (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) written as {@code \\uXXXX}; with
     * {@code keepNewlines}, line feeds and tabs stay (a stack trace's own lines). Null stays null.
     */
    public static String neutralise(String text, boolean keepNewlines) {
        if (text == null) {
            return null;
        }
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean unsafe = (c < 0x20
                            || (c >= 0x7f && c <= 0x9f)
                            || c == 0x061c
                            || c == 0x200e
                            || c == 0x200f
                            || (c >= 0x202a && c <= 0x202e)
                            || (c >= 0x2066 && c <= 0x2069))
                    && !(keepNewlines && (c == '\n' || c == '\t'));
            if (unsafe && out == null) {
                out = new StringBuilder(text.length() + 16).append(text, 0, i);
            }
            if (unsafe) {
                out.append(String.format("\\u%04x", (int) c));
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text : out.toString();
    }

    /** What a log line may carry of {@code text}: redacted, then neutralised (newlines too). */
    public static String forLog(String text) {
        return neutralise(redact(text), false);
    }

    /** A throwable as {@code printStackTrace} renders it, redacted (for messages that are not logged). */
    public static String stackTrace(Throwable t) {
        java.io.StringWriter out = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(out));
        return redact(out.toString().stripTrailing());
    }
}
