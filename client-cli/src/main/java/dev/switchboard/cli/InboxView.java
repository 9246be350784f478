package dev.switchboard.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.switchboard.protocol.InboxState;
import dev.switchboard.protocol.Request;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * The chat command's {@code /inbox}: an {@code inbox} frame as lines (newest first, unread ones
 * starred), and the {@code mark} that records them as read once shown (docs/PROTOCOL.md, "Inbox").
 * Every field from the wire goes through {@link TerminalText#safe}.
 */
final class InboxView {

    private static final DateTimeFormatter WHEN =
            DateTimeFormatter.ofPattern("MM-dd HH:mm").withZone(ZoneId.systemDefault());

    private InboxView() {}

    /** One line per item, then one saying whether older ones exist. */
    static List<String> lines(JsonObject inbox) {
        List<String> lines = new ArrayList<>();
        JsonArray items = inbox.getAsJsonArray("items");
        String counts = inbox.has("unread") ? " (" + inbox.get("unread").getAsLong() + " unread)" : "";
        lines.add("-- inbox" + counts + ", newest first:");
        if (items == null || items.isEmpty()) {
            lines.add("--   (empty)");
            return lines;
        }
        for (JsonElement element : items) {
            JsonObject item = element.getAsJsonObject();
            String mark = item.has("read") && item.get("read").getAsBoolean() ? " " : "*";
            String when = item.has("ts")
                    ? WHEN.format(Instant.ofEpochMilli(item.get("ts").getAsLong()))
                    : "--";
            String what = "direct".equals(SendCommand.str(item, "kind"))
                    ? "(dm) " + safe(item, "from") + ": " + safe(item, "text")
                    : "=== " + safe(item, "title") + " === " + safe(item, "body");
            lines.add("-- " + mark + " " + when + " " + what);
        }
        if (inbox.has("more") && inbox.get("more").getAsBoolean()) {
            lines.add("--   (older items: /inbox 50 shows up to 50)");
        }
        return lines;
    }

    /** The {@code mark} (state read) of the unread items shown, or null when every item was read already. */
    static Request.Mark markRead(JsonObject inbox) {
        List<String> unread = new ArrayList<>();
        JsonArray items = inbox.getAsJsonArray("items");
        if (items != null) {
            for (JsonElement element : items) {
                JsonObject item = element.getAsJsonObject();
                if (!(item.has("read") && item.get("read").getAsBoolean()) && item.has("id")) {
                    unread.add(item.get("id").getAsString());
                }
            }
        }
        return unread.isEmpty() ? null : new Request.Mark(List.copyOf(unread), InboxState.READ);
    }

    private static String safe(JsonObject item, String name) {
        return TerminalText.safe(SendCommand.str(item, name));
    }
}
