package dev.switchboard.core.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.ChunkPublisher;
import dev.switchboard.core.DynamoDbLocalFixture;
import dev.switchboard.core.store.ChatStore.JoinOutcome;
import dev.switchboard.core.store.Connection;
import dev.switchboard.core.store.ConnectionIdTakenException;
import dev.switchboard.core.store.Home;
import dev.switchboard.core.store.Member;
import dev.switchboard.protocol.FanOutChunk;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two regions' stores over one table (a global table's replicas, without the lag): every recipient read carries its home. */
class RegionalStoreTest {

    static final long NOW = 1_764_000_000L;
    static final Home US = new Home("us-east-1", URI.create("https://us1.execute-api.us-east-1.amazonaws.com/prod"));
    static final Home EU = new Home("eu-west-1", URI.create("https://eu1.execute-api.eu-west-1.amazonaws.com/prod"));
    static DynamoDbLocalFixture dynamo;
    static DynamoChatStore us;
    static DynamoChatStore eu;

    @BeforeAll
    static void start() {
        dynamo = new DynamoDbLocalFixture().createGlobalTable("switchboard-global");
        Clock clock = Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC);
        us = new DynamoChatStore(dynamo.client(), "switchboard-global", 2, 7, clock, 0, US);
        eu = new DynamoChatStore(dynamo.client(), "switchboard-global", 2, 7, clock, 0, EU);
    }

    @AfterAll
    static void stop() {
        dynamo.close();
    }

    static Connection connect(DynamoChatStore store, String id, String user) {
        Connection connection = new Connection(id, user, false, NOW * 1000, NOW + 100);
        store.putConnection(connection);
        return connection;
    }

    @Test
    void roomMembers_userConnections_andShards_carryTheRegionEachConnectionLivesIn() {
        Connection alice = connect(us, "US-A", "alice");
        Connection bob = connect(eu, "EU-B", "bob");
        Connection bobToo = connect(us, "US-B", "bob");
        assertThat(us.join(alice, "global-room", 10)).isEqualTo(JoinOutcome.JOINED);
        assertThat(eu.join(bob, "global-room", 10)).isEqualTo(JoinOutcome.JOINED);

        // either region reads the same recipients, each with its own home
        for (DynamoChatStore reader : List.of(us, eu)) {
            assertThat(reader.recipients("global-room", null, 10).items())
                    .containsExactlyInAnyOrder(new Member("US-A", "alice", US), new Member("EU-B", "bob", EU));
            assertThat(reader.membersIfAtMost("global-room", 5))
                    .get()
                    .asList()
                    .containsExactlyInAnyOrder(new Member("US-A", "alice", US), new Member("EU-B", "bob", EU));
            assertThat(reader.connectionsOf("bob"))
                    .containsExactlyInAnyOrder(new Member("EU-B", "bob", EU), new Member("US-B", "bob", US));
        }
        List<Member> everyone = new ArrayList<>();
        for (int shard = 0; shard < 2; shard++) {
            eu.forEachConnectionInShard(shard, 10, everyone::addAll);
        }
        assertThat(everyone)
                .contains(
                        new Member("US-A", "alice", US), new Member("EU-B", "bob", EU), new Member("US-B", "bob", US));
        assertThat(bobToo.user()).isEqualTo("bob");
    }

    @Test
    void aConnectionIdHeldByAnotherRegion_isRefused_notMergedWithIt() {
        Connection usConnection = connect(us, "SAME-ID", "alice");
        assertThat(us.join(usConnection, "id-room", 10)).isEqualTo(JoinOutcome.JOINED);

        // eu-west-1's API issues the same id (AWS documents ids as unique per connection, not across APIs)
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> connect(eu, "SAME-ID", "mallory"))
                .isInstanceOf(ConnectionIdTakenException.class)
                .hasMessageContaining("SAME-ID")
                .hasMessageContaining("connect again");

        // us-east-1's connection is intact: its user, its home, its membership
        assertThat(us.connection("SAME-ID").orElseThrow().user()).isEqualTo("alice");
        assertThat(eu.recipients("id-room", null, 10).items()).containsExactly(new Member("SAME-ID", "alice", US));
        // and its own region may write it again (the condition is on the home, not on existence)
        connect(us, "SAME-ID", "alice");
    }

    @Test
    void theConnectionCapCountsPerRegion_soTwoRegionsNeverWriteOneSlotsItem() {
        connect(us, "US-C1", "carol");
        connect(eu, "EU-C1", "carol");
        connect(us, "US-C2", "carol");
        assertThat(us.claimConnectionSlot("carol", "US-C1", NOW + 100, 1)).isTrue();
        // her slot in us-east-1 does not count in eu-west-1, and the reverse
        assertThat(eu.claimConnectionSlot("carol", "EU-C1", NOW + 100, 1)).isTrue();
        assertThat(us.claimConnectionSlot("carol", "US-C2", NOW + 100, 1)).isFalse();
        var items = dynamo.client()
                .query(q -> q.tableName("switchboard-global")
                        .keyConditionExpression("pk = :pk")
                        .expressionAttributeValues(java.util.Map.of(
                                ":pk",
                                software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("USER#carol"))))
                .items();
        assertThat(items)
                .extracting(i -> i.get("sk").s())
                .containsExactlyInAnyOrder("SLOTS#us-east-1", "SLOTS#eu-west-1");
    }

    @Test
    void aChunk_carriesTheHomesOfItsRecipients_throughJson() {
        List<Member> members = List.of(
                new Member("L1", "x"), new Member("E1", "y", EU), new Member("E2", "z", EU), new Member("U1", "w", US));
        FanOutChunk chunk = ChunkPublisher.chunkOf(members, "{\"type\":\"pong\"}");
        String json = chunk.toJson();
        // each home once, whatever the number of its recipients
        assertThat(json.split("eu1.execute-api", -1)).hasSize(2);
        FanOutChunk back = FanOutChunk.fromJson(json);
        assertThat(ChunkPublisher.recipients(back))
                .containsExactlyInAnyOrder(
                        new Member("L1", null),
                        new Member("E1", null, EU),
                        new Member("E2", null, EU),
                        new Member("U1", null, US));
        // a chunk of a single-region publisher (no homes) reads as before
        FanOutChunk old = FanOutChunk.fromJson("{\"connectionIds\":[\"a\"],\"frame\":\"f\"}");
        assertThat(ChunkPublisher.recipients(old)).containsExactly(new Member("a", null));
    }
}
