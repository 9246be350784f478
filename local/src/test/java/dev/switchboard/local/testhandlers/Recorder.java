package dev.switchboard.local.testhandlers;

import com.google.gson.Gson;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;

/** Events the test handlers received, as JSON, for the tests to inspect. */
public final class Recorder {
    private static final Gson GSON = new Gson();
    private static final ConcurrentLinkedQueue<JsonObject> EVENTS = new ConcurrentLinkedQueue<>();

    private Recorder() {}

    static void record(String kind, Object event) {
        JsonObject json = GSON.toJsonTree(event).getAsJsonObject();
        json.addProperty("_kind", kind);
        EVENTS.add(json);
    }

    /** As {@link #record(String, Object)}, with the invocation's Lambda request id as {@code _awsRequestId}. */
    static void record(String kind, Object event, com.amazonaws.services.lambda.runtime.Context context) {
        JsonObject json = GSON.toJsonTree(event).getAsJsonObject();
        json.addProperty("_kind", kind);
        json.addProperty("_awsRequestId", context.getAwsRequestId());
        EVENTS.add(json);
    }

    public static List<JsonObject> all() {
        return List.copyOf(EVENTS);
    }

    /** The first event of {@code kind} for {@code connectionId}. */
    public static Optional<JsonObject> find(String kind, String connectionId) {
        return EVENTS.stream()
                .filter(e -> e.get("_kind").getAsString().equals(kind))
                .filter(e -> e.has("requestContext")
                        && e.getAsJsonObject("requestContext").has("connectionId")
                        && e.getAsJsonObject("requestContext")
                                .get("connectionId")
                                .getAsString()
                                .equals(connectionId))
                .findFirst();
    }

    public static List<JsonObject> ofKind(String kind) {
        return EVENTS.stream()
                .filter(e -> e.get("_kind").getAsString().equals(kind))
                .toList();
    }
}
