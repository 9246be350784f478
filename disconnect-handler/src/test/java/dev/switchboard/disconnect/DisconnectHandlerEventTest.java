package dev.switchboard.disconnect;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.core.ChatService;
import dev.switchboard.core.ChatServiceFixture;
import dev.switchboard.core.auth.Identity;
import dev.switchboard.core.metrics.InvocationMetrics;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code $disconnect} from an event as API Gateway sent it:
 * {@code events/disconnect/apigw-websocket-request-disconnect.json}, verbatim from aws/aws-lambda-go
 * (events/testdata/apigw-websocket-request-disconnect.json, captured from a deployed API), read into our
 * own {@link WebSocketDisconnectEvent} with the Lambda Java runtime's serialization ({@link EventLoader}):
 * the stock event type has no {@code disconnectStatusCode} / {@code disconnectReason}.
 */
class DisconnectHandlerEventTest {

    static final String FIXTURE = "events/disconnect/apigw-websocket-request-disconnect.json";
    static final String CONNECTION = "R1kmxc2VNjMCFIA=";

    @RegisterExtension
    static final ChatServiceFixture fixture = new ChatServiceFixture("switchboard-disconnect-events");

    @Test
    void theEvent_mapsTheDisconnectFields_theStockTypeLacks() {
        WebSocketDisconnectEvent event = EventLoader.loadEvent(FIXTURE, WebSocketDisconnectEvent.class);
        assertThat(event.getRequestContext().getConnectionId()).isEqualTo(CONNECTION);
        assertThat(event.getRequestContext().getDisconnectStatusCode()).isEqualTo(1001);
        assertThat(event.getRequestContext().getDisconnectReason()).isEmpty();
    }

    /** The connection itself is gone too: a frame on it is told to reconnect. */
    static void max_isGone(ChatService chat) {
        chat.handle(CONNECTION, "{\"action\":\"ping\"}");
        assertThat(fixture.framesOf(CONNECTION, "error"))
                .singleElement()
                .satisfies(e -> assertThat(e.get("code").getAsString()).isEqualTo("not_connected"));
    }

    @Test
    void theConnection_leavesItsRooms_andIsRemoved() {
        ChatService chat = fixture.service(Map.of());
        chat.connect(CONNECTION, new Identity("max", false), 1705751697419L);
        chat.connect("c-nia", new Identity("nia", false), 0);
        chat.handle(CONNECTION, "{\"action\":\"join\",\"room\":\"lounge\"}");
        chat.handle("c-nia", "{\"action\":\"join\",\"room\":\"lounge\"}");

        int status = new DisconnectHandler(chat, InvocationMetrics.discarding())
                .handleRequest(EventLoader.loadEvent(FIXTURE, WebSocketDisconnectEvent.class), null)
                .getStatusCode();

        assertThat(status).isEqualTo(200);
        chat.handle("c-nia", "{\"action\":\"who\",\"room\":\"lounge\"}");
        assertThat(fixture.framesOf("c-nia", "members")
                        .get(0)
                        .getAsJsonArray("users")
                        .asList())
                .extracting(u -> u.getAsString())
                .containsExactly("nia");
        max_isGone(chat);
    }
}
