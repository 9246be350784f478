package dev.switchboard.core.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.core.DynamoDbLocalFixture;
import dev.switchboard.core.store.ChatStore;
import dev.switchboard.core.store.ChatStore.JoinOutcome;
import dev.switchboard.core.store.Connection;
import dev.switchboard.core.store.InboxItem;
import dev.switchboard.core.store.Member;
import dev.switchboard.core.store.SendRate;
import dev.switchboard.core.store.StoredMessage;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class DynamoChatStoreTest {

    static DynamoDbLocalFixture dynamo;
    static DynamoChatStore store;
    static final long NOW = 1_764_000_000L;

    @BeforeAll
    static void start() {
        dynamo = new DynamoDbLocalFixture().createTable("switchboard-test");
        store = new DynamoChatStore(
                dynamo.client(), "switchboard-test", 4, 7, Clock.fixed(Instant.ofEpochSecond(NOW), ZoneOffset.UTC));
    }

    @AfterAll
    static void stop() {
        dynamo.close();
    }

    static Connection connection(String id, String user, long expiresAt) {
        Connection connection = new Connection(id, user, false, NOW * 1000, expiresAt);
        store.putConnection(connection);
        return connection;
    }

    @Test
    void saveDirect_twiceWithOneKey_storesOneItem_andReturnsItAsStored_untilItsDeliveryIsMarked() {
        InboxItem first = InboxItem.direct("01KAX3T8Y9ZC4Q2D7N6B5V8M1P", "sd-alice", null, "first text", NOW * 1000);
        InboxItem retry =
                InboxItem.direct("01KAX3T8Y9ZC4Q2D7N6B5V8M2Q", "sd-alice", null, "retry text", NOW * 1000 + 5);
        String key = "sd-alice#direct>sd-bob#c-1";

        assertThat(store.saveDirect("sd-bob", first, NOW + 86_400, key, false))
                .isEqualTo(new ChatStore.DirectOutcome(first, false, false));
        // the first delivery did not finish (not marked): the retry gets the first item, its text, to deliver again
        assertThat(store.saveDirect("sd-bob", retry, NOW + 86_400, key, false))
                .isEqualTo(new ChatStore.DirectOutcome(first, true, false));
        store.markFannedOut(key);
        ChatStore.DirectOutcome afterDelivery = store.saveDirect("sd-bob", retry, NOW + 86_400, key, false);
        assertThat(afterDelivery.duplicate()).isTrue();
        assertThat(afterDelivery.fannedOut()).isTrue();
        assertThat(afterDelivery.item().id()).isEqualTo(first.id());
        assertThat(afterDelivery.item().ts()).isEqualTo(first.ts());

        assertThat(store.inbox("sd-bob", null, 10).items())
                .extracting(InboxItem::id)
                .containsExactly(first.id());
        assertThat(store.inboxCounts("sd-bob").unread()).isEqualTo(1);
    }

    @Test
    void join_writesBothDirections_andRemoveConnection_deletesThemAll() {
        Connection alice = connection("A1", "alice", NOW + 100);
        assertThat(store.join(alice, "r1", 10)).isEqualTo(JoinOutcome.JOINED);
        assertThat(store.join(alice, "r2", 10)).isEqualTo(JoinOutcome.JOINED);
        assertThat(store.join(alice, "r1", 10)).isEqualTo(JoinOutcome.ALREADY_MEMBER);
        assertThat(store.isMember("A1", "r1")).isTrue();
        assertThat(store.members("r1", null, 10).items()).containsExactly(new Member("A1", "alice"));

        assertThat(store.removeConnection("A1")).containsExactlyInAnyOrder("r1", "r2");
        assertThat(store.connection("A1")).isEmpty();
        assertThat(store.members("r1", null, 10).items()).isEmpty();
        assertThat(store.isMember("A1", "r2")).isFalse();
        // nothing of the connection is left in the table, in either direction
        assertThat(dynamo.client()
                        .query(q -> q.tableName("switchboard-test")
                                .keyConditionExpression("pk = :p")
                                .expressionAttributeValues(java.util.Map.of(":p", AttributeValue.fromS("CONN#A1"))))
                        .count())
                .isZero();
    }

    @Test
    void join_refusesPastTheRoomLimit_andWithoutAConnection() {
        Connection bob = connection("B1", "bob", NOW + 100);
        assertThat(store.join(bob, "x1", 2)).isEqualTo(JoinOutcome.JOINED);
        assertThat(store.join(bob, "x2", 2)).isEqualTo(JoinOutcome.JOINED);
        assertThat(store.join(bob, "x3", 2)).isEqualTo(JoinOutcome.TOO_MANY_ROOMS);
        Connection ghost = new Connection("G1", "ghost", false, 0, NOW + 100); // never stored
        assertThat(store.join(ghost, "x1", 2)).isEqualTo(JoinOutcome.NO_CONNECTION);
        assertThat(store.isMember("G1", "x1")).isFalse();
    }

    @Test
    void expiredItems_areInvisible_evenBeforeDynamoDbDeletesThem() {
        Connection stale = connection("S1", "stale", NOW - 1); // its $disconnect never ran; TTL passed
        assertThat(store.connection("S1")).isEmpty();
        assertThat(store.connectionsOf("stale")).isEmpty();
        List<Member> all = new ArrayList<>();
        for (int shard = 0; shard < 4; shard++) {
            store.forEachConnectionInShard(shard, 100, all::addAll);
        }
        assertThat(all).extracting(Member::connectionId).doesNotContain("S1");
        // the item still exists, but an expired connection cannot join (the join's condition reads its TTL)...
        assertThat(store.join(stale, "r", 5)).isEqualTo(JoinOutcome.NO_CONNECTION);
        assertThat(store.members("r", null, 10).items())
                .extracting(Member::connectionId)
                .doesNotContain("S1"); // ...nor is a recipient
    }

    @Test
    void saveMessage_isIdempotentPerKey_andHistoryResumesAfterAnId() {
        store.join(connection("H1", "alice", NOW + 100), "h", 10);
        StoredMessage first = new StoredMessage("h", "01A", "alice", "one", NOW * 1000 + 1);
        assertThat(store.saveMessage(first, "alice#h#c1", "H1").duplicate()).isFalse();
        var retry =
                store.saveMessage(new StoredMessage("h", "01B", "alice", "one", NOW * 1000 + 2), "alice#h#c1", "H1");
        assertThat(retry.duplicate()).isTrue();
        assertThat(retry.message().id()).isEqualTo("01A");
        store.saveMessage(new StoredMessage("h", "01C", "alice", "two", NOW * 1000 + 3), "alice#h#c2", "H1");
        store.saveMessage(new StoredMessage("h", "01D", "alice", "three", NOW * 1000 + 4), null, "H1");

        assertThat(store.history("h", null, 10).items())
                .extracting(StoredMessage::id)
                .containsExactly("01A", "01C", "01D");
        assertThat(store.history("h", "01A", 10).items())
                .extracting(StoredMessage::id)
                .containsExactly("01C", "01D");
        var newest = store.history("h", null, 2);
        assertThat(newest.items()).extracting(StoredMessage::id).containsExactly("01C", "01D");
        assertThat(newest.more()).isTrue();
    }

    @Test
    void saveMessage_fromANonMember_throws_andStoresNothing() {
        Connection outsider = connection("N1", "nina", NOW + 100);
        store.join(outsider, "elsewhere", 10);
        StoredMessage message = new StoredMessage("closed", "01N", "nina", "let me in", NOW * 1000);
        assertThatThrownBy(() -> store.saveMessage(message, "nina#closed#c1", "N1"))
                .isInstanceOf(ChatStore.NotMemberException.class)
                .hasMessageContaining("join it first");
        assertThatThrownBy(() -> store.saveMessage(message, null, "N1"))
                .isInstanceOf(ChatStore.NotMemberException.class);
        assertThat(store.history("closed", null, 10).items()).isEmpty();
        // the idempotency key was not taken either: once a member, the same send is stored
        store.join(outsider, "closed", 10);
        assertThat(store.saveMessage(message, "nina#closed#c1", "N1").duplicate())
                .isFalse();
        // an expired membership (TTL not yet run) is no membership
        Connection gone = connection("N2", "nick", NOW + 100);
        store.join(gone, "closed", 10);
        dynamo.client()
                .updateItem(u -> u.tableName("switchboard-test")
                        .key(java.util.Map.of(
                                "pk", AttributeValue.fromS("CONN#N2"), "sk", AttributeValue.fromS("ROOM#closed")))
                        .updateExpression("SET expiresAt = :past")
                        .expressionAttributeValues(
                                java.util.Map.of(":past", AttributeValue.fromN(Long.toString(NOW - 1)))));
        assertThatThrownBy(() ->
                        store.saveMessage(new StoredMessage("closed", "01O", "nick", "late", NOW * 1000), null, "N2"))
                .isInstanceOf(ChatStore.NotMemberException.class);
    }

    @Test
    void concurrentJoins_neverPassTheRoomLimit_andLeaveFreesARoom() throws Exception {
        Connection racer = connection("R1", "rita", NOW + 100);
        int limit = 3;
        var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            var start = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<JoinOutcome>> joins = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String room = "race" + i;
                joins.add(pool.submit(() -> {
                    start.await();
                    // two transactions on one META item may conflict (TransactionConflict): the client retries
                    for (int attempt = 0; ; attempt++) {
                        try {
                            return store.join(racer, room, limit);
                        } catch (software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException e) {
                            if (attempt > 50) {
                                throw e;
                            }
                        }
                    }
                }));
            }
            start.countDown();
            List<JoinOutcome> outcomes = new ArrayList<>();
            for (var join : joins) {
                outcomes.add(join.get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
            assertThat(outcomes).filteredOn(o -> o == JoinOutcome.JOINED).hasSize(limit);
            assertThat(outcomes)
                    .filteredOn(o -> o == JoinOutcome.TOO_MANY_ROOMS)
                    .hasSize(8 - limit);
        } finally {
            pool.shutdownNow();
        }
        List<String> joined = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            if (store.isMember("R1", "race" + i)) {
                joined.add("race" + i);
            }
        }
        assertThat(joined).hasSize(limit);
        assertThat(store.leave("R1", joined.get(0))).isTrue();
        assertThat(store.leave("R1", joined.get(0))).as("not a member any more").isFalse();
        assertThat(store.join(racer, "after-leave", limit)).isEqualTo(JoinOutcome.JOINED);
        assertThat(store.join(racer, "one-too-many", limit)).isEqualTo(JoinOutcome.TOO_MANY_ROOMS);
    }

    @Test
    void removeGone_deletesTheConnections_andTheirMembershipOfTheRoom_inBatches() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 30; i++) { // 30 x 3 deletes: four BatchWriteItem requests
            Connection c = connection(String.format("GN%02d", i), "g" + i, NOW + 100);
            store.join(c, "fading", 10);
            store.join(c, "other", 10);
            ids.add(c.connectionId());
        }
        Connection stays = connection("GS", "stays", NOW + 100);
        store.join(stays, "fading", 10);

        store.removeGone(ids, "fading", NOW * 1000);

        assertThat(store.members("fading", null, 100).items()).containsExactly(new Member("GS", "stays"));
        for (String id : ids) {
            assertThat(store.connection(id)).isEmpty();
            assertThat(store.isMember(id, "fading")).isFalse();
        }
        assertThat(store.connectionsOf("g7")).isEmpty();
        // the other room's membership is $disconnect's (or TTL's): it still lists them
        assertThat(store.members("other", null, 100).items()).hasSize(30);
        store.removeGone(ids, null, NOW * 1000); // idempotent
    }

    /**
     * Outside a room, a 410 may come from a connection whose $connect has registered it and not yet returned
     * (API Gateway opens the socket after): it is kept until its connect window is over (GoneWhileConnectingTest
     * shows why); an older one goes, and so does one that has sent a frame. A room's members joined through an
     * open socket: removed at once (above).
     */
    @Test
    void removeGone_withoutARoom_keepsAConnectionStillInItsConnectWindow_andRemovesOlderOnes() {
        long nowMillis = NOW * 1000;
        store.putConnection(new Connection("CW-new", "cw", false, nowMillis - 1_000, NOW + 7_500));
        store.putConnection(new Connection(
                "CW-old", "cw", false, nowMillis - DynamoChatStore.CONNECT_WINDOW_MILLIS - 1, NOW + 7_500));
        // as young, but it has sent a frame (taken a token) before the post, so its socket was open: a 410 means
        // it closed
        store.putConnection(new Connection("CW-sent", "cw", false, nowMillis - 1_000, NOW + 7_500));
        assertThat(store.takeSend("CW-sent", RATE).allowed()).isTrue();

        // the fan-out posted 1 ms after that frame (the store's clock is fixed at nowMillis)
        store.removeGone(List.of("CW-new", "CW-old", "CW-sent", "CW-never-stored"), null, nowMillis + 1);

        assertThat(store.connection("CW-new")).isPresent();
        assertThat(store.connection("CW-old")).isEmpty();
        assertThat(store.connection("CW-sent")).isEmpty();
        assertThat(dynamo.client()
                        .getItem(r -> r.tableName("switchboard-test").key(metaKey("CW-never-stored")))
                        .hasItem())
                .as("nothing created")
                .isFalse();

        // a 410 to a post sent once its window is over means it is gone
        store.removeGone(List.of("CW-new"), null, nowMillis - 1_000 + DynamoChatStore.CONNECT_WINDOW_MILLIS + 1);
        assertThat(store.connection("CW-new")).isEmpty();
    }

    static final SendRate RATE = new SendRate(10, 20);

    static java.util.Map<String, AttributeValue> metaKey(String connectionId) {
        return java.util.Map.of("pk", AttributeValue.fromS("CONN#" + connectionId), "sk", AttributeValue.fromS("META"));
    }

    /** The store as a function instance whose clock reads {@code millis} (epoch ms): when it handles a frame. */
    static DynamoChatStore at(long millis) {
        return new DynamoChatStore(
                dynamo.client(), "switchboard-test", 4, 7, Clock.fixed(Instant.ofEpochMilli(millis), ZoneOffset.UTC));
    }

    /**
     * The race the fan-out's cleanup had: a post at t is answered 410 because the connection is still in its
     * $connect; API Gateway then opens it and its first frame is handled at t + 1 ms; only then does the fan-out
     * remove what it found gone. That frame proves the socket open now, not before the post: the connection must
     * stay (deleted, its socket stays open and every request is refused not_connected). Fails with the condition
     * that deleted any connection with a send bucket.
     */
    @Test
    void removeGone_withoutARoom_keepsAConnectionWhoseFirstFrameCameAfterThePostAnswered410() {
        long posted = NOW * 1000;
        store.putConnection(new Connection("GR-race", "gr", false, posted - 500, NOW + 7_500));

        assertThat(at(posted + 1).takeSend("GR-race", RATE).allowed()).isTrue(); // its first frame
        store.removeGone(List.of("GR-race"), null, posted);

        assertThat(store.connection("GR-race")).isPresent();
        assertThat(at(posted + 2).takeSend("GR-race", RATE).connection())
                .as("its next request is served")
                .isPresent();
    }

    /** A first frame handled before the post: the socket was open then, so the 410 means it closed. */
    @Test
    void removeGone_withoutARoom_deletesAYoungConnectionWhoseFirstFrameCameBeforeThePost() {
        long posted = NOW * 1000;
        store.putConnection(new Connection("GR-before", "gr", false, posted - 500, NOW + 7_500));
        assertThat(at(posted - 1).takeSend("GR-before", RATE).allowed()).isTrue();
        // later frames move the bucket, not the first frame's time
        assertThat(at(posted + 5).takeSend("GR-before", RATE).allowed()).isTrue();

        store.removeGone(List.of("GR-before"), null, posted);

        assertThat(store.connection("GR-before")).isEmpty();
    }

    /**
     * No frame, registered more than the connect window before the post: its $connect had returned, so it was
     * open (or failed) by the post. The window counts back from the post, not from the cleanup: a connection
     * still within it at the post is kept even when the cleanup runs after the window (it fails with the old
     * condition, which counted from the cleanup).
     */
    @Test
    void removeGone_withoutARoom_countsTheConnectWindowBackFromThePost() {
        long posted = NOW * 1000;
        store.putConnection(new Connection(
                "GR-long-ago", "gr", false, posted - DynamoChatStore.CONNECT_WINDOW_MILLIS - 1, NOW + 7_500));
        store.putConnection(new Connection(
                "GR-at-the-edge", "gr", false, posted - DynamoChatStore.CONNECT_WINDOW_MILLIS + 1_000, NOW + 7_500));
        DynamoChatStore cleanupTwoSecondsLater = at(posted + 2_000);

        cleanupTwoSecondsLater.removeGone(List.of("GR-long-ago", "GR-at-the-edge"), null, posted);

        assertThat(store.connection("GR-long-ago")).isEmpty();
        assertThat(store.connection("GR-at-the-edge")).isPresent();
    }

    /**
     * Items written before the first frame's time was recorded (a send bucket without it, or no bucket) are
     * judged as before: a bucket means it sent a frame, so it goes; without one, the connect window decides. A
     * send handled now records the first frame on such an item, once.
     */
    @Test
    void removeGone_withoutARoom_treatsItemsWithoutTheFirstFrameTimeAsBefore() {
        long posted = NOW * 1000;
        store.putConnection(new Connection("GR-old-sent", "gr", false, posted - 500, NOW + 7_500));
        store.putConnection(new Connection("GR-old-quiet", "gr", false, posted - 500, NOW + 7_500));
        store.putConnection(new Connection("GR-old-then-new", "gr", false, posted - 500, NOW + 7_500));
        // the bucket as the earlier takeSend left it: sendTat alone (ahead of the clock: the next send is in a burst)
        for (String id : List.of("GR-old-sent", "GR-old-then-new")) {
            dynamo.client()
                    .updateItem(r -> r.tableName("switchboard-test")
                            .key(metaKey(id))
                            .updateExpression("SET " + DynamoChatStore.SEND_TAT + " = :tat")
                            .expressionAttributeValues(
                                    java.util.Map.of(":tat", AttributeValue.fromN(Long.toString(posted + 250)))));
        }
        assertThat(at(posted + 200).takeSend("GR-old-then-new", RATE).allowed()).isTrue();
        assertThat(at(posted + 300).takeSend("GR-old-then-new", RATE).allowed()).isTrue();
        assertThat(dynamo.client()
                        .getItem(r -> r.tableName("switchboard-test")
                                .key(metaKey("GR-old-then-new"))
                                .consistentRead(true))
                        .item()
                        .get(DynamoChatStore.FIRST_SEND)
                        .n())
                .as("the first send handled by this version, kept by the next")
                .isEqualTo(Long.toString(posted + 200));

        store.removeGone(List.of("GR-old-sent", "GR-old-quiet", "GR-old-then-new"), null, posted);

        assertThat(store.connection("GR-old-sent")).isEmpty();
        assertThat(store.connection("GR-old-quiet")).isPresent();
        assertThat(store.connection("GR-old-then-new"))
                .as("first frame after the post")
                .isPresent();
    }

    @Test
    void members_arePaged_andStreamedPageByPage() {
        for (int i = 0; i < 25; i++) {
            Connection c = connection(String.format("P%02d", i), "u" + i, NOW + 100);
            store.join(c, "big", 10);
        }
        var first = store.members("big", null, 10);
        assertThat(first.items()).hasSize(10);
        var second = store.members("big", first.next(), 10);
        assertThat(second.items()).hasSize(10).doesNotContainAnyElementsOf(first.items());
        List<Integer> pages = new ArrayList<>();
        List<dev.switchboard.core.store.Member> streamed = new ArrayList<>();
        store.forEachMemberPage("big", 10, page -> {
            pages.add(page.size());
            streamed.addAll(page);
        });
        assertThat(pages).containsExactly(10, 10, 5);
        // the fan-out reads a projection of each item: still every member with connection id and user
        assertThat(streamed)
                .containsExactlyInAnyOrderElementsOf(
                        store.members("big", null, 25).items())
                .contains(new dev.switchboard.core.store.Member("P07", "u7"));
        assertThat(store.countMembers("big", 11)).isEqualTo(11);
    }

    @Test
    void countMembers_isACappedCount_thatLeavesOutExpiredMembers() {
        for (int i = 0; i < 30; i++) {
            Connection c = connection(String.format("N%02d", i), "n" + i, i < 4 ? NOW - 1 : NOW + 100);
            store.putConnection(c);
            store.join(c, "counted", 10);
        }
        // 4 of 30 expired by TTL but not yet deleted by DynamoDB
        assertThat(store.countMembers("counted", 1000)).isEqualTo(26);
        assertThat(store.countMembers("counted", 7)).isEqualTo(7);
        assertThat(store.countMembers("nobody-here", 1000)).isZero();
    }

    @Test
    void sharedKey_isMadeOnce_andTheSameForEveryStoreOnTheTable() {
        DynamoChatStore other = new DynamoChatStore(dynamo.client(), "switchboard-test", 4, 7, Clock.systemUTC());
        byte[] key = store.sharedKey("test-key");
        assertThat(key).hasSize(32);
        assertThat(other.sharedKey("test-key")).isEqualTo(key);
        assertThat(store.sharedKey("another-key")).isNotEqualTo(key);
    }
}
