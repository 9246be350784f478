package dev.switchboard.tests.e2e;

import static dev.switchboard.tests.e2e.RegionsEndToEndTest.ids;
import static dev.switchboard.tests.e2e.RegionsEndToEndTest.ofType;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.switchboard.local.Replication;
import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Two regions with replication lag on (issue 20): {@code --regions us-east-1,eu-west-1
 * --replication-lag 1s}, each region's functions reading and writing its own replica of the global
 * table, each write copied to the other replica no sooner than a second later. What the product
 * guarantees across regions, shown end to end (docs/DEPLOY.md, "Replication lag"):
 *
 * <ul>
 *   <li>a message reaches live every member whose join had replicated to the sender's region when the
 *       message was stored, whichever region they are connected to;
 *   <li>a member who joined in the other region within the lag is not reached live, and finds the
 *       message in {@code history} once it has replicated;
 *   <li>history read in any region has every message stored in any region, once the lag has passed.
 * </ul>
 *
 * "Within the lag" is made deterministic with {@link Replication#hold()}, instead of racing a clock on
 * a loaded machine.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RegionsLagEndToEndTest {

    static final String US = TwoRegionsExtension.US;
    static final String EU = TwoRegionsExtension.EU;
    static final Duration LAG = Duration.ofSeconds(1);

    @RegisterExtension
    static final TwoRegionsExtension local = TwoRegionsExtension.withReplicationLag(LAG);

    static URI uri(String region, String user) {
        return local.userUri(region, user);
    }

    static Replication replication() {
        return local.regions().replication();
    }

    static List<String> members(String region, String room) {
        try (TableProbe table = new TableProbe(local.regions().region(region))) {
            return table.partition("ROOM#" + room).stream()
                    .filter(i -> i.get("sk").s().startsWith("MEMBER#"))
                    .map(i -> i.getOrDefault("user", AttributeValue.fromS("?")).s())
                    .toList();
        }
    }

    static List<String> storedMessages(String region, String room) {
        try (TableProbe table = new TableProbe(local.regions().region(region))) {
            return table.messageIds(room);
        }
    }

    static List<String> history(WsClient client, String room) throws InterruptedException {
        client.send(Json.write(new Request.History(room, null, 50)));
        return ids(client.next(
                f -> ofType(f, "history") && f.get("room").getAsString().equals(room)));
    }

    @Test
    @Order(1)
    void eachRegionHasItsOwnReplica_andThePrintedEndpointsSayTheLag() {
        assertThat(local.regions().dynamoDbEndpoint(US))
                .isNotEqualTo(local.regions().dynamoDbEndpoint(EU));
        assertThat(local.regions().describe())
                .contains("[us-east-1]", "[eu-west-1]")
                .contains(
                        String.valueOf(local.regions().dynamoDbEndpoint(US)),
                        String.valueOf(local.regions().dynamoDbEndpoint(EU)))
                .contains("no sooner than " + LAG.toMillis() + " ms");
        assertThat(replication().lag()).isEqualTo(LAG);
    }

    @Test
    @Order(2)
    void aWrite_isInTheOtherRegionsReplica_noSoonerThanTheLag() throws Exception {
        String room = "lag-measure";
        try (WsClient alice = WsClient.connect(uri(US, "alice"))) {
            long before = System.currentTimeMillis();
            ChatEndToEndTest.join(alice, room, "alice");
            assertThat(members(US, room)).containsExactly("alice");
            // the join is read in eu-west-1 once it has replicated, not before
            long seen = awaitMembers(EU, room, List.of("alice"));
            assertThat(seen - before).isGreaterThanOrEqualTo(LAG.toMillis());
        }
        Replication.Stats stats = replication().stats();
        assertThat(stats.applied()).isPositive();
        assertThat(stats.minLagMs()).isGreaterThanOrEqualTo(LAG.toMillis());
        System.out.println("replication with a lag of " + LAG.toMillis() + " ms: " + stats);
    }

    /** Polls a region's replica until the room has exactly {@code users}; returns when (ms since the epoch). */
    static long awaitMembers(String region, String room, List<String> users) {
        org.awaitility.Awaitility.await()
                .atMost(WsClient.WAIT)
                .pollInterval(Duration.ofMillis(20))
                // a Callable<Boolean>, not a supplier and a predicate: that form goes through hamcrest, which the
                // tests'
                // classpath holds in an older version than Awaitility calls (NoSuchMethodError on a mismatch)
                .until(() -> {
                    List<String> m = members(region, room);
                    return m.size() == users.size() && m.containsAll(users);
                });
        return System.currentTimeMillis();
    }

    @Test
    @Order(3)
    void aMemberWhoJoinedInTheOtherRegionWithinTheLag_getsTheMessageFromHistory_notLive() throws Exception {
        String room = "lag-room";
        try (WsClient alice = WsClient.connect(uri(US, "alice"));
                WsClient bob = WsClient.connect(uri(EU, "bob"))) {
            ChatEndToEndTest.join(alice, room, "alice");
            ChatEndToEndTest.join(bob, room, "bob");
            replication().awaitReplicated(WsClient.WAIT);

            // both joins have replicated: a message from us-east-1 reaches bob in eu-west-1 live
            String m1 = ChatEndToEndTest.send(alice, room, "one", "lag-1");
            assertThat(bob.next(f -> ofType(f, "message")).get("id").getAsString())
                    .isEqualTo(m1);
            // (live delivery does not wait for replication: m1 reaches eu-west-1's replica up to a lag later)
            replication().awaitReplicated(WsClient.WAIT);

            // carol joins in eu-west-1 and alice sends in us-east-1 within the lag (held, so surely within it)
            replication().hold();
            String m2;
            List<String> carolFirstHistory;
            Map<WsClient, List<JsonObject>> kept = Map.of(bob, new ArrayList<>());
            try (WsClient carol = WsClient.connect(uri(EU, "carol"))) {
                ChatEndToEndTest.join(carol, room, "carol");
                m2 = ChatEndToEndTest.send(alice, room, "two", "lag-2");
                // us-east-1 did not know carol was a member when it stored m2: its fan-out could not reach her
                assertThat(members(US, room)).containsExactlyInAnyOrder("alice", "bob");
                assertThat(members(EU, room)).containsExactlyInAnyOrder("alice", "bob", "carol");
                // nor is m2 in eu-west-1's history yet
                carolFirstHistory = history(carol, room);
                assertThat(carolFirstHistory).contains(m1).doesNotContain(m2);
                assertThat(storedMessages(EU, room)).doesNotContain(m2);

                replication().release();
                replication().awaitReplicated(WsClient.WAIT);

                // after the lag: carol is a member in us-east-1 too, so the next message reaches her live...
                String m3 = ChatEndToEndTest.send(alice, room, "three", "lag-3");
                Map<WsClient, List<JsonObject>> carolKept = Map.of(carol, new ArrayList<>());
                RegionsEndToEndTest.next(
                        carol,
                        carolKept,
                        f -> ofType(f, "message") && f.get("id").getAsString().equals(m3));
                // ...m2 did not reach her (us-east-1's fan-out of m2 read a membership without her)...
                assertThat(carolKept.get(carol))
                        .filteredOn(f -> ofType(f, "message"))
                        .isEmpty();
                // ...and, once m3 has replicated too, eu-west-1's history has every message, in order
                replication().awaitReplicated(WsClient.WAIT);
                assertThat(history(carol, room)).containsExactly(m1, m2, m3);
                // bob, a member in both replicas all along, got both live, once each
                List<String> bobGot = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    bobGot.add(RegionsEndToEndTest.next(bob, kept, f -> ofType(f, "message"))
                            .get("id")
                            .getAsString());
                }
                assertThat(bobGot).containsExactlyInAnyOrder(m2, m3);
            } finally {
                replication().release();
            }
        }
    }

    @Test
    @Order(4)
    void historyAfterReconnectingToTheOtherRegion_hasEverything_onceTheLagHasPassed() throws Exception {
        String room = "lag-reconnect";
        List<String> sent = new ArrayList<>();
        try (WsClient erin = WsClient.connect(uri(US, "erin"))) {
            ChatEndToEndTest.join(erin, room, "erin");
            try (WsClient dave = WsClient.connect(uri(EU, "dave"))) {
                ChatEndToEndTest.join(dave, room, "dave");
                replication().awaitReplicated(WsClient.WAIT);
                sent.add(ChatEndToEndTest.send(dave, room, "dave in eu", "r-1"));
                sent.add(ChatEndToEndTest.send(erin, room, "erin in us", "r-2"));
                replication().awaitReplicated(WsClient.WAIT);
                // dave's last message, then he drops off eu-west-1 before it has replicated
                replication().hold();
                sent.add(ChatEndToEndTest.send(dave, room, "dave's last in eu", "r-3"));
            }
            // while dave is away, erin goes on in us-east-1
            sent.add(ChatEndToEndTest.send(erin, room, "erin while dave is away", "r-4"));

            // dave reconnects through us-east-1 within the lag: his own last message is not there yet
            try (WsClient dave = WsClient.connect(uri(US, "dave"))) {
                ChatEndToEndTest.join(dave, room, "dave");
                List<String> early = history(dave, room);
                assertThat(early).containsExactly(sent.get(0), sent.get(1), sent.get(3));

                replication().release();
                replication().awaitReplicated(WsClient.WAIT);
                // once the lag has passed, history has everything from both regions, in order, once each
                assertThat(history(dave, room))
                        .containsExactlyElementsOf(sent.stream().sorted().toList());
                assertThat(sent).doesNotHaveDuplicates().hasSize(4);
            } finally {
                replication().release();
            }
        }
        // and read in eu-west-1 as well
        try (WsClient dave = WsClient.connect(uri(EU, "dave"))) {
            ChatEndToEndTest.join(dave, room, "dave");
            assertThat(history(dave, room))
                    .containsExactlyElementsOf(sent.stream().sorted().toList());
        }
    }
}
