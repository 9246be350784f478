package dev.switchboard.local;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Locale;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.server.Request;

/**
 * Event shaping: the JSON API Gateway hands a WebSocket route's integration, field for field
 * ("Setting up WebSocket API integration requests" and the {@code APIGatewayV2WebSocketEvent}
 * fixtures in aws-lambda-java-events), and the error frames API Gateway itself sends to a client.
 */
final class GatewayEvents {
    private static final DateTimeFormatter REQUEST_TIME = DateTimeFormatter.ofPattern(
                    "dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String stage;
    private final String apiId;
    /** The API's host name as clients see it; API Gateway's is {@code {api-id}.execute-api.{region}.amazonaws.com}. */
    private final String domainName = "localhost";

    GatewayEvents(String stage, String apiId) {
        this.stage = stage;
        this.apiId = apiId;
    }

    /**
     * The event of one route invocation, without body, headers or query string.
     *
     * @param routeKey {@code $connect}, {@code $default}, a custom route or {@code $disconnect}
     * @param eventType CONNECT, MESSAGE or DISCONNECT
     * @param now the request time, epoch milliseconds
     */
    JsonObject event(GatewayConnection c, String routeKey, String eventType, long now) {
        JsonObject ctx = new JsonObject();
        ctx.addProperty("routeKey", routeKey);
        ctx.addProperty("eventType", eventType);
        ctx.addProperty("extendedRequestId", newId());
        ctx.addProperty("requestTime", REQUEST_TIME.format(Instant.ofEpochMilli(now)));
        ctx.addProperty("messageDirection", "IN");
        ctx.addProperty("stage", stage);
        ctx.addProperty("connectedAt", c.connectedAt);
        ctx.addProperty("requestTimeEpoch", now);
        JsonObject identity = new JsonObject();
        identity.addProperty("sourceIp", c.sourceIp);
        if (c.userAgent != null) {
            identity.addProperty("userAgent", c.userAgent);
        }
        ctx.add("identity", identity);
        ctx.addProperty("requestId", ctx.get("extendedRequestId").getAsString());
        ctx.addProperty("domainName", domainName);
        ctx.addProperty("connectionId", c.id);
        ctx.addProperty("apiId", apiId);
        JsonObject event = new JsonObject();
        event.add("requestContext", ctx);
        event.addProperty("isBase64Encoded", false);
        return event;
    }

    /** The request id of an event built by {@link #event}. */
    static String requestId(JsonObject event) {
        return event.getAsJsonObject("requestContext").get("requestId").getAsString();
    }

    /** Adds the handshake's headers and query string, single- and multi-valued: only {@code $connect} has them. */
    static void addHandshake(JsonObject event, Request request) {
        JsonObject headers = new JsonObject();
        JsonObject multiHeaders = new JsonObject();
        for (HttpField f : request.getHeaders()) {
            headers.addProperty(f.getName(), f.getValue());
            JsonArray values =
                    multiHeaders.has(f.getName()) ? multiHeaders.getAsJsonArray(f.getName()) : new JsonArray();
            values.add(f.getValue());
            multiHeaders.add(f.getName(), values);
        }
        event.add("headers", headers);
        event.add("multiValueHeaders", multiHeaders);
        String query = request.getHttpURI().getQuery();
        if (query != null && !query.isEmpty()) {
            JsonObject single = new JsonObject();
            JsonObject multi = new JsonObject();
            for (String pair : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String k = decodeQuery(eq < 0 ? pair : pair.substring(0, eq));
                String v = eq < 0 ? "" : decodeQuery(pair.substring(eq + 1));
                single.addProperty(k, v);
                JsonArray values = multi.has(k) ? multi.getAsJsonArray(k) : new JsonArray();
                values.add(v);
                multi.add(k, values);
            }
            event.add("queryStringParameters", single);
            event.add("multiValueQueryStringParameters", multi);
        }
    }

    /** A bad % escape is passed on as sent (the function then refuses the value) rather than failing the handshake. */
    private static String decodeQuery(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException badEscape) {
            return s;
        }
    }

    /**
     * The frame API Gateway sends a client when it cannot hand the message on, in its own
     * formatting, spaces included: {@code {"message": "Forbidden", "connectionId":"…", "requestId":"…"}}.
     *
     * @param message {@code Forbidden}, {@code Internal server error} or {@code Too Many Requests}
     */
    static String gatewayError(String message, String connectionId, String requestId) {
        return "{\"message\": \"" + message + "\", \"connectionId\":\"" + connectionId + "\", \"requestId\":\""
                + requestId + "\"}";
    }

    /** A fresh id shaped like API Gateway's connection and request ids: 16 characters ending in '='. */
    static String newId() {
        byte[] bytes = new byte[11];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().encodeToString(bytes); // like JC1dgf9yoAMCK-g=
    }
}
