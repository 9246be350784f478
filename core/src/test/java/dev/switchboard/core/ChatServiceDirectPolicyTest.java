package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import dev.switchboard.core.auth.Identity;
import dev.switchboard.core.aws.DynamoChatStore;
import dev.switchboard.core.fanout.ConnectionPoster.PostStatus;
import dev.switchboard.core.fanout.FanOut;

/** {@code direct} under each {@link DirectPolicy}, on DynamoDB Local; what the sender learns is the point. */
class ChatServiceDirectPolicyTest {

    static final String TABLE = "switchboard-direct-policy";
    static DynamoDbLocalFixture dynamo;
    static final ScheduledExecutorService pool = Executors.newSingleThreadScheduledExecutor();
    static final Map<String, List<JsonObject>> posted = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() {
        dynamo = new DynamoDbLocalFixture().createTable(TABLE);
    }

    @AfterAll
    static void stop() {
        pool.shutdownNow();
        dynamo.close();
    }

    static ChatService service(String policy) {
        Map<String, String> env = new HashMap<>(Map.of(Config.TABLE, TABLE, Config.MANAGEMENT_ENDPOINT, "http://unused",
                Config.DIRECT_POLICY, policy));
        Config config = Config.fromEnv(env);
        DynamoChatStore store = new DynamoChatStore(dynamo.client(), TABLE, 4, 7, Clock.systemUTC());
        FanOut fanOut = new FanOut((id, frame) -> {
            posted.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>())
                    .add(JsonParser.parseString(new String(frame, StandardCharsets.UTF_8)).getAsJsonObject());
            return CompletableFuture.completedFuture(PostStatus.DELIVERED);
        }, id -> { }, 8, pool, 1, 1);
        return new ChatService(store, fanOut, Optional.empty(), config, Clock.systemUTC());
    }

    static List<JsonObject> framesOf(String connectionId, String type) {
        return posted.getOrDefault(connectionId, List.of()).stream()
                .filter(f -> f.get("type").getAsString().equals(type)).toList();
    }

    static String direct(String to, String clientMsgId) {
        return "{\"action\":\"direct\",\"to\":\"" + to + "\",\"text\":\"psst\",\"clientMsgId\":\"" + clientMsgId + "\"}";
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
        assertThat(framesOf("any-b", "direct")).singleElement()
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

        assertThat(framesOf("sr-a", "ack")).singleElement()
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
        assertThatThrownBy(() -> Config.fromEnv(Map.of(Config.TABLE, "t", Config.MANAGEMENT_ENDPOINT, "http://x",
                Config.DIRECT_POLICY, "friends")))
                .hasMessageContaining(Config.DIRECT_POLICY).hasMessageContaining("any, shared-room or off");
        assertThat(Config.fromEnv(Map.of(Config.TABLE, "t", Config.MANAGEMENT_ENDPOINT, "http://x")).directPolicy())
                .isEqualTo(DirectPolicy.ANY);
    }
}
