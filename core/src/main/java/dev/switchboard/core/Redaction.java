package dev.switchboard.core;

import java.util.regex.Pattern;

/**
 * Removes credentials from text before it is logged: {@code token=…} in query strings,
 * {@code Bearer …}, JSON fields named token / access_token / id_token / authorization (as in a
 * {@code $connect} event's {@code queryStringParameters} and {@code headers}), and anything shaped
 * like a JWT. The local cloud keeps a copy of these rules ({@code dev.switchboard.local.Redaction}):
 * it does not depend on core.
 */
public final class Redaction {

    public static final String REDACTED = "[redacted]";

    private static final Pattern QUERY = Pattern.compile("(?i)((?:^|[?&;\\s,(\\[{])(?:token|access_token|id_token)=)[^&\\s\"'#,)\\]}]+");
    private static final Pattern BEARER = Pattern.compile("(?i)(bearer\\s+)[A-Za-z0-9._~+/=-]+");
    private static final Pattern JSON_FIELD = Pattern.compile(
            "(?i)(\"(?:token|access_token|id_token|authorization)\"\\s*:\\s*\\[?\\s*\")(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern JWT = Pattern.compile("eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*");

    private Redaction() {
    }

    public static String redact(String text) {
        if (text == null || text.isEmpty()) {
            return text;
        }
        String out = JSON_FIELD.matcher(text).replaceAll("$1" + REDACTED + "\"");
        out = BEARER.matcher(out).replaceAll("$1" + REDACTED);
        out = QUERY.matcher(out).replaceAll("$1" + REDACTED);
        return JWT.matcher(out).replaceAll(REDACTED);
    }
}
