package dev.switchboard.protocol;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

/**
 * A notification published to the SNS topic by another system:
 * {@code {"target":{"room":"lobby"}|{"user":"bob"}|{"all":true},"title":"...","body":"..."}}.
 *
 * <p>Title and body are limited ({@link #MAX_TITLE}, {@link #MAX_BODY} characters, counted as UTF-16
 * code units like JavaScript's {@code length}) so that the {@code notification} frame always fits
 * API Gateway's 128 KB message limit, whatever the characters: even if gson writes every one as a
 * six-byte escape the frame stays under 100 KB. A notification over them is refused with
 * {@link IllegalArgumentException}, never cut: a cut text could change its meaning.
 */
public record Notification(String room, String user, boolean all, String title, String body) {

    /** Most characters in a title. */
    public static final int MAX_TITLE = 200;
    /** Most characters in a body: four chat messages' worth. */
    public static final int MAX_BODY = 16_000;

    /** @throws IllegalArgumentException when the title or body is over its limit, naming the limit */
    public Notification {
        if (title != null && title.length() > MAX_TITLE) {
            throw new IllegalArgumentException("field 'title' is " + title.length() + " characters; at most "
                    + MAX_TITLE + " are allowed so the frame fits API Gateway's 128 KB message limit: shorten it");
        }
        if (body != null && body.length() > MAX_BODY) {
            throw new IllegalArgumentException("field 'body' is " + body.length() + " characters; at most " + MAX_BODY
                    + " are allowed so the frame fits API Gateway's 128 KB message limit: shorten it or send a link");
        }
    }

    /**
     * @param json the SNS message
     * @throws IllegalArgumentException saying what is wrong: not JSON, no or bad target, no title, over a limit
     */
    public static Notification parse(String json) {
        JsonObject object;
        try {
            JsonElement element = JsonParser.parseString(json);
            if (!element.isJsonObject()) {
                throw new IllegalArgumentException("the notification must be a JSON object");
            }
            object = element.getAsJsonObject();
        } catch (JsonParseException | StackOverflowError e) {
            throw new IllegalArgumentException("the notification is not valid JSON");
        }
        JsonObject target =
                object.has("target") && object.get("target").isJsonObject() ? object.getAsJsonObject("target") : null;
        if (target == null) {
            throw new IllegalArgumentException(
                    "field 'target' is required: {\"room\":R} | {\"user\":U} | {\"all\":true}");
        }
        String room = string(target, "room");
        String user = string(target, "user");
        boolean all = target.has("all")
                && target.get("all").isJsonPrimitive()
                && target.get("all").getAsJsonPrimitive().isBoolean()
                && target.get("all").getAsBoolean();
        int targets = (room != null ? 1 : 0) + (user != null ? 1 : 0) + (all ? 1 : 0);
        if (targets != 1) {
            throw new IllegalArgumentException("'target' must name exactly one of room, user or all");
        }
        if ((room != null && !Names.isValid(room)) || (user != null && !Names.isValid(user))) {
            throw new IllegalArgumentException("room and user names must be " + Names.describe());
        }
        String title = string(object, "title");
        if (title == null || title.isBlank()) {
            throw new IllegalArgumentException("field 'title' is required");
        }
        String body = string(object, "body");
        return new Notification(room, user, all, title, body == null ? "" : body);
    }

    private static String string(JsonObject object, String field) {
        JsonElement element = object.get(field);
        return element != null
                        && element.isJsonPrimitive()
                        && element.getAsJsonPrimitive().isString()
                ? element.getAsString()
                : null;
    }
}
