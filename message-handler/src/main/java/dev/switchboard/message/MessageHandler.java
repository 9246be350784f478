package dev.switchboard.message;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import dev.switchboard.core.ChatService;
import dev.switchboard.core.LogContext;
import dev.switchboard.core.aws.Switchboard;
import dev.switchboard.core.fanout.Deadline;
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
        LogContext.begin(
                context == null ? null : context.getAwsRequestId(),
                context == null ? null : context.getFunctionName(),
                metrics.begin(),
                event.getRequestContext().getConnectionId());
        try {
            String body = event.getBody();
            if (event.isIsBase64Encoded() && body != null) {
                body = new String(Base64.getDecoder().decode(body), StandardCharsets.UTF_8);
            }
            // The fan-out is bounded by what is left of this invocation (29 s at most: API Gateway's integration
            // timeout).
            chat.handle(event.getRequestContext().getConnectionId(), body, deadline(context));
        } finally {
            metrics.flush(
                    context == null ? null : context.getAwsRequestId()); // after the last post: never slows a fan-out
            LogContext.end();
        }
        APIGatewayV2WebSocketResponse response = new APIGatewayV2WebSocketResponse();
        response.setStatusCode(200);
        return response;
    }

    /** The fan-out deadline from the Lambda context's remaining time; none without a context (a direct call in a test). */
    static Deadline deadline(Context context) {
        return context == null ? Deadline.NONE : Deadline.forInvocation(context.getRemainingTimeInMillis());
    }
}
