package dev.switchboard.protocol;

import java.util.regex.Pattern;

/** Room and user names: short, and safe to print, to use in keys and in URLs. */
public final class Names {

    public static final int MAX_LENGTH = 64;
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_.\\-]{1," + MAX_LENGTH + "}");

    private Names() {}

    public static boolean isValid(String name) {
        return name != null && VALID.matcher(name).matches();
    }

    public static String describe() {
        return "1-" + MAX_LENGTH + " characters of A-Z a-z 0-9 . _ -";
    }
}
