package dev.switchboard.local.testhandlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;

/**
 * Messages: {"action":"boom"} throws, "sleep" outlasts the timeout, "reply" returns a body (two-way
 * route), anything else is echoed to the sender through @connections with the unmodified SDK.
 * Runs in process (the tests read what it records), so it gets the {@code @connections} endpoint
 * from the test through {@link #managementEndpoint}, not from an environment of its own.
 */
public final class TestMessageHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    /** Set by the test to the local cloud's {@code connectionsEndpoint()} before any message. */
    public static volatile URI managementEndpoint;

    private ApiGatewayManagementApiClient management;

    private synchronized ApiGatewayManagementApiClient management() {
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
        Recorder.record("message", event, context);
        String body = String.valueOf(event.get("body"));
        String connectionId = String.valueOf(((Map<String, Object>) event.get("requestContext")).get("connectionId"));
        String action = "";
        try {
            JsonObject json = JsonParser.parseString(body).getAsJsonObject();
            action = json.has("action") ? json.get("action").getAsString() : "";
        } catch (RuntimeException notJson) {
            action = "";
        }
        switch (action) {
            case "boom" -> throw new IllegalStateException("handler failure (expected by the test)");
            case "sleep" -> {
                try {
                    // outlive the function timeout; interrupted when the local cloud gives up on the invocation
                    new java.util.concurrent.CountDownLatch(1).await(30, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Map.of("statusCode", 200);
            }
            case "reply" -> {
                return Map.of("statusCode", 200, "body", "reply:" + body);
            }
            default -> {
                JsonObject echo = new JsonObject();
                echo.addProperty("connectionId", connectionId);
                echo.addProperty("echo", body);
                echo.addProperty(
                        "routeKey",
                        String.valueOf(((Map<String, Object>) event.get("requestContext")).get("routeKey")));
                management()
                        .postToConnection(
                                r -> r.connectionId(connectionId).data(SdkBytes.fromUtf8String(echo.toString())));
                return Map.of("statusCode", 200);
            }
        }
    }
}
