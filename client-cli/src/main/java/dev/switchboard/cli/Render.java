package dev.switchboard.cli;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

import com.google.gson.JsonObject;

/** One line per frame, for people; colour only when asked (a real terminal). */
final class Render {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm").withZone(ZoneId.systemDefault());
    private final boolean colour;

    Render(boolean colour) {
        this.colour = colour;
    }

    /** The line for a frame, or null for frames not worth a line (pong, acks). */
    String line(JsonObject f) {
        String type = SendCommand.type(f);
        if (type == null) {
            return f.has("message") ? paint("31", "! server: " + SendCommand.str(f, "message")) : null;
        }
        return switch (type) {
            case "message" -> time(f) + " [" + SendCommand.str(f, "room") + "] " + paint("1", SendCommand.str(f, "from")) + ": "
                    + SendCommand.str(f, "text");
            case "direct" -> time(f) + " " + paint("35", "(dm) " + SendCommand.str(f, "from")) + ": " + SendCommand.str(f, "text");
            case "presence" -> paint("2", "* " + SendCommand.str(f, "user") + " " + ("join".equals(SendCommand.str(f, "event")) ? "joined" : "left")
                    + " " + SendCommand.str(f, "room"));
            case "members" -> "members of " + SendCommand.str(f, "room") + ": " + String.join(", ",
                    f.getAsJsonArray("users").asList().stream().map(e -> e.getAsString()).toList());
            case "notification" -> paint("33", "=== " + SendCommand.str(f, "title") + " === " + SendCommand.str(f, "body"));
            case "error" -> paint("31", "! " + SendCommand.str(f, "code") + ": " + SendCommand.str(f, "message"));
            default -> null;
        };
    }

    private static String time(JsonObject f) {
        return f.has("ts") ? TIME.format(Instant.ofEpochMilli(f.get("ts").getAsLong())) : "--:--";
    }

    private String paint(String code, String text) {
        return colour ? "\u001b[" + code + "m" + text + "\u001b[0m" : text;
    }
}
