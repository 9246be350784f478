package dev.switchboard.local;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.function.Function;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API Gateway Management API at {@code /{stage}/@connections/{id}}: POST (200), GET (200 with
 * camelCase JSON), DELETE (204); errors as a status plus {@code x-amzn-ErrorType} (GoneException
 * 410, PayloadTooLargeException 413, LimitExceededException 429, ForbiddenException 403), so the
 * unmodified AWS SDK raises its typed exceptions. See "Use @connections commands in your backend
 * service" in the API Gateway developer guide. There is no SigV4 check: on AWS IAM decides who may
 * call it; here only processes on this machine reach it and the SDK signs with dummy credentials.
 */
final class ConnectionsApi extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard.gateway");
    /** API Gateway's WebSocket message quota, bytes. */
    static final int MAX_POST = 131072;

    private final String stage;
    private final Function<String, GatewayConnection> connections;
    private final Faults faults;

    /**
     * @param stage the stage in the path
     * @param connections open connection by id, null when there is none
     * @param faults injected errors, answered before anything else
     */
    ConnectionsApi(String stage, Function<String, GatewayConnection> connections, Faults faults) {
        this.stage = stage;
        this.connections = connections;
        this.faults = faults;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws IOException {
        String path = request.getHttpURI().getPath();
        int at = path.indexOf("/@connections");
        if (at < 0) {
            return false;
        }
        String pathStage = path.substring(1, Math.max(1, at));
        String rest = path.substring(at + "/@connections".length());
        if (!pathStage.equals(stage) || !rest.startsWith("/") || rest.length() < 2) {
            error(response, callback, 403, "ForbiddenException", "Forbidden");
            return true;
        }
        String id = URLDecoder.decode(rest.substring(1), StandardCharsets.UTF_8);
        int fault = faults.next(id);
        if (fault != 0) {
            String type = switch (fault) {
                case 410 -> "GoneException";
                case 429 -> "LimitExceededException";
                case 403 -> "ForbiddenException";
                case 413 -> "PayloadTooLargeException";
                default -> "InternalServerErrorException";
            };
            error(response, callback, fault, type, "injected fault");
            return true;
        }
        GatewayConnection c = connections.apply(id);
        switch (request.getMethod()) {
            case "POST" -> post(request, response, callback, c);
            case "GET" -> {
                if (gone(c, response, callback)) {
                    return true;
                }
                JsonObject identity = new JsonObject();
                identity.addProperty("sourceIp", c.sourceIp);
                identity.addProperty("userAgent", c.userAgent);
                JsonObject body = new JsonObject();
                body.addProperty(
                        "connectedAt", Instant.ofEpochMilli(c.connectedAt).toString());
                body.add("identity", identity);
                body.addProperty(
                        "lastActiveAt", Instant.ofEpochMilli(c.lastActiveAt).toString());
                json(response, callback, 200, body.toString());
            }
            case "DELETE" -> {
                if (gone(c, response, callback)) {
                    return true;
                }
                c.close(1000, "");
                response.setStatus(204);
                callback.succeeded();
            }
            default -> error(response, callback, 403, "ForbiddenException", "Forbidden");
        }
        return true;
    }

    private void post(Request request, Response response, Callback callback, GatewayConnection c) throws IOException {
        byte[] body;
        try (InputStream in = Content.Source.asInputStream(request)) {
            body = in.readNBytes(MAX_POST + 1);
        }
        if (body.length > MAX_POST) {
            error(response, callback, 413, "PayloadTooLargeException", "Message too long");
            return;
        }
        if (gone(c, response, callback)) {
            return;
        }
        // Answered as soon as the message is buffered for the client (or refused), never after
        // waiting on a client that does not read.
        switch (c.offer(new String(body, StandardCharsets.UTF_8), body.length)) {
            case ACCEPTED -> {
                response.setStatus(200);
                callback.succeeded();
            }
            case FULL -> {
                LOG.info("@connections POST {}: outbound buffer full ({} bytes unread), 429", c.id, c.outboundBytes());
                error(response, callback, 429, "LimitExceededException", "Limit exceeded");
            }
            case CLOSED -> error(response, callback, 410, "GoneException", null);
        }
    }

    private boolean gone(GatewayConnection c, Response response, Callback callback) {
        if (c == null || !c.isOpen()) {
            error(response, callback, 410, "GoneException", null);
            return true;
        }
        return false;
    }

    private static void error(Response response, Callback callback, int status, String type, String message) {
        response.getHeaders().put("x-amzn-ErrorType", type);
        JsonObject body = new JsonObject();
        body.add("message", message == null ? JsonNull.INSTANCE : new com.google.gson.JsonPrimitive(message));
        json(
                response,
                callback,
                status,
                new GsonBuilder().serializeNulls().create().toJson(body));
    }

    private static void json(Response response, Callback callback, int status, String json) {
        response.setStatus(status);
        response.getHeaders().put("Content-Type", "application/json");
        Content.Sink.write(response, true, json, callback);
    }
}
