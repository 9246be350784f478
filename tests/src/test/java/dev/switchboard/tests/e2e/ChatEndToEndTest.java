package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A whole chat through the real handlers, the local cloud and real WebSocket clients. */
class ChatEndToEndTest {

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.devAuth();

    @org.junit.jupiter.api.BeforeAll
    static void warmUp() {
        local.warmUp();
    }

    static boolean presence(JsonObject f, String event, String user) {
        return f.has("type")
                && f.get("type").getAsString().equals("presence")
                && f.get("event").getAsString().equals(event)
                && f.get("user").getAsString().equals(user);
    }

    static boolean ackFor(JsonObject f, String clientMsgId) {
        return f.has("type")
                && f.get("type").getAsString().equals("ack")
                && f.has("clientMsgId")
                && f.get("clientMsgId").getAsString().equals(clientMsgId);
    }

    /** Joins and waits for the join's own presence frame, which confirms it. */
    static void join(WsClient client, String room, String user) throws InterruptedException {
        client.send(Json.write(new Request.Join(room)));
        client.next(
                f -> presence(f, "join", user) && f.get("room").getAsString().equals(room));
    }

    static String send(WsClient client, String room, String text, String clientMsgId) throws InterruptedException {
        client.send(Json.write(new Request.Send(room, text, clientMsgId)));
        return client.next(f -> ackFor(f, clientMsgId)).get("id").getAsString();
    }

    @Test
    void chat_deliversToMembers_resumesHistoryAfterReconnect_andCleansUpOnDisconnect() throws Exception {
        try (WsClient alice = WsClient.connect(local.userUri("alice"))) {
            join(alice, "e2e-lobby", "alice");
            WsClient bob = WsClient.connect(local.userUri("bob"));
            join(bob, "e2e-lobby", "bob");
            alice.next(f -> presence(f, "join", "bob"));

            // send: ack to the sender with the server id, the message to the other member
            String firstId = send(alice, "e2e-lobby", "hello bob", "c-1");
            JsonObject received = bob.nextOfType("message");
            assertThat(received.get("id").getAsString()).isEqualTo(firstId);
            assertThat(received.get("from").getAsString()).isEqualTo("alice");
            assertThat(received.get("text").getAsString()).isEqualTo("hello bob");
            assertThat(received.get("room").getAsString()).isEqualTo("e2e-lobby");

            // a retried send (same clientMsgId) gets the first ack and is not delivered again
            assertThat(send(alice, "e2e-lobby", "hello bob", "c-1")).isEqualTo(firstId);
            String secondId = send(alice, "e2e-lobby", "second", "c-2");
            assertThat(bob.nextOfType("message").get("id").getAsString()).isEqualTo(secondId);

            // bob drops; what he missed comes back through history after his last id
            bob.close();
            assertThat(bob.awaitClose()).isEqualTo(1000);
            alice.next(f -> presence(f, "leave", "bob"));
            String missedId = send(alice, "e2e-lobby", "while you were away", "c-3");

            try (WsClient bobAgain = WsClient.connect(local.userUri("bob"))) {
                join(bobAgain, "e2e-lobby", "bob");
                bobAgain.send(Json.write(new Request.History("e2e-lobby", secondId, 50)));
                JsonObject history = bobAgain.nextOfType("history");
                List<String> ids = new ArrayList<>();
                for (JsonElement m : history.getAsJsonArray("messages")) {
                    ids.add(m.getAsJsonObject().get("id").getAsString());
                }
                assertThat(ids).containsExactly(missedId);

                // direct message to a user, wherever they are connected
                alice.send(Json.write(new Request.Direct("bob", "psst", "d-1")));
                JsonObject direct = bobAgain.nextOfType("direct");
                assertThat(direct.get("from").getAsString()).isEqualTo("alice");
                assertThat(direct.get("text").getAsString()).isEqualTo("psst");

                // who lists exactly the members connected now
                alice.send(Json.write(new Request.Who("e2e-lobby", null)));
                List<String> users = new ArrayList<>();
                alice.nextOfType("members").getAsJsonArray("users").forEach(u -> users.add(u.getAsString()));
                assertThat(users).containsExactlyInAnyOrder("alice", "bob");

                alice.send(Json.write(new Request.Ping()));
                assertThat(alice.nextOfType("pong")).isNotNull();
            }
            // the killed-or-closed connection is gone from the room. Asked with `who` until it is: presence is
            // coalesced per user (a 3 s window, PresenceEndToEndTest), so bob's leave may come late or be folded
            // into his earlier one, and $disconnect runs after the close.
            List<String> after = new ArrayList<>();
            org.awaitility.Awaitility.await()
                    .atMost(java.time.Duration.ofSeconds(60))
                    .pollInterval(java.time.Duration.ofMillis(500))
                    .until(() -> {
                        alice.send(Json.write(new Request.Who("e2e-lobby", null)));
                        after.clear();
                        alice.nextOfType("members").getAsJsonArray("users").forEach(u -> after.add(u.getAsString()));
                        return after.equals(List.of("alice"));
                    });
            assertThat(after).containsExactly("alice");
        }
    }

    static String requestId(JsonObject frame) {
        return frame.has("requestId") ? frame.get("requestId").getAsString() : null;
    }

    /**
     * docs/PROTOCOL.md, "Matching answers to requests": two history requests for one room in flight are told
     * apart by their requestId; an answer and an error echo it (the error a send's clientMsgId too); the
     * frames other members get never carry it.
     */
    @Test
    void requestId_isEchoedOnItsAnswersAndErrors_andNeverOnOtherMembersFrames() throws Exception {
        try (WsClient erin = WsClient.connect(local.userUri("erin"));
                WsClient frank = WsClient.connect(local.userUri("frank"))) {
            join(frank, "e2e-rid", "frank");
            erin.send(Json.write(new Request.Join("e2e-rid"), "j-1"));
            assertThat(requestId(erin.next(f -> presence(f, "join", "erin")))).isEqualTo("j-1");

            erin.send(Json.write(new Request.Send("e2e-rid", "one", "rid-1"), "s-1"));
            assertThat(requestId(erin.next(f -> ackFor(f, "rid-1")))).isEqualTo("s-1");
            erin.send(Json.write(new Request.Send("e2e-rid", "two", "rid-2")));
            assertThat(erin.next(f -> ackFor(f, "rid-2")).has("requestId"))
                    .as("no requestId sent, none echoed")
                    .isFalse();

            // both in flight at once, answered in either order: each page says which request it answers
            erin.send(Json.write(new Request.History("e2e-rid", null, 1), "h-1"));
            erin.send(Json.write(new Request.History("e2e-rid", null, 2), "h-2"));
            java.util.Map<String, Integer> pages = new java.util.HashMap<>();
            for (int i = 0; i < 2; i++) {
                JsonObject page = erin.nextOfType("history");
                pages.put(requestId(page), page.getAsJsonArray("messages").size());
            }
            assertThat(pages).containsExactlyInAnyOrderEntriesOf(java.util.Map.of("h-1", 1, "h-2", 2));

            erin.send(Json.write(new Request.Send("e2e-rid-elsewhere", "lost?", "rid-3"), "s-3"));
            JsonObject refused = erin.nextOfType("error");
            assertThat(refused.get("code").getAsString()).isEqualTo("not_member");
            assertThat(requestId(refused)).isEqualTo("s-3");
            assertThat(refused.get("clientMsgId").getAsString()).isEqualTo("rid-3");

            List<JsonObject> franks = new ArrayList<>();
            java.util.Set<String> texts = new java.util.HashSet<>();
            frank.next(f -> {
                franks.add(f);
                if ("message".equals(f.has("type") ? f.get("type").getAsString() : null)) {
                    texts.add(f.get("text").getAsString());
                }
                return texts.containsAll(List.of("one", "two"));
            });
            assertThat(franks)
                    .allSatisfy(
                            f -> assertThat(f.has("requestId")).as(f.toString()).isFalse());
        }
    }

    @Test
    void killedClient_isRemovedFromItsRooms() throws Exception {
        try (WsClient carol = WsClient.connect(local.userUri("carol"))) {
            join(carol, "e2e-kill", "carol");
            WsClient dave = WsClient.connect(local.userUri("dave"));
            join(dave, "e2e-kill", "dave");
            carol.next(f -> presence(f, "join", "dave"));
            dave.abort();
            carol.next(f -> presence(f, "leave", "dave"));
            carol.send(Json.write(new Request.Who("e2e-kill", null)));
            List<String> users = new ArrayList<>();
            carol.nextOfType("members").getAsJsonArray("users").forEach(u -> users.add(u.getAsString()));
            assertThat(users).containsExactly("carol");
        }
    }
}
