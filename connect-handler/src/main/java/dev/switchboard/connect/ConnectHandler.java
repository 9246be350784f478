package dev.switchboard.connect;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import dev.switchboard.core.ChatService;
import dev.switchboard.core.TooManyConnectionsException;
import dev.switchboard.core.auth.AuthenticationException;
import dev.switchboard.core.auth.Authenticator;
import dev.switchboard.core.auth.Identity;
import dev.switchboard.core.aws.LambdaInvocation;
import dev.switchboard.core.aws.Switchboard;
import dev.switchboard.core.metrics.InvocationMetrics;
import dev.switchboard.core.metrics.Metric;
import dev.switchboard.core.store.ConnectionIdTakenException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The function that verifies tokens, on two routes. {@code $connect}: authenticates the handshake
 * and registers the connection; a non-2xx answer fails the handshake with that status and stores
 * nothing; it never posts to the connection: on AWS the socket is not open until this returns (a
 * post would get 410). {@code refresh} (the route selection expression picks it from
 * {@code {"action":"refresh","token":JWT}}): replaces the open connection's token and answers it
 * through {@code @connections} ({@link ChatService#refresh}). Only this function carries the JWT
 * library, so the chat function stays lighter.
 */
public final class ConnectHandler implements RequestHandler<APIGatewayV2WebSocketEvent, APIGatewayV2WebSocketResponse> {

    private static final Logger LOG = LoggerFactory.getLogger(ConnectHandler.class);
    /** The template's route for {@code {"action":"refresh"}} frames. */
    static final String REFRESH_ROUTE = "refresh";

    private final Authenticator authenticator;
    private final ChatService chat;
    private final InvocationMetrics metrics;

    /** The Lambda runtime's constructor: configuration from the process environment. */
    public ConnectHandler() {
        this(new Switchboard(System.getenv()));
    }

    ConnectHandler(Switchboard switchboard) {
        this(new Authenticator(switchboard.config()), switchboard.chat(), switchboard.metrics());
    }

    ConnectHandler(Authenticator authenticator, ChatService chat) {
        this(authenticator, chat, InvocationMetrics.discarding());
    }

    ConnectHandler(Authenticator authenticator, ChatService chat, InvocationMetrics metrics) {
        this.metrics = metrics;
        this.authenticator = authenticator;
        this.chat = chat;
    }

    @Override
    public APIGatewayV2WebSocketResponse handleRequest(APIGatewayV2WebSocketEvent event, Context context) {
        return LambdaInvocation.run(
                context, metrics, event.getRequestContext().getConnectionId(), deadline -> connect(event));
    }

    private APIGatewayV2WebSocketResponse connect(APIGatewayV2WebSocketEvent event) {
        APIGatewayV2WebSocketEvent.RequestContext request = event.getRequestContext();
        String connectionId = request.getConnectionId();
        if (REFRESH_ROUTE.equals(request.getRouteKey())) {
            chat.refresh(connectionId, event.getBody(), authenticator::verify);
            return response(200, null);
        }
        try {
            Identity identity = authenticator.authenticate(event.getQueryStringParameters(), event.getHeaders());
            long connectedAt = request.getConnectedAt() > 0 ? request.getConnectedAt() : System.currentTimeMillis();
            chat.connect(connectionId, identity, connectedAt);
            LOG.info(
                    "$connect {} user={} admin={} tokenExp={}",
                    connectionId,
                    identity.user(),
                    identity.admin(),
                    identity.expiresAt());
            return response(200, "connected");
        } catch (TooManyConnectionsException e) {
            // 429 as API Gateway's own throttling answers; the client may retry once it closed another connection
            LOG.info("$connect {} refused 429: {}", connectionId, e.getMessage());
            metrics.count(Metric.CONNECTIONS_REFUSED, Metric.REASON, "too_many_connections");
            return response(429, e.getMessage());
        } catch (ConnectionIdTakenException e) {
            // several regions: another region's API issued the same id (docs/DEPLOY.md); a retry gets a new one
            LOG.warn("$connect {} refused 503: {}", connectionId, e.getMessage());
            metrics.count(Metric.CONNECTIONS_REFUSED, Metric.REASON, "connection_id_taken");
            return response(503, e.getMessage());
        } catch (AuthenticationException e) {
            // The reason quotes the JWT library's message (claims, never the token); the log layout redacts all the
            // same.
            LOG.info("$connect {} refused {}: {}", connectionId, e.status(), e.getMessage());
            metrics.count(Metric.CONNECTIONS_REFUSED, Metric.REASON, e.status() == 403 ? "forbidden" : "unauthorized");
            return response(e.status(), e.getMessage());
        }
    }

    private static APIGatewayV2WebSocketResponse response(int status, String body) {
        APIGatewayV2WebSocketResponse response = new APIGatewayV2WebSocketResponse();
        response.setStatusCode(status);
        response.setBody(body);
        return response;
    }
}
