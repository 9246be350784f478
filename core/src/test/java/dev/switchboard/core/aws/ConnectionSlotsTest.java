package dev.switchboard.core.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.DynamoDbLocalFixture;
import dev.switchboard.core.store.Connection;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The per-user connection cap's slots on DynamoDB Local: exact under concurrency, dead slots freed. */
class ConnectionSlotsTest {

    static final String TABLE = "switchboard-slots";
    static final long NOW = 1_764_000_000L;
    static DynamoDbLocalFixture dynamo;
    static DynamoChatStore store;

    @BeforeAll
    static void start() {
        dynamo = new DynamoDbLocalFixture().createTable(TABLE);
        store = new DynamoChatStore(
                dynamo.client(), TABLE, 4, 7, Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC));
    }

    @AfterAll
    static void stop() {
        dynamo.close();
    }

    static boolean connect(String id, String user, long expiresAt, int cap) {
        store.putConnection(new Connection(id, user, false, NOW * 1000, expiresAt));
        return store.claimConnectionSlot(user, id, expiresAt, cap);
    }

    @Test
    void concurrentConnects_ofOneUser_getExactlyCapSlots() throws Exception {
        int cap = 3;
        int tries = 12;
        ExecutorService pool = Executors.newFixedThreadPool(tries);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < tries; i++) {
                String id = "race-" + i;
                Callable<Boolean> claim = () -> {
                    go.await();
                    return connect(id, "racer", NOW + 7500, cap);
                };
                results.add(pool.submit(claim));
            }
            go.countDown();
            int granted = 0;
            for (Future<Boolean> result : results) {
                granted += result.get() ? 1 : 0;
            }
            assertThat(granted).isEqualTo(cap);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aSlotFrees_whenItsConnectionIsRemoved() {
        assertThat(connect("free-1", "freer", NOW + 7500, 2)).isTrue();
        assertThat(connect("free-2", "freer", NOW + 7500, 2)).isTrue();
        assertThat(connect("free-3", "freer", NOW + 7500, 2)).isFalse();
        store.removeConnection("free-1");
        assertThat(connect("free-4", "freer", NOW + 7500, 2)).isTrue();
    }

    @Test
    void slotsOfConnectionsThatDiedWithoutDisconnect_doNotCountForever() {
        // one expired by TTL (not yet deleted by DynamoDB), one whose item is gone without its slot being freed
        assertThat(connect("dead-expired", "ghost", NOW - 1, 3)).isTrue();
        assertThat(connect("dead-gone", "ghost", NOW + 7500, 3)).isTrue();
        assertThat(connect("alive", "ghost", NOW + 7500, 3)).isTrue();
        dynamo.client()
                .deleteItem(r -> r.tableName(TABLE)
                        .key(java.util.Map.of(
                                "pk",
                                        software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS(
                                                "CONN#dead-gone"),
                                "sk", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("META"))));

        assertThat(connect("new-1", "ghost", NOW + 7500, 3)).isTrue();
        assertThat(connect("new-2", "ghost", NOW + 7500, 3)).isTrue();
        // alive, new-1, new-2: full again
        assertThat(connect("new-3", "ghost", NOW + 7500, 3)).isFalse();
    }

    @Test
    void theSameConnectionClaimingTwice_takesOneSlot() {
        assertThat(connect("twice", "repeater", NOW + 7500, 1)).isTrue();
        assertThat(store.claimConnectionSlot("repeater", "twice", NOW + 7500, 1))
                .isTrue();
        assertThat(connect("other", "repeater", NOW + 7500, 1)).isFalse();
    }
}
