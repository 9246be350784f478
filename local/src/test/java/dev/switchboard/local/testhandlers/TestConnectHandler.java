package dev.switchboard.local.testhandlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import java.util.Map;

/** $connect: ?mode=reject → 401, ?mode=throw → exception, ?mode=proto → selects subprotocol "chat". */
public final class TestConnectHandler
        implements RequestHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse> {
    @Override
    public APIGatewayV2WebSocketResponse handleRequest(APIGatewayV2WebSocketEvent event, Context context) {
        Recorder.record("connect", event, context);
        Map<String, String> q = event.getQueryStringParameters() == null ? Map.of() : event.getQueryStringParameters();
        APIGatewayV2WebSocketResponse response = new APIGatewayV2WebSocketResponse();
        switch (q.getOrDefault("mode", "")) {
            case "reject" -> response.setStatusCode(401);
            case "forbid" -> response.setStatusCode(403);
            case "throw" -> throw new IllegalStateException("connect handler failure (expected by the test)");
            case "proto" -> {
                response.setStatusCode(200);
                response.setHeaders(Map.of("Sec-WebSocket-Protocol", "chat"));
            }
            default -> response.setStatusCode(200);
        }
        return response;
    }
}
