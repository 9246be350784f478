package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.switchboard.core.auth.Identity;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The chat protocol as one connection's frames drive it (docs/PROTOCOL.md): join, send, the ack
 * and the members' copies, a retried send, history, who, leave, disconnect, and bad frames. The
 * store is DynamoDB Local; the poster records what each connection would be sent.
 */
class ChatServiceTest {

    @RegisterExtension
    static final ChatServiceFixture fixture = new ChatServiceFixture("switchboard-chat-service");

    static ChatService service() {
        return fixture.service(Map.of(Config.SEND_RATE_PER_SECOND, "0"));
    }

    static List<JsonObject> framesOf(String connectionId, String type) {
        return fixture.framesOf(connectionId, type);
    }

    static String send(String room, String text, String clientMsgId) {
        return "{\"action\":\"send\",\"room\":\"" + room + "\",\"text\":\"" + text + "\",\"clientMsgId\":\""
                + clientMsgId + "\"}";
    }

    @Test
    void send_isAcknowledgedToTheSender_andDeliveredOnceToEveryOtherMember_withTheAcksId() {
        ChatService chat = service();
        chat.connect("c-ann", new Identity("ann", false), 0);
        chat.connect("c-bo", new Identity("bo", false), 0);
        chat.connect("c-cy", new Identity("cy", false), 0);
        chat.handle("c-ann", "{\"action\":\"join\",\"room\":\"deliver\"}");
        chat.handle("c-bo", "{\"action\":\"join\",\"room\":\"deliver\"}");
        // the join is confirmed by the joiner's own presence frame
        assertThat(framesOf("c-bo", "presence")).anySatisfy(p -> {
            assertThat(p.get("event").getAsString()).isEqualTo("join");
            assertThat(p.get("user").getAsString()).isEqualTo("bo");
        });

        chat.handle("c-ann", send("deliver", "hello", "a-1"));

        JsonObject ack = framesOf("c-ann", "ack").get(0);
        assertThat(ack.get("clientMsgId").getAsString()).isEqualTo("a-1");
        JsonObject message = framesOf("c-bo", "message").get(0);
        assertThat(message.get("id").getAsString()).isEqualTo(ack.get("id").getAsString());
        assertThat(message.get("from").getAsString()).isEqualTo("ann");
        assertThat(message.get("room").getAsString()).isEqualTo("deliver");
        assertThat(message.get("text").getAsString()).isEqualTo("hello");
        assertThat(framesOf("c-bo", "message")).hasSize(1);
        assertThat(framesOf("c-ann", "message"))
                .as("the sender has the ack, not a copy")
                .isEmpty();
        assertThat(framesOf("c-cy", "message")).as("not a member").isEmpty();
    }

    @Test
    void aRetriedSend_withTheSameClientMsgId_getsTheSameAck_andIsNotDeliveredOrStoredTwice() {
        ChatService chat = service();
        chat.connect("c-dee", new Identity("dee", false), 0);
        chat.connect("c-eli", new Identity("eli", false), 0);
        chat.handle("c-dee", "{\"action\":\"join\",\"room\":\"retry\"}");
        chat.handle("c-eli", "{\"action\":\"join\",\"room\":\"retry\"}");

        chat.handle("c-dee", send("retry", "once", "d-1"));
        chat.handle("c-dee", send("retry", "once", "d-1"));

        List<JsonObject> acks = framesOf("c-dee", "ack");
        assertThat(acks).hasSize(2);
        assertThat(acks.get(1).get("id").getAsString())
                .isEqualTo(acks.get(0).get("id").getAsString());
        assertThat(framesOf("c-eli", "message")).hasSize(1);
        chat.handle("c-eli", "{\"action\":\"history\",\"room\":\"retry\"}");
        assertThat(framesOf("c-eli", "history").get(0).getAsJsonArray("messages"))
                .hasSize(1);
    }

    @Test
    void history_after_resumesExactlyAfterTheGivenId() {
        ChatService chat = service();
        chat.connect("c-fay", new Identity("fay", false), 0);
        chat.handle("c-fay", "{\"action\":\"join\",\"room\":\"resume\"}");
        for (int i = 0; i < 5; i++) {
            chat.handle("c-fay", send("resume", "m" + i, "f-" + i));
        }
        List<String> ids = framesOf("c-fay", "ack").stream()
                .map(a -> a.get("id").getAsString())
                .toList();
        assertThat(ids).hasSize(5).isSorted(); // ids are time-ordered

        chat.handle("c-fay", "{\"action\":\"history\",\"room\":\"resume\",\"after\":\"" + ids.get(1) + "\"}");

        JsonObject page = framesOf("c-fay", "history").get(0);
        assertThat(page.getAsJsonArray("messages").asList())
                .extracting(m -> m.getAsJsonObject().get("id").getAsString())
                .containsExactlyElementsOf(ids.subList(2, 5));
        assertThat(page.get("more").getAsBoolean()).isFalse();
    }

    @Test
    void sendAndLeave_inARoomNotJoined_areRefusedAsNotMember_andNothingIsStored() {
        ChatService chat = service();
        chat.connect("c-gus", new Identity("gus", false), 0);
        chat.handle("c-gus", send("elsewhere", "sneaky", "g-1"));
        chat.handle("c-gus", "{\"action\":\"leave\",\"room\":\"elsewhere\"}");

        assertThat(framesOf("c-gus", "error"))
                .extracting(e -> e.get("requestAction").getAsString() + ":"
                        + e.get("code").getAsString())
                .containsExactly("send:not_member", "leave:not_member");
        assertThat(framesOf("c-gus", "ack")).isEmpty();
        chat.handle("c-gus", "{\"action\":\"join\",\"room\":\"elsewhere\"}");
        chat.handle("c-gus", "{\"action\":\"history\",\"room\":\"elsewhere\"}");
        assertThat(framesOf("c-gus", "history").get(0).getAsJsonArray("messages"))
                .isEmpty();
    }

    @Test
    void badFrames_getAnErrorNamingTheProblem_andTheConnectionKeepsWorking() {
        ChatService chat = service();
        chat.connect("c-hal", new Identity("hal", false), 0);
        chat.handle("c-hal", "{not json");
        chat.handle("c-hal", "{\"action\":\"dance\"}");
        chat.handle("c-hal", "{\"action\":\"join\"}");

        List<JsonObject> errors = framesOf("c-hal", "error");
        assertThat(errors)
                .extracting(e -> e.get("code").getAsString())
                .containsExactly("bad_json", "unknown_action", "bad_request");
        assertThat(errors)
                .allSatisfy(e -> assertThat(e.get("message").getAsString()).isNotBlank());
        assertThat(errors.get(2).get("message").getAsString()).contains("room");

        chat.handle("c-hal", "{\"action\":\"ping\"}");
        assertThat(framesOf("c-hal", "pong")).hasSize(1);
    }

    @Test
    void who_listsTheMembers_andDisconnect_removesTheConnectionFromItsRooms() {
        ChatService chat = service();
        chat.connect("c-ida", new Identity("ida", false), 0);
        chat.connect("c-jo", new Identity("jo", false), 0);
        chat.handle("c-ida", "{\"action\":\"join\",\"room\":\"roster\"}");
        chat.handle("c-jo", "{\"action\":\"join\",\"room\":\"roster\"}");
        chat.handle("c-ida", "{\"action\":\"who\",\"room\":\"roster\"}");
        assertThat(framesOf("c-ida", "members").get(0).getAsJsonArray("users").asList())
                .extracting(u -> u.getAsString())
                .containsExactly("ida", "jo");

        assertThat(chat.disconnect("c-jo")).containsExactly("roster");

        chat.handle("c-ida", "{\"action\":\"who\",\"room\":\"roster\"}");
        assertThat(framesOf("c-ida", "members").get(1).getAsJsonArray("users").asList())
                .extracting(u -> u.getAsString())
                .containsExactly("ida");
        chat.handle("c-jo", "{\"action\":\"ping\"}");
        assertThat(framesOf("c-jo", "error"))
                .singleElement()
                .satisfies(e -> assertThat(e.get("code").getAsString()).isEqualTo("not_connected"));
    }
}
