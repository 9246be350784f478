package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.switchboard.local.LocalCloud;
import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * One stack in two regions over one table (issue 20): the local cloud's {@code --regions
 * us-east-1,eu-west-1}, real WebSocket clients on each region's gateway, every function as its own
 * process per region. A room spanning both regions, a user connected in both, history read in the
 * other region, and one region stopping while the other goes on. Started without a replication lag:
 * every region reads one DynamoDB Local, every write at once; {@link RegionsLagEndToEndTest} runs the
 * same stack with a replica per region and the lag (docs/LOCAL.md, "Several regions").
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RegionsEndToEndTest {

    static final String US = TwoRegionsExtension.US;
    static final String EU = TwoRegionsExtension.EU;

    @RegisterExtension
    static final TwoRegionsExtension local = TwoRegionsExtension.oneTable();

    static URI uri(String region, String user) {
        return local.userUri(region, user);
    }

    static boolean ofType(JsonObject f, String type) {
        return f.has("type") && f.get("type").getAsString().equals(type);
    }

    static List<String> ids(JsonObject history) {
        List<String> ids = new ArrayList<>();
        for (JsonElement m : history.getAsJsonArray("messages")) {
            ids.add(m.getAsJsonObject().get("id").getAsString());
        }
        return ids;
    }

    @Test
    @Order(1)
    void printedEndpoints_sayWhichRegionEachIs_andEachRegionHasItsOwnGateway() {
        String described = local.regions().describe();
        assertThat(described)
                .contains(
                        "[us-east-1]",
                        "[eu-west-1]",
                        String.valueOf(local.regions().region(US).webSocketUri()),
                        String.valueOf(local.regions().region(EU).webSocketUri()));
        assertThat(local.regions().region(US).port())
                .isNotEqualTo(local.regions().region(EU).port());
        assertThat(local.regions().region(US).region()).isEqualTo(US);
        assertThat(local.regions().region(EU).region()).isEqualTo(EU);
        assertThat(local.regions().region(EU).tableName())
                .isEqualTo(local.regions().region(US).tableName());
    }

    @Test
    @Order(2)
    void aRoomSpanningBothRegions_deliversEveryMessageToEveryMemberExactlyOnce() throws Exception {
        String room = "world";
        try (WsClient alice = WsClient.connect(uri(US, "alice"));
                WsClient bob = WsClient.connect(uri(EU, "bob"));
                WsClient carol = WsClient.connect(uri(EU, "carol"))) {
            ChatEndToEndTest.join(alice, room, "alice");
            ChatEndToEndTest.join(bob, room, "bob");
            ChatEndToEndTest.join(carol, room, "carol");

            // each region's memberships record where their connection lives
            try (TableProbe table = new TableProbe(local.regions().region(US))) {
                List<String> homes = table.partition("ROOM#" + room).stream()
                        .map(i -> i.getOrDefault("home", AttributeValue.fromS("none"))
                                .s())
                        .toList();
                assertThat(homes)
                        .hasSize(3)
                        .filteredOn(h -> h.startsWith(US + " "))
                        .hasSize(1);
                assertThat(homes).filteredOn(h -> h.startsWith(EU + " ")).hasSize(2);
            }

            // frames that arrive while a client waits for its ack are kept, not skipped: they are what is counted
            Map<WsClient, List<JsonObject>> kept =
                    Map.of(alice, new ArrayList<>(), bob, new ArrayList<>(), carol, new ArrayList<>());
            Map<String, Set<String>> sentBy =
                    Map.of("alice", new HashSet<>(), "bob", new HashSet<>(), "carol", new HashSet<>());
            for (int i = 0; i < 3; i++) {
                sentBy.get("alice").add(send(alice, kept, room, "from us " + i, "us-" + i));
                sentBy.get("bob").add(send(bob, kept, room, "from eu " + i, "eu-" + i));
            }
            // a retried send, in the region it was first sent to, is acknowledged with the first id and not delivered
            // again
            assertThat(sentBy.get("alice")).contains(send(alice, kept, room, "from us 0", "us-0"));
            // the last one, sent after every other was acknowledged
            sentBy.get("carol").add(send(carol, kept, room, "last", "eu-last"));

            Map<String, WsClient> members = Map.of("alice", alice, "bob", bob, "carol", carol);
            for (Map.Entry<String, WsClient> member : members.entrySet()) {
                // everyone else's messages (a room's fan-out leaves out the sender's own connection)
                Set<String> expected = new HashSet<>();
                sentBy.forEach((user, ids) -> {
                    if (!user.equals(member.getKey())) {
                        expected.addAll(ids);
                    }
                });
                int others = expected.size();
                List<String> received = new ArrayList<>();
                while (!expected.isEmpty()) {
                    JsonObject frame = next(member.getValue(), kept, f -> ofType(f, "message"));
                    received.add(frame.get("id").getAsString());
                    expected.remove(frame.get("id").getAsString());
                }
                assertThat(received)
                        .as(member.getKey() + " got each message once")
                        .hasSize(others)
                        .doesNotHaveDuplicates();
                assertThat(kept.get(member.getValue()))
                        .filteredOn(f -> ofType(f, "message"))
                        .as(member.getKey() + ": no repeat")
                        .isEmpty();
                assertThat(member.getValue().frames.stream().filter(f -> f.contains("\"type\":\"message\"")))
                        .as(member.getKey() + ": no repeat after the last")
                        .isEmpty();
            }
        }
    }

    /** Sends and waits for the ack, keeping every other frame that arrives meanwhile in {@code kept}. */
    static String send(
            WsClient client, Map<WsClient, List<JsonObject>> kept, String room, String text, String clientMsgId)
            throws InterruptedException {
        client.send(Json.write(new Request.Send(room, text, clientMsgId)));
        return next(client, kept, f -> ChatEndToEndTest.ackFor(f, clientMsgId))
                .get("id")
                .getAsString();
    }

    /** The first kept or arriving frame matching {@code wanted}; the others are kept for later. */
    static JsonObject next(
            WsClient client, Map<WsClient, List<JsonObject>> kept, java.util.function.Predicate<JsonObject> wanted)
            throws InterruptedException {
        List<JsonObject> mine = kept.get(client);
        for (java.util.Iterator<JsonObject> it = mine.iterator(); it.hasNext(); ) {
            JsonObject frame = it.next();
            if (wanted.test(frame)) {
                it.remove();
                return frame;
            }
        }
        long deadline = System.nanoTime() + WsClient.WAIT.toNanos();
        while (true) {
            String text = client.frames.poll(
                    Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
            if (text == null) {
                throw new AssertionError("no matching frame within " + WsClient.WAIT + "; kept: " + mine);
            }
            JsonObject frame = com.google.gson.JsonParser.parseString(text).getAsJsonObject();
            if (wanted.test(frame)) {
                return frame;
            }
            mine.add(frame);
        }
    }

    @Test
    @Order(3)
    void aDirectMessage_reachesTheUsersConnectionsInBothRegions() throws Exception {
        try (WsClient daveUs = WsClient.connect(uri(US, "dave"));
                WsClient daveEu = WsClient.connect(uri(EU, "dave"));
                WsClient erin = WsClient.connect(uri(EU, "erin"))) {
            // the connections are registered once their handshakes complete ($connect runs during them)
            erin.send(Json.write(new Request.Direct("dave", "psst", "d-1")));
            String id =
                    erin.next(f -> ChatEndToEndTest.ackFor(f, "d-1")).get("id").getAsString();
            for (WsClient dave : List.of(daveUs, daveEu)) {
                JsonObject direct = dave.next(f -> ofType(f, "direct"));
                assertThat(direct.get("id").getAsString()).isEqualTo(id);
                assertThat(direct.get("from").getAsString()).isEqualTo("erin");
                assertThat(direct.get("text").getAsString()).isEqualTo("psst");
            }
        }
    }

    @Test
    @Order(4)
    void historyReadInTheOtherRegion_hasWhatBothRegionsStored() throws Exception {
        String room = "history-across";
        List<String> sentIds = new ArrayList<>();
        try (WsClient frank = WsClient.connect(uri(US, "frank"));
                WsClient gina = WsClient.connect(uri(EU, "gina"))) {
            ChatEndToEndTest.join(frank, room, "frank");
            ChatEndToEndTest.join(gina, room, "gina");
            for (int i = 0; i < 2; i++) {
                sentIds.add(ChatEndToEndTest.send(frank, room, "us " + i, "h-us-" + i));
                sentIds.add(ChatEndToEndTest.send(gina, room, "eu " + i, "h-eu-" + i));
            }
        }
        // gina comes back through the other region and reads the room
        try (WsClient gina = WsClient.connect(uri(US, "gina"))) {
            ChatEndToEndTest.join(gina, room, "gina");
            gina.send(Json.write(new Request.History(room, null, 50)));
            List<String> ids = ids(gina.nextOfType("history"));
            // ids are unique across regions and sort in creation order, so `history after` resumes exactly whichever
            // region wrote what (one request only: each more is a possible cold start on a loaded machine)
            assertThat(ids)
                    .containsExactlyElementsOf(sentIds.stream().sorted().toList())
                    .containsExactlyInAnyOrderElementsOf(sentIds);
        }
    }

    @Test
    @Order(5)
    void oneRegionStopping_leavesTheOtherServing() throws Exception {
        String room = "outage";
        LocalCloud us = local.regions().region(US);
        try (WsClient hank = WsClient.connect(uri(US, "hank"));
                WsClient ivy = WsClient.connect(uri(EU, "ivy"))) {
            ChatEndToEndTest.join(hank, room, "hank");
            ChatEndToEndTest.join(ivy, room, "ivy");

            local.regions().stop(EU);
            ivy.awaitClose();
            assertThat(local.regions().describe()).contains("[eu-west-1] (stopped)");

            // us-east-1 goes on: sends are acknowledged and delivered to its members, new connections come in
            try (WsClient jack = WsClient.connect(URI.create(us.webSocketUri() + "?user=jack"))) {
                ChatEndToEndTest.join(jack, room, "jack");
                String id = ChatEndToEndTest.send(hank, room, "still here", "o-1");
                assertThat(jack.next(f -> ofType(f, "message")).get("id").getAsString())
                        .isEqualTo(id);
            }
        }
    }
}
