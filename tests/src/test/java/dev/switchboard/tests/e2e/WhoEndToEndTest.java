package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code who} in a room larger than one page (100): the count comes with the first page, and the
 * paging cursor is opaque — it holds none of the members' connection ids, and a connection id (what
 * it used to be) or an altered cursor is refused with bad_request.
 */
class WhoEndToEndTest {

    static final int MEMBERS = 104;
    static final String ROOM = "who-big";
    static final Duration SETUP = Duration.ofMinutes(3);

    /** No presence fan-out: 104 joins would post about 5,000 presence frames, which this test is not about. */
    @RegisterExtension
    static final LocalCloudExtension local =
            LocalCloudExtension.with(b -> b.devAuth(true).environment(Map.of("SWITCHBOARD_PRESENCE_MAX_MEMBERS", "0")));

    static List<String> users(JsonObject members) {
        List<String> users = new ArrayList<>();
        for (JsonElement user : members.getAsJsonArray("users")) {
            users.add(user.getAsString());
        }
        return users;
    }

    /**
     * A handshake, tried again when the client's 10 s timed out (on the loaded CI machine a cold
     * or queued $connect can take longer); a late-completing earlier attempt stays an idle extra
     * connection of the same user, which joins nothing.
     */
    static WsClient connectPatiently(String user) {
        for (int attempt = 1; ; attempt++) {
            try {
                return WsClient.tryConnect(local.userUri(user)).get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                if (attempt == 5) {
                    throw new AssertionError("no handshake for " + user + " in 5 attempts", e);
                }
            }
        }
    }

    @Test
    void who_countsTheRoom_andPagesWithACursorThatHoldsNoConnectionId() throws Exception {
        List<WsClient> clients = new ArrayList<>();
        try {
            // the first handshake builds the connect function's clients: alone, and given time
            clients.add(connectPatiently("member0"));
            for (int from = 1; from < MEMBERS; from += 10) {
                List<CompletableFuture<WsClient>> batch = new ArrayList<>();
                for (int u = from; u < Math.min(MEMBERS, from + 10); u++) {
                    String user = "member" + u;
                    batch.add(CompletableFuture.supplyAsync(() -> connectPatiently(user)));
                }
                for (CompletableFuture<WsClient> f : batch) {
                    clients.add(f.get(SETUP.toSeconds(), TimeUnit.SECONDS));
                }
            }
            for (int u = 0; u < MEMBERS; u++) {
                clients.get(u).send(Json.write(new Request.Join(ROOM)));
            }
            // 104 joins at once queue on the loaded machine: each confirmation within the setup bound
            long deadline = System.nanoTime() + SETUP.toNanos();
            for (int u = 0; u < MEMBERS; u++) {
                while (true) {
                    String frame =
                            clients.get(u).frames.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    assertThat(frame)
                            .as("join confirmation of member%d within %s", u, SETUP)
                            .isNotNull();
                    if (ChatEndToEndTest.presence(
                            com.google.gson.JsonParser.parseString(frame).getAsJsonObject(), "join", "member" + u)) {
                        break;
                    }
                }
            }
            WsClient asker = clients.get(0);

            asker.send(Json.write(new Request.Who(ROOM, null)));
            JsonObject first = asker.nextOfType("members");
            assertThat(first.get("count").getAsInt()).isEqualTo(MEMBERS);
            assertThat(users(first)).hasSize(100);
            String cursor = first.get("next").getAsString();

            List<String> connectionIds = local.table().memberConnections(ROOM);
            assertThat(connectionIds).hasSize(MEMBERS);
            for (String id : connectionIds) {
                assertThat(cursor).doesNotContain(id);
                // nor any recognisable part of one
                assertThat(cursor).doesNotContain(id.substring(0, 8));
            }

            asker.send(Json.write(new Request.Who(ROOM, cursor)));
            JsonObject second = asker.nextOfType("members");
            assertThat(second.has("next")).isFalse();
            assertThat(second.has("count")).isFalse();
            Set<String> everyone = new HashSet<>(users(first));
            everyone.addAll(users(second));
            assertThat(everyone).hasSize(MEMBERS);

            // what the cursor used to be (a connection id), and an altered cursor, are refused
            asker.send(Json.write(new Request.Who(ROOM, connectionIds.get(50))));
            JsonObject refused = asker.nextOfType("error");
            assertThat(refused.get("code").getAsString()).isEqualTo("bad_request");
            assertThat(refused.get("requestAction").getAsString()).isEqualTo("who");
            String altered = (cursor.charAt(5) == 'A' ? "B" : "A");
            asker.send(Json.write(new Request.Who(ROOM, cursor.substring(0, 5) + altered + cursor.substring(6))));
            assertThat(asker.nextOfType("error").get("code").getAsString()).isEqualTo("bad_request");
        } finally {
            clients.forEach(WsClient::close);
        }
    }
}
