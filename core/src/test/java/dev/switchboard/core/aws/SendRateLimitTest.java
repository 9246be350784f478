package dev.switchboard.core.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.DynamoDbLocalFixture;
import dev.switchboard.core.store.ChatStore.SendPermit;
import dev.switchboard.core.store.Connection;
import dev.switchboard.core.store.SendRate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The per-connection send limit on DynamoDB Local: a token bucket kept on the connection item. */
class SendRateLimitTest {

    static final String TABLE = "switchboard-rate";
    static final long START = 1_764_000_000_000L;
    static final SendRate RATE = new SendRate(10, 20); // interval 100 ms, tolerance 1900 ms

    static DynamoDbLocalFixture dynamo;
    static MutableClock clock = new MutableClock(START);
    static DynamoChatStore store;

    @BeforeAll
    static void start() {
        dynamo = new DynamoDbLocalFixture().createTable(TABLE);
        store = new DynamoChatStore(dynamo.client(), TABLE, 4, 7, clock);
    }

    @AfterAll
    static void stop() {
        dynamo.close();
    }

    static void connect(String id) {
        store.putConnection(new Connection(id, "user-" + id, false, clock.millis(), clock.millis() / 1000 + 3600));
    }

    @Test
    void aFullBucket_allowsTheBurst_thenRefusesWithWhenToRetry_andRefillsAtTheRate() {
        clock.set(START);
        connect("burst");
        for (int i = 0; i < 20; i++) {
            SendPermit permit = store.takeSend("burst", RATE);
            assertThat(permit.allowed()).as("send %d of the burst", i + 1).isTrue();
            assertThat(permit.connection()).get().extracting(Connection::user).isEqualTo("user-burst");
        }
        SendPermit refused = store.takeSend("burst", RATE);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.retryAfterMillis()).isEqualTo(100); // one token is back one interval later
        assertThat(refused.connection())
                .get()
                .extracting(Connection::connectionId)
                .isEqualTo("burst");
        // refusals take nothing: still refused, still the same wait
        assertThat(store.takeSend("burst", RATE).retryAfterMillis()).isEqualTo(100);

        clock.advance(99);
        assertThat(store.takeSend("burst", RATE).retryAfterMillis()).isEqualTo(1);
        clock.advance(1);
        assertThat(store.takeSend("burst", RATE).allowed()).isTrue();
        assertThat(store.takeSend("burst", RATE).allowed()).isFalse();

        clock.advance(2_000); // idle for the whole burst: full again
        int allowed = 0;
        for (int i = 0; i < 25; i++) {
            allowed += store.takeSend("burst", RATE).allowed() ? 1 : 0;
        }
        assertThat(allowed).isEqualTo(20);
    }

    @Test
    void sendingAtTheRate_isNeverRefused() {
        clock.set(START);
        connect("steady");
        for (int i = 0; i < 100; i++) {
            assertThat(store.takeSend("steady", RATE).allowed())
                    .as("send %d", i)
                    .isTrue();
            clock.advance(100);
        }
    }

    @Test
    void theLimitHoldsAcrossFunctionInstances_becauseItLivesOnTheConnectionItem() {
        clock.set(START);
        connect("shared");
        DynamoChatStore otherInstance = new DynamoChatStore(dynamo.client(), TABLE, 4, 7, clock);
        int allowed = 0;
        for (int i = 0; i < 30; i++) {
            allowed += (i % 2 == 0 ? store : otherInstance)
                            .takeSend("shared", RATE)
                            .allowed()
                    ? 1
                    : 0;
        }
        assertThat(allowed).isEqualTo(20);
        assertThat(dynamo.client()
                        .getItem(r -> r.tableName(TABLE)
                                .key(Map.of(
                                        "pk", AttributeValue.fromS("CONN#shared"), "sk", AttributeValue.fromS("META"))))
                        .item()
                        .get(DynamoChatStore.SEND_TAT)
                        .n())
                .isEqualTo(Long.toString(START + 20 * 100));
    }

    @Test
    void concurrentSends_ofOneConnection_neverTakeMoreThanTheBurst_andEachSeesTheConnection() throws Exception {
        clock.set(START);
        connect("racy");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<SendPermit>> sends = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                sends.add(() -> store.takeSend("racy", RATE));
            }
            List<SendPermit> permits = new ArrayList<>();
            for (Future<SendPermit> f : pool.invokeAll(sends)) {
                permits.add(f.get());
            }
            assertThat(permits).filteredOn(SendPermit::allowed).hasSize(20);
            // allowed() is true for a "no connection" permit too: the count alone would not notice one
            assertThat(permits)
                    .allSatisfy(p -> assertThat(p.connection())
                            .as("refused with retry in %d ms", p.retryAfterMillis())
                            .get()
                            .extracting(Connection::connectionId)
                            .isEqualTo("racy"));
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * The first frames of a connection right after its {@code $connect} (the CLI sends a join and a badge at once),
     * on several instances with real clocks, released together: every one must find the connection, whether it
     * takes a token or is refused. A lost race returns the item as it is (ReturnValuesOnConditionCheckFailure
     * ALL_OLD on DynamoDB Local as on DynamoDB); "no connection" there would answer {@code not_connected}. Checked
     * here for 50 fresh connections of 8 concurrent first frames each.
     */
    @Test
    void concurrentFirstFrames_ofAFreshConnection_allFindTheConnection() throws Exception {
        Clock real = Clock.systemUTC();
        DynamoChatStore first = new DynamoChatStore(dynamo.client(), TABLE, 4, 7, real);
        DynamoChatStore second = new DynamoChatStore(dynamo.client(), TABLE, 4, 7, real);
        SendRate rate = new SendRate(10, 4); // a burst smaller than the frames: some are refused
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 50; round++) {
                String id = "fresh-" + round;
                long now = real.millis();
                first.putConnection(new Connection(id, "user-" + id, false, now, now / 1000 + 7_500));
                java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
                List<Future<SendPermit>> permits = new ArrayList<>();
                for (int i = 0; i < 8; i++) {
                    DynamoChatStore instance = i % 2 == 0 ? first : second;
                    permits.add(pool.submit(() -> {
                        go.await();
                        return instance.takeSend(id, rate);
                    }));
                }
                go.countDown();
                for (Future<SendPermit> permit : permits) {
                    SendPermit p = permit.get(60, java.util.concurrent.TimeUnit.SECONDS);
                    assertThat(p.connection())
                            .as("%s: allowed %s, retry in %d ms", id, p.allowed(), p.retryAfterMillis())
                            .get()
                            .extracting(Connection::connectionId)
                            .isEqualTo(id);
                }
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A frame whose request reached the table seconds after its instance read the clock (a cold
     * instance's first DynamoDB call on a loaded host) while another instance took a token for the
     * same connection: the bucket is judged when the answer comes, so a client well within its burst
     * is not refused. FaultEndToEndTest saw "retry in 1401 ms" for the 13th frame of a connection.
     */
    @Test
    void takeSend_allows_whenItsRequestWasSlowAndAnotherInstanceTookAToken() {
        clock.set(START);
        connect("slow");
        assertThat(store.takeSend("slow", RATE).allowed()).isTrue(); // TAT = START + 100
        // the other instance read its clock 3 s before its request was evaluated
        java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
        Clock late = new Clock() {
            @Override
            public long millis() {
                return first.getAndSet(false) ? START - 3_000 : clock.millis();
            }

            @Override
            public Instant instant() {
                return Instant.ofEpochMilli(millis());
            }

            @Override
            public ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(ZoneId zone) {
                return this;
            }
        };
        DynamoChatStore coldInstance = new DynamoChatStore(dynamo.client(), TABLE, 4, 7, late);

        SendPermit permit = coldInstance.takeSend("slow", RATE);

        assertThat(permit.allowed())
                .as("2 of a burst of 20, refused with retry in %d ms", permit.retryAfterMillis())
                .isTrue();
    }

    @Test
    void anUnknownOrExpiredConnection_isNotConnected_andNoItemIsCreated() {
        clock.set(START);
        SendPermit ghost = store.takeSend("ghost", RATE);
        assertThat(ghost.connection()).isEmpty();
        assertThat(dynamo.client()
                        .getItem(r -> r.tableName(TABLE)
                                .key(Map.of(
                                        "pk", AttributeValue.fromS("CONN#ghost"), "sk", AttributeValue.fromS("META"))))
                        .hasItem())
                .isFalse();

        store.putConnection(new Connection("stale", "stale", false, START, START / 1000 - 1)); // TTL passed
        assertThat(store.takeSend("stale", RATE).connection()).isEmpty();
    }

    @Test
    void aSlowRate_roundsItsInterval() {
        assertThat(new SendRate(3, 1).intervalMillis()).isEqualTo(333);
        assertThat(new SendRate(3, 1).toleranceMillis()).isZero();
        assertThat(new SendRate(2000, 5).intervalMillis()).isEqualTo(1);
    }

    /** A clock the test moves by hand. */
    static final class MutableClock extends Clock {
        private final AtomicLong millis;

        MutableClock(long start) {
            this.millis = new AtomicLong(start);
        }

        void set(long value) {
            millis.set(value);
        }

        void advance(long delta) {
            millis.addAndGet(delta);
        }

        @Override
        public long millis() {
            return millis.get();
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
