package dev.switchboard.cli;

/**
 * Makes text from the wire safe to print on a terminal: every character that could move the
 * cursor, end the line, start an escape sequence or reorder what follows is shown as a visible
 * escape instead, so a room member can neither forge lines that seem to come from someone else
 * nor drive the terminal. Neutralised: C0 controls (U+0000–U+001F, including CR, LF, TAB and ESC),
 * DEL and C1 controls (U+007F–U+009F, where U+009B is an 8-bit CSI), the line and paragraph
 * separators (U+2028, U+2029), and the bidirectional formatting characters of Unicode's
 * bidirectional algorithm (UAX #9): ALM U+061C, LRM/RLM U+200E/U+200F, the embeddings and
 * overrides U+202A–U+202E and the isolates U+2066–U+2069 (the "Trojan Source" characters,
 * CVE-2021-42574). {@code --json} output needs none of this: gson escapes control characters in
 * JSON strings (and writes the bidi ones as they are, for programs, not terminals).
 */
final class TerminalText {

    private TerminalText() {}

    /**
     * @param text characters from the wire (null passes through as null)
     * @return the same text with each neutralised character written as {@code \n}, {@code \r},
     *         {@code \t} or {@code \}{@code uXXXX} (hex code point), everything else unchanged
     */
    static String safe(String text) {
        if (text == null || text.codePoints().noneMatch(TerminalText::unsafe)) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        text.codePoints().forEach(c -> {
            if (!unsafe(c)) {
                out.appendCodePoint(c);
            } else if (c == '\n') {
                out.append("\\n");
            } else if (c == '\r') {
                out.append("\\r");
            } else if (c == '\t') {
                out.append("\\t");
            } else {
                out.append(String.format("\\u%04X", c));
            }
        });
        return out.toString();
    }

    static boolean unsafe(int c) {
        return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029 || bidi(c);
    }

    private static boolean bidi(int c) {
        return c == 0x061C
                || c == 0x200E
                || c == 0x200F
                || (c >= 0x202A && c <= 0x202E)
                || (c >= 0x2066 && c <= 0x2069);
    }
}
