package dev.switchboard.core.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.DynamoDbLocalFixture;
import dev.switchboard.core.store.ChatStore.ReadStatus;
import dev.switchboard.core.store.ChatStore.ReplaceOutcome;
import dev.switchboard.core.store.Connection;
import dev.switchboard.core.store.StoredMessage;
import dev.switchboard.protocol.MessageIds;
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

/** Read receipts, unread counts and message versions (issue 17) on embedded DynamoDB Local. */
class ChatPrimitivesStoreTest {

    static final String TABLE = "switchboard-prims";
    static final long NOW = 1_764_000_000L;
    static DynamoDbLocalFixture dynamo;
    static DynamoChatStore store;
    final MessageIds ids = new MessageIds();

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

    Connection member(String id, String user, String room) {
        Connection connection = new Connection(id, user, false, NOW * 1000, NOW + 3600);
        store.putConnection(connection);
        store.join(connection, room, 50);
        return connection;
    }

    /** Stores {@code count} messages from {@code from}, 1 ms apart, and returns their ids (oldest first). */
    List<String> messages(String room, String from, String connectionId, int count, long startMillis) {
        List<String> stored = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            long ts = startMillis + i;
            StoredMessage message = new StoredMessage(room, ids.next(ts), from, "m" + i, ts);
            store.saveMessage(message, null, connectionId);
            stored.add(message.id());
        }
        return stored;
    }

    @Test
    void recordRead_movesOnlyForward_andOnlyToAMessageTheRoomHas_forAMember() {
        member("R1", "rita", "reads");
        member("W1", "walt", "reads");
        List<String> sent = messages("reads", "walt", "W1", 3, NOW * 1000);

        assertThat(store.recordRead("R1", "reads", "rita", sent.get(1)).status())
                .isEqualTo(ReadStatus.MOVED);
        var back = store.recordRead("R1", "reads", "rita", sent.get(0));
        assertThat(back.status()).isEqualTo(ReadStatus.NOT_MOVED);
        assertThat(back.lastRead()).as("where it stays").isEqualTo(sent.get(1));
        assertThat(store.recordRead("R1", "reads", "rita", sent.get(2)).status())
                .isEqualTo(ReadStatus.MOVED);
        assertThat(store.lastRead("reads", "rita")).isEqualTo(sent.get(2));

        // an id that sorts after every message but is none: refused, so it cannot freeze the receipt ahead
        assertThat(store.recordRead("R1", "reads", "rita", ids.next(NOW * 1000 + 60_000))
                        .status())
                .isEqualTo(ReadStatus.NO_MESSAGE);
        assertThat(store.recordRead("nobody", "reads", "rita", sent.get(2)).status())
                .isEqualTo(ReadStatus.NOT_MEMBER);
        assertThat(store.lastRead("reads", "rita")).isEqualTo(sent.get(2));
    }

    @Test
    void countUnread_countsOthersMessagesAfterTheLastRead_notOwnOrDeleted_andStopsAtTheCap() {
        member("U1", "una", "counts");
        member("V1", "vic", "counts");
        List<String> before = messages("counts", "vic", "V1", 2, NOW * 1000);
        List<String> others = messages("counts", "vic", "V1", 5, NOW * 1000 + 100);
        messages("counts", "una", "U1", 3, NOW * 1000 + 200); // her own: not unread for her
        StoredMessage deleted = store.message("counts", others.get(0)).orElseThrow();
        assertThat(store.replaceMessage(
                        deleted,
                        new StoredMessage("counts", deleted.id(), "vic", null, deleted.ts(), NOW * 1000 + 300, true),
                        "V1"))
                .isEqualTo(ReplaceOutcome.REPLACED);

        assertThat(store.countUnread("counts", "una", before.get(1), 100)).isEqualTo(4);
        assertThat(store.countUnread("counts", "una", before.get(1), 3))
                .as("capped")
                .isEqualTo(3);
        assertThat(store.countUnread("counts", "vic", before.get(1), 100)).isEqualTo(3);
        // many more than the cap: the count stops there, having read at most twice the cap
        messages("counts", "vic", "V1", 30, NOW * 1000 + 400);
        assertThat(store.countUnread("counts", "una", before.get(1), 10)).isEqualTo(10);
    }

    @Test
    void replaceMessage_keepsEveryEarlierVersion_withTheMessagesTtl_andRefusesAStaleCurrent() {
        member("E1", "eve", "edits");
        String id = messages("edits", "eve", "E1", 1, NOW * 1000).get(0);
        StoredMessage first = store.message("edits", id).orElseThrow();
        StoredMessage second = new StoredMessage("edits", id, "eve", "second", first.ts(), NOW * 1000 + 10, false);
        assertThat(store.replaceMessage(first, second, "E1")).isEqualTo(ReplaceOutcome.REPLACED);
        // another tab edited from the first version at the same time: refused, nothing written
        assertThat(store.replaceMessage(
                        first,
                        new StoredMessage("edits", id, "eve", "racing", first.ts(), NOW * 1000 + 11, false),
                        "E1"))
                .isEqualTo(ReplaceOutcome.CHANGED);
        StoredMessage now = store.message("edits", id).orElseThrow();
        assertThat(now.text()).isEqualTo("second");
        assertThat(now.editedAt()).isEqualTo(NOW * 1000 + 10);
        // not a member (any more): refused
        assertThat(store.replaceMessage(
                        now,
                        new StoredMessage("edits", id, "eve", "third", first.ts(), NOW * 1000 + 12, false),
                        "someone-else"))
                .isEqualTo(ReplaceOutcome.NOT_MEMBER);

        assertThat(store.replaceMessage(
                        now, new StoredMessage("edits", id, "eve", null, first.ts(), NOW * 1000 + 20, true), "E1"))
                .isEqualTo(ReplaceOutcome.REPLACED);
        StoredMessage tombstone = store.history("edits", null, 10).items().get(0);
        assertThat(tombstone.deleted()).isTrue();
        assertThat(tombstone.text()).isNull();
        assertThat(tombstone.editedAt()).isEqualTo(NOW * 1000 + 20);

        List<Map<String, AttributeValue>> versions = dynamo.client()
                .query(q -> q.tableName(TABLE)
                        .keyConditionExpression("pk = :pk")
                        .expressionAttributeValues(Map.of(":pk", AttributeValue.fromS("MSGVER#edits"))))
                .items();
        assertThat(versions).extracting(v -> v.get("text").s()).containsExactly("m0", "second");
        long retention = 7 * 86_400L;
        assertThat(versions)
                .allSatisfy(v ->
                        assertThat(Long.parseLong(v.get("expiresAt").n())).isEqualTo(first.ts() / 1000 + retention));
    }
}
