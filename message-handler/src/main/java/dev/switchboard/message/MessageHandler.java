package dev.switchboard.message;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import dev.switchboard.core.ChatService;
import dev.switchboard.core.aws.LambdaInvocation;
import dev.switchboard.core.aws.Switchboard;
import dev.switchboard.core.metrics.InvocationMetrics;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * {@code $default}: every client frame (route selection finds no other route). The chat service
 * answers the caller through {@code @connections}; the route response is just 200.
 */
public final class MessageHandler implements RequestHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse> {

    private final ChatService chat;
    private final InvocationMetrics metrics;

    /** The Lambda runtime's constructor: configuration from the process environment. */
    public MessageHandler() {
        this(new Switchboard(System.getenv()));
    }

    private MessageHandler(Switchboard switchboard) {
        this(switchboard.chat(), switchboard.metrics());
    }

    MessageHandler(ChatService chat, InvocationMetrics metrics) {
        this.chat = chat;
        this.metrics = metrics;
    }

    @Override
    public APIGatewayV2WebSocketResponse handleRequest(APIGatewayV2WebSocketEvent event, Context context) {
        String connectionId = event.getRequestContext().getConnectionId();
        return LambdaInvocation.run(context, metrics, connectionId, deadline -> {
            String body = event.getBody();
            if (event.isIsBase64Encoded() && body != null) {
                body = new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
            }
            // The fan-out is bounded by what is left of this invocation (29 s at most: API Gateway's integration
            // timeout).
            chat.handle(connectionId, body, deadline);
            APIGatewayV2WebSocketResponse response = new APIGatewayV2WebSocketResponse();
            response.setStatusCode(200);
            return response;
        });
    }
}
