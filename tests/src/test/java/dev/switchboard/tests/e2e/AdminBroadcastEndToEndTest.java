package dev.switchboard.tests.e2e;

import static dev.switchboard.tests.e2e.ChatEndToEndTest.join;
import static dev.switchboard.tests.e2e.RoomPermissionsEndToEndTest.error;
import static dev.switchboard.tests.e2e.RoomPermissionsEndToEndTest.token;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code broadcast} action: an admin token reaches a room, a user or everyone with the same
 * {@code notification} frame an SNS publish produces; any other token is refused.
 */
class AdminBroadcastEndToEndTest {

    @RegisterExtension
    static final LocalCloudExtension local =
            LocalCloudExtension.with(b -> b.devAuth(false).jwtSecret(RoomPermissionsEndToEndTest.SECRET));

    static boolean notification(JsonObject f, String title) {
        return f.has("type")
                && f.get("type").getAsString().equals("notification")
                && f.get("title").getAsString().equals(title);
    }

    @Test
    void anAdminToken_broadcastsToARoomAUserAndEveryone() throws Exception {
        try (WsClient admin = WsClient.connect(local.tokenUri(token("ops-admin", null, 600, null, true)));
                WsClient member =
                        WsClient.connect(local.tokenUri(token("bc-member", Map.of("ops", List.of("join")), 600)));
                WsClient bystander = WsClient.connect(local.tokenUri(token("bc-bystander", null, 600)))) {
            join(member, "ops", "bc-member");

            admin.send(Json.write(new Request.Broadcast("ops", null, false, "to the room", "b", "bc-1")));
            JsonObject ack = admin.next(f -> ChatEndToEndTest.ackFor(f, "bc-1"));
            JsonObject toRoom = member.next(f -> notification(f, "to the room"));
            assertThat(toRoom.get("id").getAsString()).isEqualTo(ack.get("id").getAsString());
            assertThat(toRoom.get("body").getAsString()).isEqualTo("b");
            assertThat(toRoom.keySet()).containsExactlyInAnyOrder("type", "id", "title", "body", "ts");

            admin.send(Json.write(new Request.Broadcast(null, "bc-bystander", false, "to a user", null, "bc-2")));
            admin.next(f -> ChatEndToEndTest.ackFor(f, "bc-2"));
            bystander.next(f -> notification(f, "to a user"));

            admin.send(Json.write(new Request.Broadcast(null, null, true, "to everyone", null, "bc-3")));
            admin.next(f -> ChatEndToEndTest.ackFor(f, "bc-3"));
            member.next(f -> notification(f, "to everyone"));
            bystander.next(f -> notification(f, "to everyone"));
            assertThat(member.frames).noneMatch(f -> f.contains("to a user"));
        }
    }

    @Test
    void aTokenWithoutTheAdminClaim_isForbidden_andNothingIsDelivered() throws Exception {
        try (WsClient user = WsClient.connect(
                        local.tokenUri(token("bc-plain", Map.of("*", List.of("join", "send", "history")), 600)));
                WsClient listener = WsClient.connect(local.tokenUri(token("bc-listener", null, 600)))) {
            join(listener, "lobby", "bc-listener");
            user.send(Json.write(new Request.Broadcast(null, null, true, "spoofed", null, "x-1")));
            JsonObject refused = error(user, "broadcast");
            assertThat(refused.get("code").getAsString()).isEqualTo("forbidden");
            assertThat(refused.get("message").getAsString()).contains("admin");
            // deliberately invalid (two targets), so a literal: the protocol's records cannot express it
            user.send("{\"action\":\"broadcast\",\"target\":{\"room\":\"a\",\"all\":true},\"title\":\"two targets\"}");
            assertThat(error(user, "broadcast").get("code").getAsString()).isEqualTo("bad_request");
            listener.send(Json.write(new Request.Ping()));
            listener.nextOfType("pong");
            assertThat(listener.frames).noneMatch(f -> f.contains("spoofed"));
        }
    }
}
