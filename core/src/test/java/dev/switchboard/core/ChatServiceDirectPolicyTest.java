package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import dev.switchboard.core.auth.Identity;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code direct} under each {@link DirectPolicy}, on DynamoDB Local; what the sender learns is the point. */
class ChatServiceDirectPolicyTest {

    @RegisterExtension
    static final ChatServiceFixture fixture = new ChatServiceFixture("switchboard-direct-policy");

    static ChatService service(String policy) {
        return fixture.service(Map.of(Config.DIRECT_POLICY, policy));
    }

    static List<JsonObject> framesOf(String connectionId, String type) {
        return fixture.framesOf(connectionId, type);
    }

    static String direct(String to, String clientMsgId) {
        return "{\"action\":\"direct\",\"to\":\"" + to + "\",\"text\":\"psst\",\"clientMsgId\":\"" + clientMsgId
                + "\"}";
    }

    /** Everything about a frame but the values that differ per message (id, ts). */
    static String shape(JsonObject frame) {
        JsonObject copy = frame.deepCopy();
        copy.remove("id");
        copy.remove("ts");
        copy.remove("clientMsgId");
        return copy.keySet() + copy.toString();
    }

    @Test
    void any_acknowledgesTheSameWay_whetherOrNotTheTargetIsConnected() {
        ChatService chat = service("any");
        chat.connect("any-a", new Identity("any-alice", false), 0);
        chat.connect("any-b", new Identity("any-bob", false), 0);
        chat.handle("any-a", direct("any-bob", "d1"));
        chat.handle("any-a", direct("any-nobody", "d2"));

        assertThat(framesOf("any-a", "error")).isEmpty();
        List<JsonObject> acks = framesOf("any-a", "ack");
        assertThat(acks).hasSize(2);
        assertThat(shape(acks.get(0))).isEqualTo(shape(acks.get(1)));
        assertThat(acks.get(1).get("id").getAsString()).hasSize(26);
        assertThat(framesOf("any-b", "direct"))
                .singleElement()
                .satisfies(d -> assertThat(d.get("from").getAsString()).isEqualTo("any-alice"));
    }

    @Test
    void sharedRoom_deliversOnlyToUsersInARoomTheSenderIsIn() {
        ChatService chat = service("shared-room");
        chat.connect("sr-a", new Identity("sr-alice", false), 0);
        chat.connect("sr-b", new Identity("sr-bob", false), 0);
        chat.connect("sr-c", new Identity("sr-carol", false), 0);
        chat.handle("sr-a", "{\"action\":\"join\",\"room\":\"sr-room\"}");
        chat.handle("sr-b", "{\"action\":\"join\",\"room\":\"sr-room\"}");
        chat.handle("sr-c", "{\"action\":\"join\",\"room\":\"sr-elsewhere\"}");

        chat.handle("sr-a", direct("sr-bob", "s1"));
        chat.handle("sr-a", direct("sr-carol", "s2"));
        chat.handle("sr-a", direct("sr-nobody", "s3"));

        assertThat(framesOf("sr-a", "ack"))
                .singleElement()
                .satisfies(a -> assertThat(a.get("clientMsgId").getAsString()).isEqualTo("s1"));
        assertThat(framesOf("sr-b", "direct")).hasSize(1);
        assertThat(framesOf("sr-c", "direct")).isEmpty();
        assertThat(framesOf("sr-a", "error")).hasSize(2).allSatisfy(e -> {
            assertThat(e.get("code").getAsString()).isEqualTo("forbidden");
            assertThat(e.get("requestAction").getAsString()).isEqualTo("direct");
            assertThat(e.get("message").getAsString()).contains("join a room");
        });

        // once bob leaves the only shared room, he is out of reach
        chat.handle("sr-b", "{\"action\":\"leave\",\"room\":\"sr-room\"}");
        chat.handle("sr-a", direct("sr-bob", "s4"));
        assertThat(framesOf("sr-a", "error")).hasSize(3);
        assertThat(framesOf("sr-b", "direct")).hasSize(1);
    }

    @Test
    void off_refusesEveryDirect_withForbidden() {
        ChatService chat = service("off");
        chat.connect("off-a", new Identity("off-alice", false), 0);
        chat.connect("off-b", new Identity("off-bob", false), 0);
        chat.handle("off-a", direct("off-bob", "o1"));
        assertThat(framesOf("off-a", "ack")).isEmpty();
        assertThat(framesOf("off-b", "direct")).isEmpty();
        assertThat(framesOf("off-a", "error")).singleElement().satisfies(e -> {
            assertThat(e.get("code").getAsString()).isEqualTo("forbidden");
            assertThat(e.get("message").getAsString()).contains("turned off");
        });
    }

    @Test
    void aPolicyThatDoesNotExist_failsAtStartup_namingTheVariableAndTheChoices() {
        assertThatThrownBy(() -> Config.fromEnv(Map.of(
                        Config.TABLE, "t", Config.MANAGEMENT_ENDPOINT, "http://x", Config.DIRECT_POLICY, "friends")))
                .hasMessageContaining(Config.DIRECT_POLICY)
                .hasMessageContaining("any, shared-room or off");
        assertThat(Config.fromEnv(Map.of(Config.TABLE, "t", Config.MANAGEMENT_ENDPOINT, "http://x"))
                        .directPolicy())
                .isEqualTo(DirectPolicy.ANY);
    }
}
