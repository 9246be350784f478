package dev.switchboard.local.testhandlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;

/**
 * Every route of integration-timeout-template.yaml: an event naming a gate ({@code ?gate=NAME} on
 * {@code $connect}, {@code "gate":"NAME"} in a message) waits until the test opens it with
 * {@link #open(String)} (50 s at most), so a test decides how long the function runs without timing
 * anything. Then it records {@code done}, posts {@code late:NAME} to the sender through
 * {@code @connections} (messages) and returns {@code body:NAME} (what a two-way route would send).
 * A message without a gate gets {@code echo:ACTION} through {@code @connections} and {@code body:ACTION}.
 */
public final class GatedHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    /** Set by the test to the local cloud's {@code connectionsEndpoint()} before any message. */
    public static volatile URI managementEndpoint;

    private static final Map<String, CountDownLatch> GATES = new ConcurrentHashMap<>();

    /** One client for every instance: building one per instance cost a new instance's first call 0.3 s. */
    private static ApiGatewayManagementApiClient management;

    /** Lets every event waiting at gate {@code name} (and any later one) go on. */
    public static void open(String name) {
        gate(name).countDown();
    }

    private static CountDownLatch gate(String name) {
        return GATES.computeIfAbsent(name, n -> new CountDownLatch(1));
    }

    private static synchronized ApiGatewayManagementApiClient management() {
        if (management == null) {
            management = ApiGatewayManagementApiClient.builder()
                    .endpointOverride(managementEndpoint)
                    .region(Region.US_EAST_1)
                    .build();
        }
        return management;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        Map<String, Object> requestContext = (Map<String, Object>) event.get("requestContext");
        String routeKey = String.valueOf(requestContext.get("routeKey"));
        String connectionId = String.valueOf(requestContext.get("connectionId"));
        Recorder.record(routeKey, event, context);
        String gate;
        String action = "";
        if (routeKey.equals("$connect") || routeKey.equals("$disconnect")) {
            Map<String, Object> query = (Map<String, Object>) event.get("queryStringParameters");
            gate = query == null || query.get("gate") == null ? null : String.valueOf(query.get("gate"));
        } else {
            JsonObject body =
                    JsonParser.parseString(String.valueOf(event.get("body"))).getAsJsonObject();
            gate = body.has("gate") ? body.get("gate").getAsString() : null;
            action = body.has("action") ? body.get("action").getAsString() : "";
        }
        if (gate != null) {
            try {
                if (!gate(gate).await(50, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("gate " + gate + " was never opened by the test");
                }
            } catch (InterruptedException e) {
                // the test's expectation is that nothing interrupts the invocation: say so in the record
                Thread.currentThread().interrupt();
                Recorder.record("interrupted", event, context);
                throw new IllegalStateException("interrupted at gate " + gate, e);
            }
            Recorder.record("done", event, context);
        }
        String name = gate != null ? gate : action;
        if (!routeKey.equals("$connect") && !routeKey.equals("$disconnect")) {
            String text = (gate != null ? "late:" : "echo:") + name;
            management().postToConnection(r -> r.connectionId(connectionId).data(SdkBytes.fromUtf8String(text)));
        }
        return Map.of("statusCode", 200, "body", "body:" + name);
    }
}
