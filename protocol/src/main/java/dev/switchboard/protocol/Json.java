package dev.switchboard.protocol;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.gson.JsonSerializer;
import java.util.Map;

/**
 * The one gson instance our code uses (thread-safe, built once), and the writers of the wire format:
 * server frames, client requests, SNS notifications. Every module that puts protocol JSON on the wire
 * goes through here, so the format lives in one place (nulls are omitted, HTML is not escaped).
 */
public final class Json {

    public static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    /** {@link #GSON} for requests: enums go out as their wire names ({@code "state":"read"}), as the parser reads them. */
    private static final Gson REQUEST_GSON = GSON.newBuilder()
            .registerTypeAdapter(InboxState.class, (JsonSerializer<InboxState>)
                    (state, type, context) -> new JsonPrimitive(state.wire()))
            .create();

    private Json() {}

    public static String write(ServerFrame frame) {
        return GSON.toJson(frame);
    }

    /**
     * The text frame a client sends for {@code request}, as {@link RequestParser#parse} reads it:
     * {@code "action"} first, then the record's components by name, null ones omitted
     * ({@code {"action":"send","room":"lobby","text":"hi","clientMsgId":"c-1"}}). A
     * {@link Request.Broadcast} nests its audience under {@code "target"} as docs/PROTOCOL.md says.
     *
     * @param request any request; its values are not validated here (the server does that)
     * @return compact JSON text
     */
    public static String write(Request request) {
        return write(request, null);
    }

    /**
     * As {@link #write(Request)}, with {@code "requestId"} last when it is not null: the id every answer
     * and error for the request echoes (docs/PROTOCOL.md, "Matching answers to requests").
     *
     * @param requestId 1-64 characters of {@code A-Z a-z 0-9 . _ -} ({@link RequestParser#isValidRequestId}),
     *                  or null for none; not validated here
     */
    public static String write(Request request, String requestId) {
        JsonObject json = new JsonObject();
        json.addProperty("action", request.action());
        if (request instanceof Request.Broadcast broadcast) {
            json.add("target", target(broadcast.room(), broadcast.user(), broadcast.all()));
            json.addProperty("title", broadcast.title());
            json.addProperty("body", broadcast.body());
            json.addProperty("clientMsgId", broadcast.clientMsgId());
        } else {
            for (Map.Entry<String, JsonElement> field :
                    REQUEST_GSON.toJsonTree(request).getAsJsonObject().entrySet()) {
                json.add(field.getKey(), field.getValue());
            }
        }
        if (requestId != null) {
            json.addProperty("requestId", requestId);
        }
        return GSON.toJson(json);
    }

    /**
     * The SNS message another system publishes for {@code notification}, as {@link Notification#parse}
     * reads it: {@code {"target":{"room":R}|{"user":U}|{"all":true},"title":...,"body":...}}.
     */
    public static String write(Notification notification) {
        JsonObject json = new JsonObject();
        json.add("target", target(notification.room(), notification.user(), notification.all()));
        json.addProperty("title", notification.title());
        json.addProperty("body", notification.body());
        return GSON.toJson(json);
    }

    /** Exactly one of room, user, all: the parsers refuse anything else. */
    private static JsonObject target(String room, String user, boolean all) {
        JsonObject target = new JsonObject();
        if (room != null) {
            target.addProperty("room", room);
        } else if (user != null) {
            target.addProperty("user", user);
        } else if (all) {
            target.addProperty("all", true);
        }
        return target;
    }

    /**
     * A server frame as received, into its record, for clients that want types rather than a tree.
     *
     * @param json one text frame from the server
     * @param type the record the caller expects (check the frame's {@code "type"} first)
     * @throws com.google.gson.JsonParseException when the text is not JSON
     */
    public static <T extends ServerFrame> T read(String json, Class<T> type) {
        return GSON.fromJson(json, type);
    }

    /** The frame as sent: JSON in UTF-8 (its length is what API Gateway's 128 KB limit counts). */
    public static byte[] bytes(ServerFrame frame) {
        return write(frame).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
