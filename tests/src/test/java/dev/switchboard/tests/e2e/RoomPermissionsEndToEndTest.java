package dev.switchboard.tests.e2e;

import static dev.switchboard.tests.e2e.ChatEndToEndTest.join;
import static dev.switchboard.tests.e2e.ChatEndToEndTest.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Room permissions from the token's rooms claim, in JWT mode with real WebSocket clients: each
 * permission allowed and refused for each action that reads or writes a room, public patterns, and
 * the display name claim.
 */
class RoomPermissionsEndToEndTest {

    static final String SECRET = "a-permissions-test-secret-of-at-least-256-bits!!";
    private static final AtomicInteger IDS = new AtomicInteger();

    @RegisterExtension
    static final LocalCloudExtension local =
            LocalCloudExtension.with(b -> b.devAuth(false).jwtSecret(SECRET).publicRooms("lobby,open-*"));

    /** An HS256 token for {@code user} living {@code seconds}; {@code rooms} null = no rooms claim. */
    static String token(String user, Map<String, List<String>> rooms, long seconds) throws Exception {
        return token(user, rooms, seconds, null, false);
    }

    static String token(String user, Map<String, List<String>> rooms, long seconds, String name, boolean admin)
            throws Exception {
        JWTClaimsSet.Builder claims = TestTokens.claims(user, seconds);
        if (rooms != null) {
            claims.claim("rooms", rooms);
        }
        if (name != null) {
            claims.claim("name", name);
        }
        if (admin) {
            claims.claim("admin", true);
        }
        return TestTokens.sign(SECRET, claims);
    }

    /** The next error frame for {@code action}. */
    static JsonObject error(WsClient client, String action) throws InterruptedException {
        return client.next(f -> f.has("type")
                && f.get("type").getAsString().equals("error")
                && f.has("requestAction")
                && f.get("requestAction").getAsString().equals(action));
    }

    static void assertForbidden(WsClient client, String frame, String action, String permission, String room)
            throws Exception {
        client.send(frame);
        JsonObject error = error(client, action);
        assertThat(error.get("code").getAsString()).isEqualTo("forbidden");
        assertThat(error.get("message").getAsString())
                .contains("'" + permission + "'")
                .contains("'" + room + "'");
    }

    static String unique(String prefix) {
        return prefix + IDS.incrementAndGet();
    }

    @Test
    void join_isAllowedWithJoin_andForbiddenWithout() throws Exception {
        String user = unique("pj");
        try (WsClient client = WsClient.connect(
                local.tokenUri(token(user, Map.of("team-*", List.of("join"), "notes", List.of("history")), 600)))) {
            join(client, "team-a", user);
            assertForbidden(client, Json.write(new Request.Join("hr-salaries")), "join", "join", "hr-salaries");
            assertForbidden(client, Json.write(new Request.Join("notes")), "join", "join", "notes");
            // a prefix, never a substring or another room that merely starts alike
            assertForbidden(client, Json.write(new Request.Join("teams")), "join", "join", "teams");
            String connectionId =
                    local.table().connectionsOf(user).get(0).get("connectionId").s();
            assertThat(local.table().connectionItems(connectionId))
                    .map(i -> i.get("sk").s())
                    .as("only the allowed join stored a membership")
                    .containsExactlyInAnyOrder("META", "ROOM#team-a");
        }
    }

    @Test
    void send_isAllowedWithSend_andForbiddenWithJoinAlone() throws Exception {
        String user = unique("ps");
        String reader = unique("pr");
        try (WsClient sender = WsClient.connect(local.tokenUri(
                        token(user, Map.of("talk", List.of("join", "send"), "read", List.of("join")), 600)));
                WsClient listener = WsClient.connect(
                        local.tokenUri(token(reader, Map.of("read", List.of("join"), "talk", List.of("join")), 600)))) {
            join(sender, "talk", user);
            join(sender, "read", user);
            join(listener, "read", reader);
            send(sender, "talk", "allowed", "c-1");
            assertForbidden(sender, Json.write(new Request.Send("read", "nope", "c-2")), "send", "send", "read");
            // the refused message was neither stored nor delivered
            join(listener, "talk", reader);
            listener.send(Json.write(new Request.Who("read", null)));
            listener.nextOfType("members");
            assertThat(listener.frames).noneMatch(f -> f.contains("nope"));
            assertThat(local.table().messages("read")).isEmpty();
        }
    }

    @Test
    void history_isAllowedWithHistory_andForbiddenWithJoinAndSend() throws Exception {
        String user = unique("ph");
        try (WsClient client = WsClient.connect(local.tokenUri(
                token(user, Map.of("archive", List.of("join", "history"), "chat", List.of("join", "send")), 600)))) {
            join(client, "archive", user);
            join(client, "chat", user);
            client.send(Json.write(new Request.History("archive", null, 50)));
            assertThat(client.nextOfType("history").get("room").getAsString()).isEqualTo("archive");
            assertForbidden(client, Json.write(new Request.History("chat", null, 50)), "history", "history", "chat");
        }
    }

    @Test
    void who_needsJoin() throws Exception {
        String user = unique("pw");
        try (WsClient client = WsClient.connect(
                local.tokenUri(token(user, Map.of("seen", List.of("join"), "hidden", List.of("history")), 600)))) {
            join(client, "seen", user);
            client.send(Json.write(new Request.Who("seen", null)));
            assertThat(client.nextOfType("members").get("users").toString()).contains(user);
            assertForbidden(client, Json.write(new Request.Who("hidden", null)), "who", "join", "hidden");
        }
    }

    @Test
    void aTokenWithoutRoomsClaim_usesPublicPatternsOnly() throws Exception {
        String user = unique("pp");
        try (WsClient client = WsClient.connect(local.tokenUri(token(user, null, 600)))) {
            join(client, "lobby", user);
            send(client, "lobby", "hello", "c-1");
            client.send(Json.write(new Request.History("lobby", null, 50)));
            assertThat(client.nextOfType("history").toString()).contains("hello");
            join(client, "open-air", user); // the prefix pattern open-*
            assertForbidden(client, Json.write(new Request.Join("hr-salaries")), "join", "join", "hr-salaries");
            assertForbidden(client, Json.write(new Request.Join("lobby2")), "join", "join", "lobby2");
        }
    }

    @Test
    void aMalformedRoomsClaim_isRefused403_andNothingIsStored() throws Exception {
        String user = unique("pm");
        assertThat(WsClient.refusedWith(local.tokenUri(token(user, Map.of("te*am", List.of("join")), 600))))
                .isEqualTo(403);
        assertThat(WsClient.refusedWith(local.tokenUri(token(user, Map.of("team", List.of("publish")), 600))))
                .isEqualTo(403);
        assertThat(local.table().connectionsOf(user)).isEmpty();
    }

    @Test
    void theDisplayName_travelsBesideTheUserId_neverInsteadOfIt() throws Exception {
        String user = unique("pn");
        String listenerUser = unique("pl");
        try (WsClient named = WsClient.connect(local.tokenUri(token(user, null, 600, "Ann Example", false)));
                WsClient listener = WsClient.connect(local.tokenUri(token(listenerUser, null, 600)))) {
            join(listener, "lobby", listenerUser);
            join(named, "lobby", user);
            JsonObject presence = listener.next(f -> ChatEndToEndTest.presence(f, "join", user));
            assertThat(presence.get("name").getAsString()).isEqualTo("Ann Example");
            send(named, "lobby", "named hello", "c-n");
            JsonObject message = listener.nextOfType("message");
            assertThat(message.get("from").getAsString()).isEqualTo(user);
            assertThat(message.get("name").getAsString()).isEqualTo("Ann Example");
        }
    }
}
