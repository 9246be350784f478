package dev.switchboard.disconnect;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import dev.switchboard.core.ChatService;
import dev.switchboard.core.aws.LambdaInvocation;
import dev.switchboard.core.aws.Switchboard;
import dev.switchboard.core.metrics.InvocationMetrics;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code $disconnect}: removes the connection and its memberships and tells its rooms. Best effort
 * on AWS (it may never run): TTLs and {@code 410 Gone} during fan-out clean up what it misses.
 */
public final class DisconnectHandler
        implements RequestHandler<WebSocketDisconnectEvent, APIGatewayV2WebSocketResponse> {

    private static final Logger LOG = LoggerFactory.getLogger(DisconnectHandler.class);

    private final ChatService chat;
    private final InvocationMetrics metrics;

    /** The Lambda runtime's constructor: configuration from the process environment. */
    public DisconnectHandler() {
        this(new Switchboard(System.getenv()));
    }

    private DisconnectHandler(Switchboard switchboard) {
        this(switchboard.chat(), switchboard.metrics());
    }

    DisconnectHandler(ChatService chat, InvocationMetrics metrics) {
        this.chat = chat;
        this.metrics = metrics;
    }

    @Override
    public APIGatewayV2WebSocketResponse handleRequest(WebSocketDisconnectEvent event, Context context) {
        WebSocketDisconnectEvent.RequestContext request = event.getRequestContext();
        return LambdaInvocation.run(context, metrics, request.getConnectionId(), deadline -> {
            // the rooms' leave presence is bounded by what is left of this invocation
            List<String> rooms = chat.disconnect(request.getConnectionId(), deadline);
            // the close reason is the client's text: the log layout escapes it
            LOG.info(
                    "$disconnect {} status={} reason={} rooms={}",
                    request.getConnectionId(),
                    request.getDisconnectStatusCode(),
                    request.getDisconnectReason(),
                    rooms.size());
            APIGatewayV2WebSocketResponse response = new APIGatewayV2WebSocketResponse();
            response.setStatusCode(200);
            return response;
        });
    }
}
