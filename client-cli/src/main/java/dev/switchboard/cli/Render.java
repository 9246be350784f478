package dev.switchboard.cli;

import com.google.gson.JsonObject;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** One line per frame, for people; colour only when asked (a real terminal). */
final class Render {

    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneId.systemDefault());
    private static final DateTimeFormatter TIME_SECONDS =
            DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());
    private final boolean colour;

    Render(boolean colour) {
        this.colour = colour;
    }

    /**
     * The line for a frame, or null for frames not worth a line (pong, acks). Every field from the
     * wire goes through {@link TerminalText#safe}: a line is exactly one line, with no escape
     * sequences but the colours added here.
     */
    String line(JsonObject f) {
        return line(f, null);
    }

    /**
     * As {@link #line(JsonObject)}, an {@code error} naming the request it refuses: {@code ! /who ops: forbidden: ...}.
     *
     * @param request how the chat names the request the frame answers ({@link ChatSession#requestOf}), or null
     */
    String line(JsonObject f, String request) {
        String type = SendCommand.type(f);
        if (type == null) {
            return f.has("message") ? paint("31", "! server: " + field(f, "message")) : null;
        }
        return switch (type) {
            // a history item may be a tombstone (deleted) or an edited version
            case "message" ->
                f.has("deleted")
                        ? paint("2", time(f) + " [" + field(f, "room") + "] " + field(f, "from") + ": (deleted)")
                        : time(f) + " [" + field(f, "room") + "] " + paint("1", field(f, "from")) + ": "
                                + field(f, "text") + (f.has("editedAt") ? paint("2", " (edited)") : "");
            case "edited" ->
                time(f) + " [" + field(f, "room") + "] " + paint("1", field(f, "from")) + paint("2", " (edited)") + ": "
                        + field(f, "text");
            case "deleted" -> paint("2", "* " + field(f, "from") + " deleted a message in " + field(f, "room"));
            case "typing" -> paint("2", "* " + field(f, "user") + " is typing in " + field(f, "room") + "…");
            case "unread" ->
                paint(
                        "2",
                        "* " + (f.get("count").getAsInt() >= 100 ? "99+" : field(f, "count")) + " unread in "
                                + field(f, "room") + " since you last read");
            // another member's read position (the chat leaves out the answers to its own reads)
            case "receipt" ->
                paint(
                        "2",
                        "* " + field(f, "user") + " has read " + field(f, "room") + " up to "
                                + (dev.switchboard.protocol.MessageIds.isValid(SendCommand.str(f, "id"))
                                        ? TIME_SECONDS.format(Instant.ofEpochMilli(
                                                dev.switchboard.protocol.MessageIds.millis(SendCommand.str(f, "id"))))
                                        : field(f, "id")));
            case "direct" -> time(f) + " " + paint("35", "(dm) " + field(f, "from")) + ": " + field(f, "text");
            case "presence" ->
                paint(
                        "2",
                        "* " + field(f, "user") + " " + ("join".equals(SendCommand.str(f, "event")) ? "joined" : "left")
                                + " " + field(f, "room"));
            case "members" ->
                "members of " + field(f, "room") + ": "
                        + String.join(
                                ", ",
                                f.getAsJsonArray("users").asList().stream()
                                        .map(e -> TerminalText.safe(e.getAsString()))
                                        .toList())
                        + moreMembers(f);
            case "notification" -> paint("33", "=== " + field(f, "title") + " === " + field(f, "body"));
            case "error" ->
                paint(
                        "31",
                        "! " + (request == null ? "" : TerminalText.safe(request) + ": ") + field(f, "code") + ": "
                                + field(f, "message"));
            // the inbox's counts: on connect (badge) and after a mark from any of the user's connections
            case "badge", "marked" ->
                f.has("unread") && f.get("unread").getAsLong() > 0
                        ? paint("33", "-- inbox: " + f.get("unread").getAsLong() + " unread (/inbox)")
                        : "-- inbox: all read";
            default -> null;
        };
    }

    /**
     * What a {@code members} page with a {@code next} cursor leaves out (docs/PROTOCOL.md, {@code who}): a page holds
     * up to 100 connections' users, and only the first page has {@code count}, the room's connections counted up to
     * 10,000. Empty for the last (or only) page.
     */
    private static String moreMembers(JsonObject f) {
        if (!f.has("next")) {
            return "";
        }
        if (!f.has("count")) {
            return " … and more";
        }
        int count = f.get("count").getAsInt();
        return " … and more (" + (count >= 10_000 ? "10000 or more" : String.valueOf(count)) + " connections in all)";
    }

    private static String field(JsonObject f, String name) {
        return TerminalText.safe(SendCommand.str(f, name));
    }

    private static String time(JsonObject f) {
        return f.has("ts") ? TIME.format(Instant.ofEpochMilli(f.get("ts").getAsLong())) : "--:--";
    }

    private String paint(String code, String text) {
        return colour ? "\u001b[" + code + "m" + text + "\u001b[0m" : text;
    }
}
