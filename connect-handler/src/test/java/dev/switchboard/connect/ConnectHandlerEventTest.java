package dev.switchboard.connect;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.core.ChatService;
import dev.switchboard.core.ChatServiceFixture;
import dev.switchboard.core.Config;
import dev.switchboard.core.auth.Authenticator;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code $connect} from an event as API Gateway sends it: {@code events/connect/apigw_websocket_event.json},
 * verbatim from aws/aws-lambda-java-libs (aws-lambda-java-tests/src/test/resources/apigw_websocket_event.json),
 * read with the Lambda Java runtime's own serialization ({@link EventLoader}). Where a test needs another
 * query string it changes that one field of the loaded event, as a client's URL would.
 */
class ConnectHandlerEventTest {

    static final String FIXTURE = "events/connect/apigw_websocket_event.json";

    @RegisterExtension
    static final ChatServiceFixture fixture = new ChatServiceFixture("switchboard-connect-events");

    static ConnectHandler handler(Map<String, String> env) {
        ChatService chat = fixture.service(env);
        Map<String, String> all =
                new HashMap<>(Map.of(Config.TABLE, "unused", Config.MANAGEMENT_ENDPOINT, "http://unused"));
        all.putAll(env);
        return new ConnectHandler(new Authenticator(Config.fromEnv(all)), chat);
    }

    @Test
    void theEvent_mapsToTheFieldsTheHandlerReads() {
        APIGatewayV2WebSocketEvent event = EventLoader.loadEvent(FIXTURE, APIGatewayV2WebSocketEvent.class);
        assertThat(event.getRequestContext().getRouteKey()).isEqualTo("$connect");
        assertThat(event.getRequestContext().getConnectionId()).isEqualTo("abc123=");
        assertThat(event.getRequestContext().getConnectedAt()).isEqualTo(1583348638390L);
        assertThat(event.getQueryStringParameters()).containsEntry("param1", "value1");
        assertThat(event.getHeaders()).containsEntry("Sec-WebSocket-Version", "13");
    }

    @Test
    void aHandshakeWithoutAToken_isRefusedWith401_andNothingIsStored() {
        APIGatewayV2WebSocketEvent event = EventLoader.loadEvent(FIXTURE, APIGatewayV2WebSocketEvent.class);
        APIGatewayV2WebSocketResponse response =
                handler(Map.of(Config.JWT_SECRET, "x".repeat(32))).handleRequest(event, null);
        assertThat(response.getStatusCode()).isEqualTo(401);
        assertThat(response.getBody()).contains("token is required");
        assertThat(fixture.posts("abc123="))
                .as("$connect never posts: the socket is not open yet")
                .isEmpty();
    }

    @Test
    void aDevUser_isRegistered_andItsConnectionThenAnswersFrames() {
        APIGatewayV2WebSocketEvent event = EventLoader.loadEvent(FIXTURE, APIGatewayV2WebSocketEvent.class);
        event.setQueryStringParameters(Map.of("user", "vera"));
        event.getRequestContext().setConnectionId("vera123="); // its own: the tests of this class share one table
        Map<String, String> env = Map.of(Config.DEV_AUTH, "true");

        APIGatewayV2WebSocketResponse response = handler(env).handleRequest(event, null);

        assertThat(response.getStatusCode()).isEqualTo(200);
        // registered under the event's connection id: a ping on it is answered, not "not_connected"
        fixture.service(env).handle("vera123=", "{\"action\":\"ping\"}");
        assertThat(fixture.framesOf("vera123=", "pong")).hasSize(1);
        assertThat(fixture.framesOf("vera123=", "error")).isEmpty();
    }
}
