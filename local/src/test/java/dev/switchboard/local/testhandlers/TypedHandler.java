package dev.switchboard.local.testhandlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;

/** Takes the stock POJO, which lacks disconnectStatusCode: unknown fields must not break it. */
public final class TypedHandler implements RequestHandler<APIGatewayV2WebSocketEvent, String> {
    @Override
    public String handleRequest(APIGatewayV2WebSocketEvent event, Context context) {
        return event.getRequestContext().getEventType() + " "
                + event.getRequestContext().getConnectionId();
    }
}
