package dev.switchboard.core.aws;

import dev.switchboard.core.store.ChatStore.MarkOutcome;
import dev.switchboard.core.store.InboxCounts;
import dev.switchboard.core.store.InboxItem;
import dev.switchboard.core.store.Page;
import dev.switchboard.protocol.InboxState;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;

/**
 * The inbox half of {@link DynamoChatStore}: one partition per user in the single table.
 * <pre>
 * pk            sk              what
 * INBOX#u       ITEM#id         an inbox item: kind, from, name, text | title, body, ts, seen, read, expiresAt
 * INBOX#u       COUNT#day       the user's counts for items expiring at the end of that UTC day: unread, unseen, expiresAt
 * </pre>
 * <b>Counts.</b> A counter item per (user, expiry day), changed in the same TransactWriteItems as
 * the item it counts: an inbox write is a conditional Put of the item plus an {@code ADD} to its
 * day's counter, a mark is the items' conditional updates plus one {@code ADD} per day touched. So
 * a count is exact under SNS redelivery (the Put's condition cancels the whole transaction) and
 * double marks (an item's update is conditional on its old state). An item expires at the end of
 * the UTC day its retention ends ({@code expiresAt}, TTL), exactly when its day's counter does, so
 * counts never include expired items: every read here filters {@code expiresAt > now}, as TTL
 * deletes only eventually. Reading the counts is one Query of at most retention + 1 small counter
 * items (31 by default: under 4 KB, so 1 read unit strongly consistent). Chosen over a sparse
 * index of unread items, whose count reads every unread item (a COUNT query is charged for what it
 * evaluates) and adds an index to the table; over one counter item per user, which expired unread
 * items would leave too high forever. What it costs in units: docs/PERFORMANCE.md, "Inbox".
 * Transactions: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis.html
 * (each item in one is written twice: 2 write units per KB).
 */
final class DynamoInbox {

    static final String ITEM = "ITEM#";
    static final String COUNT = "COUNT#";
    private static final int MARK_ATTEMPTS = 4;

    private final DynamoDbClient client;
    private final String tableName;
    private final Clock clock;

    DynamoInbox(DynamoDbClient client, String tableName, Clock clock) {
        this.client = client;
        this.tableName = tableName;
        this.clock = clock;
    }

    private long nowSeconds() {
        return clock.millis() / 1000;
    }

    private static String pk(String user) {
        return "INBOX#" + user;
    }

    private static Map<String, AttributeValue> itemKey(String user, String id) {
        return Map.of("pk", AttributeValue.fromS(pk(user)), "sk", AttributeValue.fromS(ITEM + id));
    }

    /** The counter of the items expiring at the end of the UTC day before {@code expiresAtSeconds}. */
    private static Map<String, AttributeValue> countKey(String user, long expiresAtSeconds) {
        return Map.of(
                "pk",
                AttributeValue.fromS(pk(user)),
                "sk",
                AttributeValue.fromS(COUNT + Math.floorDiv(expiresAtSeconds - 1, 86_400L)));
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    /** The end of the UTC day {@code epochSeconds} falls in (itself when it is a midnight). */
    static long endOfUtcDay(long epochSeconds) {
        return Math.floorDiv(epochSeconds + 86_399L, 86_400L) * 86_400L;
    }

    /** @param retainUntilSeconds the item is kept at least until then: it expires at the end of that UTC day */
    boolean put(String user, InboxItem item, long retainUntilSeconds) {
        return put(user, item, retainUntilSeconds, null);
    }

    /**
     * As {@link #put(String, InboxItem, long)}, with {@code also} (null: nothing) written in the same
     * transaction, third. When {@code also}'s condition fails the transaction's exception is thrown, for
     * the caller to read its cancellation reason (index 2).
     */
    boolean put(String user, InboxItem item, long retainUntilSeconds, TransactWriteItem also) {
        long expiresAtSeconds = endOfUtcDay(retainUntilSeconds);
        Map<String, AttributeValue> attributes = new HashMap<>(itemKey(user, item.id()));
        attributes.put("kind", AttributeValue.fromS(item.kind()));
        putIfPresent(attributes, "from", item.from());
        putIfPresent(attributes, "name", item.name());
        putIfPresent(attributes, "text", item.text());
        putIfPresent(attributes, "title", item.title());
        putIfPresent(attributes, "body", item.body());
        attributes.put("ts", n(item.ts()));
        attributes.put("seen", AttributeValue.fromBool(false));
        attributes.put("read", AttributeValue.fromBool(false));
        attributes.put("expiresAt", n(expiresAtSeconds));
        TransactWriteItem putItem = TransactWriteItem.builder()
                .put(Put.builder()
                        .tableName(tableName)
                        .item(attributes)
                        .conditionExpression("attribute_not_exists(pk)")
                        .build())
                .build();
        TransactWriteItem count = TransactWriteItem.builder()
                .update(Update.builder()
                        .tableName(tableName)
                        .key(countKey(user, expiresAtSeconds))
                        .updateExpression("ADD unread :one, unseen :one SET expiresAt = :exp")
                        .expressionAttributeValues(Map.of(":one", n(1), ":exp", n(expiresAtSeconds)))
                        .build())
                .build();
        List<TransactWriteItem> writes = also == null ? List.of(putItem, count) : List.of(putItem, count, also);
        try {
            client.transactWriteItems(r -> r.transactItems(writes));
            return true;
        } catch (TransactionCanceledException e) {
            if (also != null && conditionFailed(e, 2)) {
                throw e;
            }
            if (conditionFailed(e, 0)) {
                return false; // there already: a redelivery
            }
            throw e;
        }
    }

    /** The item of {@code user}'s inbox with this id (a consistent read), or null when there is none or it expired. */
    InboxItem get(String user, String id) {
        Map<String, AttributeValue> attributes = client.getItem(
                        r -> r.tableName(tableName).key(itemKey(user, id)).consistentRead(true))
                .item();
        return attributes == null || attributes.isEmpty() || expired(attributes, nowSeconds())
                ? null
                : toItem(attributes);
    }

    /** The end of the UTC day the item kept until {@code retainUntilSeconds} expires at (its TTL, epoch s). */
    static long expiresAt(long retainUntilSeconds) {
        return endOfUtcDay(retainUntilSeconds);
    }

    private static void putIfPresent(Map<String, AttributeValue> attributes, String name, String value) {
        if (value != null) {
            attributes.put(name, AttributeValue.fromS(value));
        }
    }

    Page<InboxItem> page(String user, String beforeId, int limit) {
        // BETWEEN keeps the counters (COUNT# < ITEM#) out; it includes beforeId itself, dropped below
        String upper = beforeId == null ? ITEM + "~" : ITEM + beforeId;
        long now = nowSeconds();
        List<InboxItem> items = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        boolean more = false;
        // expired items (TTL not yet run) are skipped, so a page may need a second query to fill
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse response = client.query(r -> r.tableName(tableName)
                    .keyConditionExpression("pk = :pk AND sk BETWEEN :lo AND :hi")
                    .expressionAttributeValues(Map.of(
                            ":pk",
                            AttributeValue.fromS(pk(user)),
                            ":lo",
                            AttributeValue.fromS(ITEM),
                            ":hi",
                            AttributeValue.fromS(upper)))
                    .scanIndexForward(false)
                    .limit(limit + 2)
                    .exclusiveStartKey(from));
            for (Map<String, AttributeValue> attributes : response.items()) {
                InboxItem item = toItem(attributes);
                if (item.id().equals(beforeId) || expired(attributes, now)) {
                    continue;
                }
                if (items.size() == limit) {
                    more = true;
                    break;
                }
                items.add(item);
            }
            start = response.hasLastEvaluatedKey()
                            && !response.lastEvaluatedKey().isEmpty()
                    ? response.lastEvaluatedKey()
                    : null;
        } while (!more && start != null && items.size() < limit);
        more = more || (start != null && items.size() == limit);
        return new Page<>(
                items, more && !items.isEmpty() ? items.get(items.size() - 1).id() : null);
    }

    private static boolean expired(Map<String, AttributeValue> attributes, long nowSeconds) {
        AttributeValue expires = attributes.get("expiresAt");
        return expires != null && Long.parseLong(expires.n()) <= nowSeconds;
    }

    private static InboxItem toItem(Map<String, AttributeValue> a) {
        return new InboxItem(
                a.get("sk").s().substring(ITEM.length()),
                a.get("kind").s(),
                s(a, "from"),
                s(a, "name"),
                s(a, "text"),
                s(a, "title"),
                s(a, "body"),
                Long.parseLong(a.get("ts").n()),
                bool(a, "seen"),
                bool(a, "read"));
    }

    private static String s(Map<String, AttributeValue> a, String name) {
        AttributeValue value = a.get(name);
        return value == null ? null : value.s();
    }

    private static boolean bool(Map<String, AttributeValue> a, String name) {
        AttributeValue value = a.get(name);
        return value != null && Boolean.TRUE.equals(value.bool());
    }

    InboxCounts counts(String user) {
        long unread = 0;
        long unseen = 0;
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            QueryResponse response = client.query(r -> r.tableName(tableName)
                    .consistentRead(true)
                    .keyConditionExpression("pk = :pk AND begins_with(sk, :count)")
                    .filterExpression("expiresAt > :now")
                    .projectionExpression("unread, unseen")
                    .expressionAttributeValues(Map.of(
                            ":pk",
                            AttributeValue.fromS(pk(user)),
                            ":count",
                            AttributeValue.fromS(COUNT),
                            ":now",
                            n(nowSeconds())))
                    .exclusiveStartKey(from));
            for (Map<String, AttributeValue> counter : response.items()) {
                unread += counter.containsKey("unread")
                        ? Long.parseLong(counter.get("unread").n())
                        : 0;
                unseen += counter.containsKey("unseen")
                        ? Long.parseLong(counter.get("unseen").n())
                        : 0;
            }
            start = response.hasLastEvaluatedKey()
                            && !response.lastEvaluatedKey().isEmpty()
                    ? response.lastEvaluatedKey()
                    : null;
        } while (start != null);
        // never below 0, whatever a hand edit of the table did
        return new InboxCounts(Math.max(0, unread), Math.max(0, unseen));
    }

    /**
     * One consistent BatchGetItem of the ids (under the user's own partition key, so another user's
     * ids are simply not found), then one transaction: each item that changes, conditional on the
     * state it was read in, and one {@code ADD} per expiry day. A concurrent mark of the same items
     * cancels it (a condition fails); it is then read and tried again on what that mark left.
     */
    MarkOutcome mark(String user, List<String> ids, InboxState state) {
        List<String> distinct = List.copyOf(new LinkedHashSet<>(ids));
        for (int attempt = 0; attempt < MARK_ATTEMPTS; attempt++) {
            Map<String, Map<String, AttributeValue>> found = read(user, distinct);
            List<String> unknown =
                    distinct.stream().filter(id -> !found.containsKey(id)).toList();
            if (!unknown.isEmpty()) {
                return new MarkOutcome(List.of(), unknown);
            }
            List<TransactWriteItem> writes = new ArrayList<>();
            List<String> changed = new ArrayList<>();
            Map<Long, long[]> perDay = new TreeMap<>(); // expiresAt -> {unread, unseen} taken off
            for (String id : distinct) {
                Map<String, AttributeValue> item = found.get(id);
                boolean seen = bool(item, "seen");
                boolean read = bool(item, "read");
                boolean changes = state == InboxState.READ ? !read : !seen && !read;
                if (!changes) {
                    continue;
                }
                changed.add(id);
                long expiresAt = Long.parseLong(item.get("expiresAt").n());
                long[] delta = perDay.computeIfAbsent(expiresAt, k -> new long[2]);
                delta[0] += state == InboxState.READ ? 1 : 0;
                delta[1] += seen ? 0 : 1;
                // the condition is the state this decision was made on: a concurrent mark cancels it
                writes.add(TransactWriteItem.builder()
                        .update(Update.builder()
                                .tableName(tableName)
                                .key(itemKey(user, id))
                                .updateExpression(
                                        state == InboxState.READ ? "SET seen = :t, #read = :t" : "SET seen = :t")
                                .conditionExpression("attribute_exists(pk) AND seen = :seen AND #read = :read")
                                .expressionAttributeNames(Map.of("#read", "read"))
                                .expressionAttributeValues(Map.of(
                                        ":t",
                                        AttributeValue.fromBool(true),
                                        ":seen",
                                        AttributeValue.fromBool(seen),
                                        ":read",
                                        AttributeValue.fromBool(read)))
                                .build())
                        .build());
            }
            if (changed.isEmpty()) {
                return new MarkOutcome(List.of(), List.of());
            }
            perDay.forEach((expiresAt, delta) -> writes.add(TransactWriteItem.builder()
                    .update(Update.builder()
                            .tableName(tableName)
                            .key(countKey(user, expiresAt))
                            .updateExpression("ADD unread :unread, unseen :unseen SET expiresAt = :exp")
                            .expressionAttributeValues(
                                    Map.of(":unread", n(-delta[0]), ":unseen", n(-delta[1]), ":exp", n(expiresAt)))
                            .build())
                    .build()));
            try {
                client.transactWriteItems(r -> r.transactItems(writes));
                return new MarkOutcome(List.copyOf(changed), List.of());
            } catch (TransactionCanceledException e) {
                if (!retryable(e)) {
                    throw e;
                }
                // another mark of these items won: read what it left and decide again
            }
        }
        throw new IllegalStateException("marking " + distinct.size() + " inbox items of '" + user + "' lost "
                + MARK_ATTEMPTS + " races with concurrent marks: send the mark again");
    }

    private static boolean retryable(TransactionCanceledException e) {
        List<CancellationReason> reasons = e.cancellationReasons();
        return reasons != null
                && reasons.stream()
                        .anyMatch(r ->
                                "ConditionalCheckFailed".equals(r.code()) || "TransactionConflict".equals(r.code()));
    }

    /** The live items among {@code ids}, by id (consistent reads; unprocessed keys asked again). */
    private Map<String, Map<String, AttributeValue>> read(String user, List<String> ids) {
        Map<String, Map<String, AttributeValue>> found = new HashMap<>();
        long now = nowSeconds();
        List<Map<String, AttributeValue>> keys =
                ids.stream().map(id -> itemKey(user, id)).toList();
        for (int attempt = 0; attempt < 5 && !keys.isEmpty(); attempt++) {
            List<Map<String, AttributeValue>> ask = keys;
            var response = client.batchGetItem(r -> r.requestItems(Map.of(
                    tableName,
                    KeysAndAttributes.builder()
                            .keys(ask)
                            .consistentRead(true)
                            .projectionExpression("sk, seen, #read, expiresAt")
                            .expressionAttributeNames(Map.of("#read", "read"))
                            .build())));
            response.responses().getOrDefault(tableName, List.of()).forEach(item -> {
                if (!expired(item, now)) {
                    found.put(item.get("sk").s().substring(ITEM.length()), item);
                }
            });
            KeysAndAttributes unprocessed = response.unprocessedKeys().get(tableName);
            keys = unprocessed == null ? List.of() : unprocessed.keys();
        }
        if (!keys.isEmpty()) {
            throw new IllegalStateException(
                    keys.size() + " inbox items could not be read (throttled): send the mark again");
        }
        return found;
    }

    private static boolean conditionFailed(TransactionCanceledException e, int index) {
        List<CancellationReason> reasons = e.cancellationReasons();
        return reasons != null
                && reasons.size() > index
                && "ConditionalCheckFailed".equals(reasons.get(index).code());
    }
}
