package dev.switchboard.protocol;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns one text frame into a {@link Request}, or throws a {@link ProtocolException} carrying the
 * exact error frame. Nothing else escapes: not gson's exceptions, not a stack overflow from deep
 * nesting.
 */
public final class RequestParser {

    /** Most items an {@code inbox} page may ask for ({@code limit}); a page is also cut to fit 128 KB. */
    public static final int INBOX_PAGE_MAX = 50;
    /** Items of an {@code inbox} page when {@code limit} is not given. */
    public static final int INBOX_PAGE_DEFAULT = 20;
    /** Most ids one {@code mark} may carry: the ids' updates and their counters fit one DynamoDB transaction (100 actions). */
    public static final int MARK_MAX_IDS = 50;
    /** Most characters of a {@code requestId}: {@link #isValidRequestId}. */
    public static final int REQUEST_ID_MAX_LENGTH = 64;

    /**
     * A request id's characters are those of room and user names: safe to print, to log and to echo
     * unescaped, and enough for a counter ({@code r-17}) or a UUID.
     */
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9_.\\-]{1," + REQUEST_ID_MAX_LENGTH + "}");

    /** The actions whose error frames echo the request's {@code clientMsgId}: those whose records have one. */
    private static final Set<String> CLIENT_MSG_ID_ACTIONS = Set.of("send", "direct", "edit", "delete", "broadcast");

    /**
     * A request and the {@code requestId} its client chose (null when it sent none), which every answer
     * to the requesting connection and every error for the request echo (docs/PROTOCOL.md, "Matching
     * answers to requests").
     */
    public record Parsed(Request request, String requestId) {}

    private final int maxTextLength;
    private final int historyPageLimit;

    public RequestParser(int maxTextLength, int historyPageLimit) {
        this.maxTextLength = maxTextLength;
        this.historyPageLimit = historyPageLimit;
    }

    /**
     * Whether {@code requestId} is a valid {@code requestId}: 1 to {@link #REQUEST_ID_MAX_LENGTH}
     * characters of {@code A-Z a-z 0-9 . _ -}.
     */
    public static boolean isValidRequestId(String requestId) {
        return requestId != null && REQUEST_ID.matcher(requestId).matches();
    }

    /**
     * One text frame as a request, without its {@code requestId}: see {@link #parseFrame}.
     *
     * @throws ProtocolException the error frame for the client, as {@link #parseFrame} throws it
     */
    public Request parse(String frame) {
        return parseFrame(frame).request();
    }

    /**
     * One text frame as a request and its optional {@code requestId}.
     *
     * @param frame the client's text frame
     * @return the request, with its {@code requestId} or null
     * @throws ProtocolException the error frame for the client: it echoes the frame's {@code requestId} when
     *     that is valid, and for {@code send}, {@code direct}, {@code edit}, {@code delete} and
     *     {@code broadcast} its {@code clientMsgId} (a string of 1-128 characters) too; a frame that is not a
     *     JSON object ({@code bad_json}) has nothing to echo. An invalid {@code requestId} (not a string of
     *     1-64 of {@code A-Z a-z 0-9 . _ -}) is {@code bad_request}, echoed by nothing
     */
    public Parsed parseFrame(String frame) {
        JsonObject json = object(frame);
        JsonElement idElement = json.get("requestId");
        boolean hasId = idElement != null && !idElement.isJsonNull();
        String requestId = hasId && isString(idElement) && isValidRequestId(idElement.getAsString())
                ? idElement.getAsString()
                : null;
        Request request;
        try {
            request = request(json);
        } catch (ProtocolException e) {
            throw e.correlated(requestId, echoedClientMsgId(json));
        }
        if (hasId && requestId == null) {
            throw new ProtocolException(
                            ErrorCode.BAD_REQUEST,
                            "field 'requestId' must be a string of 1-" + REQUEST_ID_MAX_LENGTH
                                    + " characters of A-Z a-z 0-9 . _ - (it is echoed on the answer): "
                                    + "send another id, or none",
                            request.action())
                    .correlated(null, request.clientMsgId());
        }
        return new Parsed(request, requestId);
    }

    /**
     * The {@code clientMsgId} an error for this frame echoes: that of a {@code send}, {@code direct},
     * {@code edit}, {@code delete} or {@code broadcast} when it is a valid one (1-128 characters), else null.
     */
    private static String echoedClientMsgId(JsonObject json) {
        JsonElement action = json.get("action");
        JsonElement id = json.get("clientMsgId");
        if (action == null || !isString(action) || !CLIENT_MSG_ID_ACTIONS.contains(action.getAsString())) {
            return null;
        }
        if (id == null
                || !isString(id)
                || id.getAsString().isEmpty()
                || id.getAsString().length() > 128) {
            return null;
        }
        return id.getAsString();
    }

    private Request request(JsonObject json) {
        JsonElement actionElement = json.get("action");
        if (actionElement == null || actionElement.isJsonNull()) {
            throw new ProtocolException(
                    ErrorCode.UNKNOWN_ACTION,
                    "field 'action' is required: one of join, leave, send, direct, history, who, ping, refresh, broadcast, typing, read, edit, delete, inbox, mark, badge",
                    null);
        }
        if (!isString(actionElement)) {
            throw new ProtocolException(ErrorCode.UNKNOWN_ACTION, "field 'action' must be a string", null);
        }
        String action = actionElement.getAsString();
        return switch (action) {
            case "join" -> new Request.Join(room(json, action));
            case "leave" -> new Request.Leave(room(json, action));
            case "send" -> new Request.Send(room(json, action), text(json, action), clientMsgId(json, action));
            case "direct" ->
                new Request.Direct(name(json, "to", action), text(json, action), clientMsgId(json, action));
            case "history" ->
                new Request.History(room(json, action), messageId(json, "after", action), limit(json, action));
            case "who" -> new Request.Who(room(json, action), optionalString(json, "after", action));
            case "ping" -> new Request.Ping();
            case "refresh" -> new Request.Refresh(token(json, action));
            case "broadcast" -> broadcast(json, action);
            case "typing" -> new Request.Typing(room(json, action));
            case "read" -> new Request.Read(room(json, action), requiredMessageId(json, "id", action));
            case "edit" ->
                new Request.Edit(
                        room(json, action),
                        requiredMessageId(json, "id", action),
                        text(json, action),
                        clientMsgId(json, action));
            case "delete" ->
                new Request.Delete(
                        room(json, action), requiredMessageId(json, "id", action), clientMsgId(json, action));
            case "inbox" -> new Request.Inbox(inboxCursor(json, action), inboxLimit(json, action));
            case "mark" -> mark(json, action);
            case "badge" -> new Request.Badge();
            // requestAction echoes the action as sent (cut to 33 characters), so a client can match the
            // error to its request like any other error frame.
            default ->
                throw new ProtocolException(
                        ErrorCode.UNKNOWN_ACTION,
                        "unknown action '" + abbreviate(action)
                                + "': use one of join, leave, send, direct, history, who, ping, refresh, broadcast, typing, read, edit, delete, inbox, mark, badge",
                        abbreviate(action));
        };
    }

    private static String token(JsonObject json, String action) {
        String token = requiredString(json, "token", action);
        if (token.isBlank() || token.length() > 16_384) {
            throw new ProtocolException(
                    ErrorCode.BAD_REQUEST, "field 'token' must be a JWT (1-16384 characters)", action);
        }
        return token;
    }

    private Request.Broadcast broadcast(JsonObject json, String action) {
        JsonElement targetElement = json.get("target");
        if (targetElement == null || !targetElement.isJsonObject()) {
            throw new ProtocolException(
                    ErrorCode.BAD_REQUEST,
                    "field 'target' is required: {\"room\":R}, {\"user\":U} or {\"all\":true}",
                    action);
        }
        JsonObject target = targetElement.getAsJsonObject();
        String room = target.has("room") ? name(target, "room", action) : null;
        String user = target.has("user") ? name(target, "user", action) : null;
        JsonElement allElement = target.get("all");
        boolean all = allElement != null
                && allElement.isJsonPrimitive()
                && allElement.getAsJsonPrimitive().isBoolean()
                && allElement.getAsBoolean();
        if ((room != null ? 1 : 0) + (user != null ? 1 : 0) + (all ? 1 : 0) != 1) {
            throw new ProtocolException(
                    ErrorCode.BAD_REQUEST, "field 'target' must name exactly one of room, user or all:true", action);
        }
        String title = requiredString(json, "title", action);
        if (title.isBlank()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "field 'title' must not be empty", action);
        }
        String body = optionalString(json, "body", action);
        int length = title.length() + (body == null ? 0 : body.length());
        if (length > maxTextLength) {
            throw new ProtocolException(
                    ErrorCode.TOO_LARGE,
                    "'title' and 'body' are " + length + " characters together; the limit is " + maxTextLength,
                    action);
        }
        return new Request.Broadcast(room, user, all, title, body == null ? "" : body, clientMsgId(json, action));
    }

    /** The inbox cursor: the {@code next} of an inbox frame, which is an item id. */
    private static String inboxCursor(JsonObject json, String action) {
        String cursor = optionalString(json, "after", action);
        if (cursor != null && !MessageIds.isValid(cursor)) {
            throw new ProtocolException(
                    ErrorCode.BAD_REQUEST,
                    "field 'after' must be the 'next' of an inbox frame (26 characters "
                            + "like 01KAX3T8Y9ZC4Q2D7N6B5V8M1P), or absent for the newest page",
                    action);
        }
        return cursor;
    }

    private static int inboxLimit(JsonObject json, String action) {
        JsonElement element = json.get("limit");
        if (element == null || element.isJsonNull()) {
            return INBOX_PAGE_DEFAULT;
        }
        if (!element.isJsonPrimitive() || !element.getAsJsonPrimitive().isNumber()) {
            throw new ProtocolException(
                    ErrorCode.BAD_REQUEST, "field 'limit' must be a number from 1 to " + INBOX_PAGE_MAX, action);
        }
        double value = element.getAsDouble();
        if (value != Math.rint(value) || value < 1 || value > INBOX_PAGE_MAX) {
            throw new ProtocolException(
                    ErrorCode.BAD_REQUEST,
                    "field 'limit' must be a whole number from 1 to " + INBOX_PAGE_MAX
                            + ": page on with 'after' for more",
                    action);
        }
        return (int) value;
    }

    private static Request.Mark mark(JsonObject json, String action) {
        JsonElement idsElement = json.get("ids");
        if (idsElement == null
                || !idsElement.isJsonArray()
                || idsElement.getAsJsonArray().isEmpty()) {
            throw new ProtocolException(
                    ErrorCode.BAD_REQUEST,
                    "field 'ids' is required: an array of 1 to " + MARK_MAX_IDS + " inbox item ids",
                    action);
        }
        java.util.LinkedHashSet<String> ids = new java.util.LinkedHashSet<>();
        for (JsonElement element : idsElement.getAsJsonArray()) {
            if (!isString(element) || !MessageIds.isValid(element.getAsString())) {
                throw new ProtocolException(
                        ErrorCode.BAD_REQUEST,
                        "field 'ids' must hold item ids (26 characters like "
                                + "01KAX3T8Y9ZC4Q2D7N6B5V8M1P, the 'id' of inbox items)",
                        action);
            }
            ids.add(element.getAsString());
        }
        if (ids.size() > MARK_MAX_IDS) {
            throw new ProtocolException(
                    ErrorCode.BAD_REQUEST,
                    "field 'ids' has " + ids.size() + " ids; at most " + MARK_MAX_IDS
                            + " a mark: send the rest in another mark",
                    action);
        }
        String stateName = requiredString(json, "state", action);
        InboxState state = InboxState.parse(stateName)
                .orElseThrow(() -> new ProtocolException(
                        ErrorCode.BAD_REQUEST, "field 'state' must be \"seen\" or \"read\"", action));
        return new Request.Mark(java.util.List.copyOf(ids), state);
    }

    private static JsonObject object(String frame) {
        JsonElement element;
        try {
            element = JsonParser.parseString(frame);
        } catch (JsonParseException | StackOverflowError e) {
            // gson refuses more than 255 levels (its default nesting limit): such a frame is JSON, just too deep
            boolean tooDeep = e instanceof StackOverflowError
                    || String.valueOf(e.getMessage()).contains("Nesting limit");
            throw new ProtocolException(
                    ErrorCode.BAD_JSON,
                    tooDeep
                            ? "the frame is nested too deeply (at most 255 levels): send one flat JSON object"
                            : "the frame is not valid JSON: send one JSON object per frame",
                    null);
        }
        if (element == null || !element.isJsonObject()) {
            throw new ProtocolException(
                    ErrorCode.BAD_JSON, "the frame must be a JSON object like {\"action\":\"ping\"}", null);
        }
        return element.getAsJsonObject();
    }

    private static String room(JsonObject json, String action) {
        return name(json, "room", action);
    }

    private static String name(JsonObject json, String field, String action) {
        String value = requiredString(json, field, action);
        if (!Names.isValid(value)) {
            throw new ProtocolException(
                    ErrorCode.BAD_REQUEST, "field '" + field + "' must be " + Names.describe(), action);
        }
        return value;
    }

    private String text(JsonObject json, String action) {
        String text = requiredString(json, "text", action);
        if (text.isBlank()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "field 'text' must not be empty", action);
        }
        if (text.length() > maxTextLength) {
            throw new ProtocolException(
                    ErrorCode.TOO_LARGE,
                    "field 'text' is " + text.length() + " characters; the limit is " + maxTextLength,
                    action);
        }
        return text;
    }

    /** An optional message id ({@link MessageIds#isValid}): a 2,000-character {@code after} used to reach DynamoDB and fail there. */
    private static String messageId(JsonObject json, String field, String action) {
        return messageId(json, field, action, " or absent for the newest page");
    }

    private static String messageId(JsonObject json, String field, String action, String orElse) {
        String id = optionalString(json, field, action);
        if (id != null && !MessageIds.isValid(id)) {
            throw new ProtocolException(
                    ErrorCode.BAD_REQUEST,
                    "field '" + field
                            + "' must be a message id (26 characters like 01KAX3T8Y9ZC4Q2D7N6B5V8M1P, from a message or history frame)"
                            + orElse,
                    action);
        }
        return id;
    }

    /**
     * A required message id: {@code read}, {@code edit} and {@code delete} name the message they are about
     * (so the error does not offer "absent for the newest page": they have no page).
     */
    private static String requiredMessageId(JsonObject json, String field, String action) {
        requiredString(json, field, action);
        return messageId(json, field, action, " of this room");
    }

    private static String clientMsgId(JsonObject json, String action) {
        String id = optionalString(json, "clientMsgId", action);
        if (id != null && (id.isEmpty() || id.length() > 128)) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "field 'clientMsgId' must be 1-128 characters", action);
        }
        return id;
    }

    private int limit(JsonObject json, String action) {
        JsonElement element = json.get("limit");
        if (element == null || element.isJsonNull()) {
            return Math.min(50, historyPageLimit);
        }
        if (!element.isJsonPrimitive() || !element.getAsJsonPrimitive().isNumber()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "field 'limit' must be a number", action);
        }
        double value = element.getAsDouble();
        if (value != Math.rint(value) || value < 1 || value > historyPageLimit) {
            throw new ProtocolException(
                    ErrorCode.BAD_REQUEST,
                    "field 'limit' must be a whole number from 1 to " + historyPageLimit,
                    action);
        }
        return (int) value;
    }

    private static String requiredString(JsonObject json, String field, String action) {
        JsonElement element = json.get(field);
        if (element == null || element.isJsonNull()) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "field '" + field + "' is required", action);
        }
        if (!isString(element)) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "field '" + field + "' must be a string", action);
        }
        return element.getAsString();
    }

    private static String optionalString(JsonObject json, String field, String action) {
        JsonElement element = json.get(field);
        if (element == null || element.isJsonNull()) {
            return null;
        }
        if (!isString(element)) {
            throw new ProtocolException(ErrorCode.BAD_REQUEST, "field '" + field + "' must be a string", action);
        }
        return element.getAsString();
    }

    private static boolean isString(JsonElement element) {
        return element.isJsonPrimitive() && ((JsonPrimitive) element).isString();
    }

    private static String abbreviate(String value) {
        return value.length() <= 32 ? value : value.substring(0, 32) + "…";
    }
}
