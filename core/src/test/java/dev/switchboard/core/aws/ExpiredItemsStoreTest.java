package dev.switchboard.core.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.DynamoDbLocalFixture;
import dev.switchboard.core.store.ChatStore;
import dev.switchboard.core.store.ChatStore.JoinOutcome;
import dev.switchboard.core.store.ChatStore.PresenceState;
import dev.switchboard.core.store.ChatStore.ReadStatus;
import dev.switchboard.core.store.Connection;
import dev.switchboard.core.store.InboxCounts;
import dev.switchboard.core.store.InboxItem;
import dev.switchboard.core.store.Member;
import dev.switchboard.core.store.SendRate;
import dev.switchboard.core.store.StoredMessage;
import dev.switchboard.protocol.InboxState;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * DynamoDB deletes an item whose TTL has passed only "typically within two days", and returns it
 * until then in reads, queries and scans: every reader of the store must treat it as gone by
 * its {@code expiresAt}, never by its absence. Everything a user leaves behind is written at
 * {@link #T0}; a second store on the same table reads it 30 days later, when every TTL has passed
 * but every item is still in the table.
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ttl-expired-items.html
 */
class ExpiredItemsStoreTest {

    static final String TABLE = "switchboard-ttl";
    static final long T0 = 1_764_000_000L;
    static final long LATER = T0 + 30 * 86_400L;
    static final int RETENTION_DAYS = 7;

    static DynamoDbLocalFixture dynamo;
    static DynamoChatStore before;
    static DynamoChatStore after;

    static DynamoChatStore storeAt(long epochSeconds) {
        return new DynamoChatStore(
                dynamo.client(),
                TABLE,
                4,
                RETENTION_DAYS,
                Clock.fixed(Instant.ofEpochSecond(epochSeconds), ZoneOffset.UTC));
    }

    @BeforeAll
    static void writeEverythingAtT0() {
        // TTL is left off: embedded DynamoDB Local's TTL job deletes items seconds after they expire by this
        // machine's clock, where DynamoDB keeps them readable for up to about two days, the case tested here
        dynamo = new DynamoDbLocalFixture().createTable(TABLE);
        before = storeAt(T0);
        after = storeAt(LATER);

        Connection ann = new Connection("C1", "ann", false, T0 * 1000, T0 + 7200);
        before.putConnection(ann);
        assertThat(before.claimConnectionSlot("ann", "C1", T0 + 7200, 1)).isTrue();
        assertThat(before.join(ann, "room", 10)).isEqualTo(JoinOutcome.JOINED);
        before.saveMessage(new StoredMessage("room", "01A", "ann", "hello", T0 * 1000), "ann#room#c1", "C1");
        assertThat(before.recordRead("C1", "room", "ann", "01A").status()).isEqualTo(ReadStatus.MOVED);
        assertThat(before.replacePresenceState(
                        "room", "ann", null, new PresenceState("join", T0 * 1000, false, 1), T0 + 7200))
                .isTrue();
        assertThat(before.putInboxItem(
                        "ann",
                        new InboxItem(
                                "I1", InboxItem.NOTIFICATION, null, null, null, "t", "b", T0 * 1000, false, false),
                        T0 + 86_400))
                .isTrue();

        assertThat(before.saveDirect(
                                "bob",
                                InboxItem.direct("D1", "ann", null, "psst", T0 * 1000),
                                T0 + 86_400,
                                "ann#direct>bob#d1",
                                false)
                        .duplicate())
                .isFalse();
    }

    @AfterAll
    static void stop() {
        dynamo.close();
    }

    @Test
    void atT0_everyReaderSeesWhatWasWritten() {
        // the premise of the test below: the same reads find everything while the TTLs have not passed
        assertThat(before.connection("C1")).isPresent();
        assertThat(before.isMember("C1", "room")).isTrue();
        assertThat(before.history("room", null, 10).items())
                .extracting(StoredMessage::id)
                .containsExactly("01A");
        assertThat(before.lastRead("room", "ann")).isEqualTo("01A");
        assertThat(before.presenceState("room", "ann")).isNotNull();
        assertThat(before.inbox("ann", null, 10).items())
                .extracting(InboxItem::id)
                .containsExactly("I1");
        assertThat(before.countMembers("room", 10)).isEqualTo(1);
    }

    @Test
    void onceEveryTtlHasPassed_everyReaderTreatsTheItemsAsGone_thoughTheyAreStillInTheTable() {
        // still there, as on DynamoDB for up to about two days after expiry
        for (String pk :
                List.of("CONN#C1", "ROOM#room", "ROOMMSG#room", "IDEM#ann#room#c1", "READ#room", "PRESENCE#room")) {
            assertThat(count(pk)).as(pk + " still in the table").isPositive();
        }
        assertThat(count("INBOX#ann")).as("inbox item and its day's counter").isEqualTo(2);

        // connections, memberships and the send limit on the connection's item
        assertThat(after.connection("C1")).isEmpty();
        // (the other test's C2 is ann's live connection at LATER)
        assertThat(after.connectionsOf("ann")).extracting(Member::connectionId).doesNotContain("C1");
        List<Member> everyone = new ArrayList<>();
        for (int shard = 0; shard < 4; shard++) {
            after.forEachConnectionInShard(shard, 100, everyone::addAll);
        }
        assertThat(everyone).extracting(Member::connectionId).doesNotContain("C1");
        assertThat(after.takeSend("C1", new SendRate(5, 10)).connection()).isEmpty();
        assertThat(after.isMember("C1", "room")).isFalse();
        assertThat(after.rooms("C1")).isEmpty();
        assertThat(after.members("room", null, 10).items()).isEmpty();
        assertThat(after.recipients("room", null, 10).items()).isEmpty();
        assertThat(after.membersIfAtMost("room", 10)).contains(List.of());
        assertThat(after.countMembers("room", 10)).isZero();
        assertThat(after.join(new Connection("C1", "ann", false, T0 * 1000, T0 + 7200), "other", 10))
                .isEqualTo(JoinOutcome.NO_CONNECTION);

        // history, receipts, unread counts
        assertThat(after.history("room", null, 10).items()).isEmpty();
        assertThat(after.message("room", "01A")).isEmpty();
        assertThat(after.lastRead("room", "ann")).isNull();
        assertThat(after.countUnread("room", "bob", null, 10)).isZero();
        assertThat(after.recordRead("C1", "room", "ann", "01A").status()).isEqualTo(ReadStatus.NOT_MEMBER);

        // presence: an expired state is none, and a new one can be written in its place
        assertThat(after.presenceState("room", "ann")).isNull();
        assertThat(after.replacePresenceState(
                        "room", "ann", null, new PresenceState("join", LATER * 1000, false, 1), LATER + 7200))
                .isTrue();
        assertThat(after.presenceState("room", "ann")).isNotNull();

        // the inbox
        assertThat(after.inbox("ann", null, 10).items()).isEmpty();
        assertThat(after.inboxCounts("ann")).isEqualTo(new InboxCounts(0, 0));
        assertThat(after.markInbox("ann", List.of("I1"), InboxState.READ).unknown())
                .containsExactly("I1");
    }

    @Test
    void anExpiredConnectionSlotAndIdempotencyKey_areFreeAgain_beforeDynamoDbDeletesThem() {
        // ann comes back with a new connection, cap 1: the expired connection's slot does not count
        Connection back = new Connection("C2", "ann", false, LATER * 1000, LATER + 7200);
        after.putConnection(back);
        assertThat(after.claimConnectionSlot("ann", "C2", LATER + 7200, 1)).isTrue();
        assertThat(after.join(back, "again", 10)).isEqualTo(JoinOutcome.JOINED);

        // the same clientMsgId a month later is a new send, not a "duplicate" of a message history no longer has
        ChatStore.SaveOutcome saved =
                after.saveMessage(new StoredMessage("again", "01Z", "ann", "back", LATER * 1000), "ann#room#c1", "C2");
        assertThat(saved.duplicate()).isFalse();
        assertThat(saved.message().id()).isEqualTo("01Z");
        assertThat(after.history("again", null, 10).items())
                .extracting(StoredMessage::id)
                .containsExactly("01Z");
        // and so for a direct message's key: a month later the same id is a new direct
        ChatStore.DirectOutcome direct = after.saveDirect(
                "bob",
                InboxItem.direct("D2", "ann", null, "psst again", LATER * 1000),
                LATER + 86_400,
                "ann#direct>bob#d1",
                false);
        assertThat(direct.duplicate()).isFalse();
        assertThat(direct.item().id()).isEqualTo("D2");
    }

    static int count(String pk) {
        return dynamo.client()
                .query(q -> q.tableName(TABLE)
                        .keyConditionExpression("pk = :p")
                        .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(pk))))
                .count();
    }
}
