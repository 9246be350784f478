package dev.switchboard.message;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.core.ChatService;
import dev.switchboard.core.ChatServiceFixture;
import dev.switchboard.core.Config;
import dev.switchboard.core.auth.Identity;
import dev.switchboard.core.metrics.InvocationMetrics;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code $default} from a message event as API Gateway sent it:
 * {@code events/default/apigw-websocket-request-send-message.json}, verbatim from aws/aws-lambda-go
 * (events/testdata/apigw-websocket-request-send-message.json, captured from a deployed API), read with
 * the Lambda Java runtime's serialization ({@link EventLoader}). Its body, {@code {"a": 1}}, is no
 * action of ours; other tests put a frame of the protocol into the loaded event's body.
 */
class MessageHandlerEventTest {

    static final String FIXTURE = "events/default/apigw-websocket-request-send-message.json";
    static final String CONNECTION = "R1kmxc2VNjMCFIA=";

    @RegisterExtension
    static final ChatServiceFixture fixture = new ChatServiceFixture("switchboard-message-events");

    static APIGatewayV2WebSocketEvent event() {
        return EventLoader.loadEvent(FIXTURE, APIGatewayV2WebSocketEvent.class);
    }

    @Test
    void theVerbatimBody_isNoAction_soTheConnectionGetsAnError_andTheRouteResponseIs200() {
        ChatService chat = fixture.service(Map.of(Config.SEND_RATE_PER_SECOND, "0"));
        chat.connect(CONNECTION, new Identity("kim", false), 1705751697419L);

        APIGatewayV2WebSocketResponse response =
                new MessageHandler(chat, InvocationMetrics.discarding()).handleRequest(event(), null);

        assertThat(response.getStatusCode()).isEqualTo(200);
        assertThat(fixture.framesOf(CONNECTION, "error")).singleElement().satisfies(error -> {
            assertThat(error.get("code").getAsString()).isIn("bad_request", "unknown_action");
            assertThat(error.get("message").getAsString()).isNotBlank();
        });
    }

    @Test
    void aProtocolFrame_inTheEventsBody_isHandledForTheEventsConnection_base64BodiesToo() {
        ChatService chat = fixture.service(Map.of(Config.SEND_RATE_PER_SECOND, "0"));
        String connection = "R1knPc2ntjMCFIA=";
        chat.connect(connection, new Identity("lou", false), 1705751697419L);
        MessageHandler handler = new MessageHandler(chat, InvocationMetrics.discarding());

        APIGatewayV2WebSocketEvent ping = event();
        ping.getRequestContext().setConnectionId(connection);
        ping.setBody("{\"action\":\"ping\"}");
        handler.handleRequest(ping, null);

        // API Gateway base64-encodes binary frames' bodies and says so in isBase64Encoded
        APIGatewayV2WebSocketEvent encoded = event();
        encoded.getRequestContext().setConnectionId(connection);
        encoded.setBody(Base64.getEncoder().encodeToString("{\"action\":\"ping\"}".getBytes(StandardCharsets.UTF_8)));
        encoded.setIsBase64Encoded(true);
        handler.handleRequest(encoded, null);

        assertThat(fixture.framesOf(connection, "pong")).hasSize(2);
        assertThat(fixture.framesOf(connection, "error")).isEmpty();
    }
}
