package dev.switchboard.core.aws;

import dev.switchboard.core.auth.RoomGrants;
import dev.switchboard.core.store.ChatStore;
import dev.switchboard.core.store.Connection;
import dev.switchboard.core.store.ConnectionIdTakenException;
import dev.switchboard.core.store.Home;
import dev.switchboard.core.store.InboxCounts;
import dev.switchboard.core.store.InboxItem;
import dev.switchboard.core.store.Member;
import dev.switchboard.core.store.Page;
import dev.switchboard.core.store.SendRate;
import dev.switchboard.core.store.StoredMessage;
import dev.switchboard.protocol.InboxState;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbEnhancedClient;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbIndex;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbTable;
import software.amazon.awssdk.enhanced.dynamodb.Expression;
import software.amazon.awssdk.enhanced.dynamodb.Key;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryConditional;
import software.amazon.awssdk.enhanced.dynamodb.model.QueryEnhancedRequest;
import software.amazon.awssdk.enhanced.dynamodb.model.WriteBatch;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionCheck;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValuesOnConditionCheckFailure;
import software.amazon.awssdk.services.dynamodb.model.Select;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;
import software.amazon.awssdk.services.dynamodb.model.Update;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/** {@link ChatStore} on one DynamoDB table (layout in {@link TableItem}), with the enhanced client. */
public final class DynamoChatStore implements ChatStore {

    /** GCRA's theoretical arrival time of the next send (epoch ms), on the connection's META item. */
    static final String SEND_TAT = "sendTat";
    /**
     * When {@link #takeSend} first handled a frame of the connection (epoch ms, this function's clock), on its META
     * item: set once, with {@code if_not_exists}, by the same UpdateItem that takes the token. Proof that the socket
     * was open by then, which {@link #removeGone} compares with the time of a post answered 410. Absent on items
     * whose bucket an earlier version started, and on connections that have sent no frame.
     */
    static final String FIRST_SEND = "firstSend";
    /** The connection exists and its TTL has not passed (DynamoDB deletes expired items only eventually). */
    private static final String LIVE =
            "attribute_exists(pk) AND (attribute_not_exists(expiresAt) OR expiresAt > :nowSec)";

    private static final int SEND_ATTEMPTS = 5;
    /** How many rooms the connection is in, on its META item; kept by the join and leave transactions. */
    static final String ROOM_COUNT = "roomCount";

    private final DynamoDbClient client;
    private final String tableName;
    private final DynamoDbEnhancedClient enhanced;
    private final DynamoDbTable<TableItem> table;
    private final DynamoDbIndex<TableItem> byUser;
    private final DynamoDbIndex<TableItem> byShard;
    private final int shards;
    private final long messageRetentionSeconds;
    private final Clock clock;
    private final long tokenLeewaySeconds;
    /** This function's region and endpoint, stamped on the connections it registers; null in one region. */
    private final Home home;
    /** What a fan-out reads of each recipient: {@link #FAN_OUT_ATTRIBUTES}, and {@code home} with several regions. */
    private final String[] fanOutAttributes;

    private final DynamoInbox inbox;

    /** A store whose connections' tokens never stop deliveries (tests that do not need expiry). */
    public DynamoChatStore(DynamoDbClient client, String tableName, int shards, int messageRetentionDays, Clock clock) {
        this(client, tableName, shards, messageRetentionDays, clock, 0);
    }

    /**
     * @param tokenLeewaySeconds recipients whose token expired more than this many seconds ago are
     *     skipped by every recipient query (room members, a user's connections, every connection)
     */
    public DynamoChatStore(
            DynamoDbClient client,
            String tableName,
            int shards,
            int messageRetentionDays,
            Clock clock,
            long tokenLeewaySeconds) {
        this(client, tableName, shards, messageRetentionDays, clock, tokenLeewaySeconds, null);
    }

    /**
     * @param home this function's region and {@code @connections} endpoint when the stack runs in
     *     several regions over a global table (null: one region). Connections registered here record
     *     it, recipients read it back ({@link Member#home()}), and a user's connection cap counts per
     *     region. The table's indexes must then project {@code home} (template.yaml's global table does).
     */
    public DynamoChatStore(
            DynamoDbClient client,
            String tableName,
            int shards,
            int messageRetentionDays,
            Clock clock,
            long tokenLeewaySeconds,
            Home home) {
        this.home = home;
        this.fanOutAttributes = home == null
                ? FAN_OUT_ATTRIBUTES
                : java.util.stream.Stream.concat(
                                java.util.Arrays.stream(FAN_OUT_ATTRIBUTES), java.util.stream.Stream.of("home"))
                        .toArray(String[]::new);
        this.tokenLeewaySeconds = tokenLeewaySeconds;
        this.client = client;
        this.tableName = tableName;
        this.enhanced = DynamoDbEnhancedClient.builder().dynamoDbClient(client).build();
        this.table = enhanced.table(tableName, TableItem.SCHEMA);
        this.byUser = table.index(TableItem.BY_USER);
        this.byShard = table.index(TableItem.BY_SHARD);
        this.shards = shards;
        this.messageRetentionSeconds = messageRetentionDays * 86_400L;
        this.clock = clock;
        this.inbox = new DynamoInbox(client, tableName, clock);
    }

    private long now() {
        return clock.millis() / 1000;
    }

    @Override
    public void putConnection(Connection connection) {
        TableItem item = TableItem.of("CONN#" + connection.connectionId(), "META");
        item.setConnectionId(connection.connectionId());
        item.setUser(connection.user());
        item.setAdmin(connection.admin() ? Boolean.TRUE : null);
        item.setTs(connection.connectedAt());
        item.setExpiresAt(connection.expiresAt());
        item.setName(connection.name());
        item.setTokenExp(connection.tokenExpiresAt() > 0 ? connection.tokenExpiresAt() : null);
        item.setRooms(connection.rooms().toJson());
        item.setHome(home == null ? null : home.toAttribute());
        item.setGsi1pk("USER#" + connection.user());
        item.setGsi1sk("CONN#" + connection.connectionId());
        item.setGsi2pk("SHARD#" + shardOf(connection.connectionId()));
        item.setGsi2sk(connection.connectionId());
        if (home == null) {
            table.putItem(item);
            return;
        }
        // Several regions: each API issues its own ids, documented as "a unique ID for the connection" and no more
        // (apigateway-websocket-api-mapping-template-reference). An id already held by a connection of another
        // region (its items replicated here) is refused rather than merged with it (docs/DEPLOY.md).
        try {
            table.putItem(r -> r.item(item)
                    .conditionExpression(Expression.builder()
                            .expression("attribute_not_exists(pk) OR #home = :home")
                            .putExpressionName("#home", "home")
                            .putExpressionValue(":home", AttributeValue.fromS(home.toAttribute()))
                            .build()));
        } catch (ConditionalCheckFailedException taken) {
            throw new ConnectionIdTakenException(connection.connectionId(), home.region());
        }
    }

    int shardOf(String connectionId) {
        return Math.floorMod(connectionId.hashCode(), shards);
    }

    @Override
    public Optional<Connection> connection(String connectionId) {
        TableItem item = table.getItem(Key.builder()
                .partitionValue("CONN#" + connectionId)
                .sortValue("META")
                .build());
        if (item == null || item.expired(now())) {
            return Optional.empty();
        }
        return Optional.of(toConnection(item));
    }

    /**
     * The send limit is a conditional UpdateItem of the connection's META item that returns the
     * item, so it replaces the GetItem every frame needs anyway: an allowed send costs one round
     * trip, as before, and so does a refused one (the failed condition returns the old item). Only
     * the second and later sends of a burst within the limit take two (the first attempt assumes
     * the bucket is full). Conditions make it exact under concurrency: two instances handling the
     * same connection cannot both take the last token. Keeping the state on the connection item
     * means it disappears with the connection, and a reconnect starts with a full bucket — the
     * stage throttle bounds how fast anyone can reconnect. Cost: the write is one write unit where
     * the read was half a read unit; the indexes do not project the bucket, so they are not written.
     * The same update records the connection's first frame ({@value #FIRST_SEND}, kept once set) for
     * {@link #removeGone}: no extra request, and 17 bytes more on the item (9 of name, 8 of a 13-digit
     * number: DynamoDB developer guide, CapacityUnitCalculations), which changes the write units (the
     * larger of the item before and after, per started KB) only for an item within 17 bytes below a KB.
     */
    @Override
    public SendPermit takeSend(String connectionId, SendRate rate) {
        Map<String, AttributeValue> key =
                Map.of("pk", AttributeValue.fromS("CONN#" + connectionId), "sk", AttributeValue.fromS("META"));
        long interval = rate.intervalMillis();
        long tolerance = rate.toleranceMillis();
        Long knownTat = null; // what the last failed attempt saw; null = assume an idle, full bucket
        Connection connection = null;
        for (int attempt = 0; attempt < SEND_ATTEMPTS; attempt++) {
            long now = clock.millis();
            Map<String, AttributeValue> values = new HashMap<>();
            values.put(":nowSec", AttributeValue.fromN(Long.toString(now / 1000)));
            values.put(":now", AttributeValue.fromN(Long.toString(now)));
            String update;
            String condition;
            if (knownTat == null || knownTat <= now) {
                // bucket full: the next send is due one interval from now
                update = "SET " + SEND_TAT + " = :next, " + FIRST_SEND_ONCE;
                condition = LIVE + " AND (attribute_not_exists(" + SEND_TAT + ") OR " + SEND_TAT + " <= :now)";
                values.put(":next", AttributeValue.fromN(Long.toString(now + interval)));
            } else {
                // within a burst: one more interval, as long as that stays within the burst
                update = "SET " + SEND_TAT + " = " + SEND_TAT + " + :interval, " + FIRST_SEND_ONCE;
                condition = LIVE + " AND " + SEND_TAT + " > :now AND " + SEND_TAT + " <= :latest";
                values.put(":interval", AttributeValue.fromN(Long.toString(interval)));
                values.put(":latest", AttributeValue.fromN(Long.toString(now + tolerance)));
            }
            try {
                Map<String, AttributeValue> item = client.updateItem(r -> r.tableName(tableName)
                                .key(key)
                                .updateExpression(update)
                                .conditionExpression(condition)
                                .expressionAttributeValues(values)
                                .returnValues(ReturnValue.ALL_NEW)
                                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD))
                        .attributes();
                return new SendPermit(Optional.of(toConnection(TableItem.SCHEMA.mapToItem(item))), 0);
            } catch (ConditionalCheckFailedException e) {
                // Judged at the answer, not at `now`: the request may have taken seconds to reach the table
                // (a cold instance's first call on a busy host) while the connection's other frames moved the
                // TAT; measured from `now`, a client within its burst was refused. The condition of the next
                // attempt, evaluated by DynamoDB with a fresh `now`, still enforces the limit.
                long answered = Math.max(now, clock.millis());
                Map<String, AttributeValue> old = e.hasItem() ? e.item() : Map.of();
                TableItem item = old.isEmpty() ? null : TableItem.SCHEMA.mapToItem(old);
                if (item == null || item.expired(answered / 1000)) {
                    return new SendPermit(Optional.empty(), 0);
                }
                connection = toConnection(item);
                knownTat = old.containsKey(SEND_TAT)
                        ? Long.parseLong(old.get(SEND_TAT).n())
                        : null;
                if (knownTat != null && knownTat - tolerance > answered) {
                    return new SendPermit(Optional.of(connection), knownTat - tolerance - answered);
                }
                // else another send of the same connection moved the TAT meanwhile: try again with what it left
            }
        }
        // lost every race to concurrent sends of this same connection: it is sending fast, so refuse this one
        return new SendPermit(Optional.of(connection), interval);
    }

    /** Records this send's {@code :now} as the first, unless an earlier send did (then it stays as it was). */
    private static final String FIRST_SEND_ONCE = FIRST_SEND + " = if_not_exists(" + FIRST_SEND + ", :now)";

    private static Connection toConnection(TableItem item) {
        return new Connection(
                item.getConnectionId(),
                item.getUser(),
                Boolean.TRUE.equals(item.getAdmin()),
                item.getTs() == null ? 0 : item.getTs(),
                item.getExpiresAt() == null ? 0 : item.getExpiresAt(),
                item.getName(),
                item.getTokenExp() == null ? 0 : item.getTokenExp(),
                RoomGrants.fromJson(item.getRooms()));
    }

    /** Still a recipient: its TTL has not passed and its token has not expired beyond the leeway. */
    private boolean receives(TableItem item, long nowSeconds) {
        return !item.expired(nowSeconds) && !item.tokenExpired(nowSeconds, tokenLeewaySeconds);
    }

    @Override
    public boolean replaceToken(Connection connection) {
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":user", AttributeValue.fromS(connection.user()));
        values.put(":rooms", AttributeValue.fromS(connection.rooms().toJson()));
        values.put(":admin", AttributeValue.fromBool(connection.admin()));
        values.put(":exp", AttributeValue.fromN(Long.toString(connection.tokenExpiresAt())));
        values.put(":nowSec", AttributeValue.fromN(Long.toString(now())));
        String set = "SET rooms = :rooms, #admin = :admin, tokenExp = :exp";
        if (connection.name() != null) {
            values.put(":name", AttributeValue.fromS(connection.name()));
            set += ", #name = :name";
        }
        String update = set + (connection.name() == null ? " REMOVE #name" : "");
        try {
            // Only the same user's connection, and only while it lives: a refresh never changes who a connection is.
            client.updateItem(r -> r.tableName(tableName)
                    .key(Map.of(
                            "pk",
                            AttributeValue.fromS("CONN#" + connection.connectionId()),
                            "sk",
                            AttributeValue.fromS("META")))
                    .updateExpression(update)
                    .conditionExpression(LIVE + " AND #user = :user")
                    .expressionAttributeNames(Map.of("#user", "user", "#admin", "admin", "#name", "name"))
                    .expressionAttributeValues(values));
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
        return true;
    }

    @Override
    public List<String> rooms(String connectionId) {
        List<String> rooms = new ArrayList<>();
        long now = now();
        table.query(QueryEnhancedRequest.builder()
                        .queryConditional(QueryConditional.sortBeginsWith(
                                k -> k.partitionValue("CONN#" + connectionId).sortValue("ROOM#")))
                        .consistentRead(true)
                        .build())
                .items()
                .forEach(item -> {
                    if (!item.expired(now)) {
                        rooms.add(item.getRoom());
                    }
                });
        return rooms;
    }

    @Override
    public void extendMembership(String connectionId, String room, long tokenExpiresAt) {
        try {
            client.updateItem(r -> r.tableName(tableName)
                    .key(Map.of(
                            "pk",
                            AttributeValue.fromS("ROOM#" + room),
                            "sk",
                            AttributeValue.fromS("MEMBER#" + connectionId)))
                    .updateExpression("SET tokenExp = :exp")
                    .conditionExpression("attribute_exists(pk)")
                    .expressionAttributeValues(Map.of(":exp", AttributeValue.fromN(Long.toString(tokenExpiresAt)))));
        } catch (ConditionalCheckFailedException e) {
            // left meanwhile: nothing to extend
        }
    }

    /** A user's connection slots: a string set of connection ids on one item per user. */
    static final String SLOTS = "slots";

    /**
     * One slots item per user, per region with several regions: connects and disconnects in two
     * regions would otherwise update one item in both, and the global table keeps only the last
     * write (docs/DEPLOY.md). So the cap holds per region there.
     */
    private Map<String, AttributeValue> slotsKey(String user) {
        return Map.of(
                "pk",
                AttributeValue.fromS("USER#" + user),
                "sk",
                AttributeValue.fromS(home == null ? "SLOTS" : "SLOTS#" + home.region()));
    }

    /**
     * One conditional {@code UpdateItem} on the user's SLOTS item: {@code ADD} the id to the set
     * while the set has fewer than {@code cap} ids. Only when it is full: one {@code BatchGetItem}
     * (consistent) of the slot holders' connection items, a {@code DELETE} of those gone or expired,
     * and one more try. Chosen over a {@code Select=COUNT} query of the byUser index, which is
     * eventually consistent and lets two concurrent connects both see room for one. Cost per
     * connect: one write unit (the item is small and in no index), the same at disconnect.
     */
    @Override
    public boolean claimConnectionSlot(String user, String connectionId, long expiresAtSeconds, int cap) {
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                client.updateItem(r -> r.tableName(tableName)
                        .key(slotsKey(user))
                        .updateExpression("ADD " + SLOTS + " :id SET expiresAt = :exp")
                        .conditionExpression("attribute_not_exists(" + SLOTS + ") OR size(" + SLOTS
                                + ") < :cap OR contains(" + SLOTS + ", :idS)")
                        .expressionAttributeValues(Map.of(
                                ":id",
                                AttributeValue.fromSs(List.of(connectionId)),
                                ":idS",
                                AttributeValue.fromS(connectionId),
                                ":exp",
                                AttributeValue.fromN(Long.toString(expiresAtSeconds)),
                                ":cap",
                                AttributeValue.fromN(Integer.toString(cap))))
                        .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
                return true;
            } catch (ConditionalCheckFailedException e) {
                List<String> held = e.hasItem() && e.item().containsKey(SLOTS)
                        ? e.item().get(SLOTS).ss()
                        : List.of();
                List<String> dead = deadConnections(held);
                if (dead.isEmpty()) {
                    return false;
                }
                client.updateItem(r -> r.tableName(tableName)
                        .key(slotsKey(user))
                        .updateExpression("DELETE " + SLOTS + " :dead")
                        .expressionAttributeValues(Map.of(":dead", AttributeValue.fromSs(dead))));
            }
        }
        return false; // the slots filled again while dead ones were freed: other connects won
    }

    /** Of these connection ids, those whose connection item is gone or expired (unread keys count as alive). */
    private List<String> deadConnections(List<String> connectionIds) {
        long now = now();
        java.util.Set<String> alive = new java.util.HashSet<>();
        for (int i = 0; i < connectionIds.size(); i += 100) {
            List<Map<String, AttributeValue>> keys =
                    connectionIds.subList(i, Math.min(connectionIds.size(), i + 100)).stream()
                            .map(id -> Map.of(
                                    "pk", AttributeValue.fromS("CONN#" + id), "sk", AttributeValue.fromS("META")))
                            .toList();
            var response = client.batchGetItem(r -> r.requestItems(Map.of(
                    tableName,
                    KeysAndAttributes.builder()
                            .keys(keys)
                            .consistentRead(true)
                            .projectionExpression("connectionId, expiresAt")
                            .build())));
            response.responses().getOrDefault(tableName, List.of()).forEach(item -> {
                AttributeValue expires = item.get("expiresAt");
                if (expires == null || Long.parseLong(expires.n()) > now) {
                    alive.add(item.get("connectionId").s());
                }
            });
            KeysAndAttributes unread = response.unprocessedKeys().get(tableName);
            if (unread != null) {
                unread.keys().forEach(k -> alive.add(k.get("pk").s().substring("CONN#".length())));
            }
        }
        return connectionIds.stream().filter(id -> !alive.contains(id)).toList();
    }

    private void releaseConnectionSlot(String user, String connectionId) {
        try {
            client.updateItem(r -> r.tableName(tableName)
                    .key(slotsKey(user))
                    .updateExpression("DELETE " + SLOTS + " :id")
                    .conditionExpression("attribute_exists(pk)") // never create the item just to delete from it
                    .expressionAttributeValues(Map.of(":id", AttributeValue.fromSs(List.of(connectionId)))));
        } catch (ConditionalCheckFailedException e) {
            // no slots item: the cap was off when this connection came, or it is freed already
        }
    }

    @Override
    public List<String> removeConnection(String connectionId) {
        List<Key> deletes = new ArrayList<>();
        List<String> rooms = new ArrayList<>();
        List<String> users = new ArrayList<>();
        // the connection's own partition: META and one ROOM#r per membership
        table.query(QueryEnhancedRequest.builder()
                        .queryConditional(QueryConditional.keyEqualTo(k -> k.partitionValue("CONN#" + connectionId)))
                        .consistentRead(true)
                        .build())
                .items()
                .forEach(item -> {
                    deletes.add(Key.builder()
                            .partitionValue(item.getPk())
                            .sortValue(item.getSk())
                            .build());
                    if (item.getSk().equals("META") && item.getUser() != null) {
                        users.add(item.getUser());
                    }
                    if (item.getSk().startsWith("ROOM#")) {
                        rooms.add(item.getRoom());
                        deletes.add(Key.builder()
                                .partitionValue("ROOM#" + item.getRoom())
                                .sortValue("MEMBER#" + connectionId)
                                .build());
                    }
                });
        for (int i = 0; i < deletes.size(); i += 25) {
            WriteBatch.Builder<TableItem> batch =
                    WriteBatch.builder(TableItem.class).mappedTableResource(table);
            deletes.subList(i, Math.min(deletes.size(), i + 25)).forEach(batch::addDeleteItem);
            var result = enhanced.batchWriteItem(b -> b.addWriteBatch(batch.build()));
            // unprocessed items (throttling) are retried one by one: cleanup must not half-happen
            result.unprocessedDeleteItemsForTable(table).forEach(table::deleteItem);
        }
        // after the connection item is gone, so a concurrent claim sees this slot as dead either way
        users.forEach(user -> releaseConnectionSlot(user, connectionId));
        return rooms;
    }

    /**
     * How long after its {@code connectedAt} a connection may still be in its {@code $connect} (ms):
     * API Gateway answers 410 to a post "before the connection was established"
     * (https://repost.aws/knowledge-center/410-gone-api-gateway), and {@code $connect} registers the
     * connection before it returns, so a user's or everyone's fan-out can list a connection that is
     * about to open and get 410 for it. API Gateway waits 29 s at most for {@code $connect}; the local
     * cloud lets a cold function initialise for up to 2 minutes first. A connection that really went
     * away this young, with no frame before the post, is removed by {@code $disconnect}, a later
     * fan-out or TTL.
     */
    static final long CONNECT_WINDOW_MILLIS = 150_000;

    /**
     * Connections a fan-out found gone (410). When the fan-out was to a room, in BatchWriteItem
     * requests of 25 deletes: the META item (so no direct message, notification or broadcast reaches
     * it again) and both membership items of that room; a member joined through an open socket, so
     * its 410 means it is gone. Otherwise (a user's connections, everyone's, a reply) the recipient
     * may be one whose {@code $connect} has registered it and not yet returned: its META item is
     * deleted, one conditional DeleteItem each, only if the connection is known to have been open
     * before the post that was answered 410, sent at {@code postedFromMillis} or later:
     *
     * <ul>
     *   <li>its first frame was handled before {@code postedFromMillis} ({@value #FIRST_SEND}: the
     *       socket was open, so the 410 means it closed). A first frame handled at or after it may
     *       come from a socket that opened after the 410: kept, so a connection whose first request
     *       races the fan-out's cleanup is not deleted alive;
     *   <li>or it connected more than {@link #CONNECT_WINDOW_MILLIS} before {@code postedFromMillis}
     *       (its {@code $connect} had returned);
     *   <li>or its item predates {@value #FIRST_SEND}: it has a send bucket ({@value #SEND_TAT}) without
     *       it, or no {@code ts}; deleted as before, on the send bucket alone. Such a bucket is started
     *       only by a version without {@value #FIRST_SEND}, so this matters only while one still runs
     *       (during a deployment) and for its connections' first {@link #CONNECT_WINDOW_MILLIS}.
     * </ul>
     *
     * Deleting one still connecting would leave an open socket that receives nothing and whose every
     * request is refused {@code not_connected}. The times compare two functions' clocks: Lambda's
     * execution environment "uses NTP to synchronize the system clock" (Lambda developer guide,
     * configuration-envvars, {@code TZ}), far closer than the milliseconds between a post answered 410
     * and a first frame on the socket that opened after it. A gone connection the condition keeps
     * is removed by {@code $disconnect}, a later fan-out or TTL. Other memberships are left to
     * {@code $disconnect}, which API Gateway runs for the same close, to those rooms' own fan-outs,
     * and to TTL: finding them would cost a query per connection.
     */
    @Override
    public void removeGone(List<String> connectionIds, String room, long postedFromMillis) {
        if (room == null) {
            Map<String, AttributeValue> values = Map.of(
                    ":postedFrom",
                    AttributeValue.fromN(Long.toString(postedFromMillis)),
                    ":openedBy",
                    AttributeValue.fromN(Long.toString(postedFromMillis - CONNECT_WINDOW_MILLIS)));
            for (String id : connectionIds) {
                try {
                    client.deleteItem(r -> r.tableName(tableName)
                            .key(metaKey(id))
                            // A comparison with an absent attribute is false: an item without #first passes
                            // only through the window or the old-format clause.
                            .conditionExpression("#first < :postedFrom OR #ts < :openedBy OR attribute_not_exists(#ts)"
                                    + " OR (attribute_exists(#tat) AND attribute_not_exists(#first))")
                            .expressionAttributeNames(Map.of("#first", FIRST_SEND, "#tat", SEND_TAT, "#ts", "ts"))
                            .expressionAttributeValues(values));
                } catch (ConditionalCheckFailedException notKnownGone) {
                    // may have been in its $connect when the post was answered: kept (see CONNECT_WINDOW_MILLIS)
                }
            }
            return;
        }
        List<WriteRequest> deletes = new ArrayList<>();
        for (String id : connectionIds) {
            deletes.add(delete(metaKey(id)));
            deletes.add(delete(key("ROOM#" + room, "MEMBER#" + id)));
            deletes.add(delete(key("CONN#" + id, "ROOM#" + room)));
        }
        for (int i = 0; i < deletes.size(); i += 25) {
            List<WriteRequest> batch = deletes.subList(i, Math.min(deletes.size(), i + 25));
            // unprocessed items (throttling) go again, a few times: cleanup must not half-happen
            for (int attempt = 0; attempt < 4 && !batch.isEmpty(); attempt++) {
                List<WriteRequest> requests = batch;
                batch = client.batchWriteItem(r -> r.requestItems(Map.of(tableName, requests)))
                        .unprocessedItems()
                        .getOrDefault(tableName, List.of());
            }
            if (!batch.isEmpty()) {
                throw new IllegalStateException(batch.size() + " deletes of gone connections were left unprocessed"
                        + " after 4 attempts (throttled?): TTL removes them later");
            }
        }
    }

    private static WriteRequest delete(Map<String, AttributeValue> key) {
        return WriteRequest.builder().deleteRequest(d -> d.key(key)).build();
    }

    /**
     * One transaction, so there is no check-then-act race: the connection's META item counts its
     * rooms ({@value #ROOM_COUNT}) and the update is conditional on the connection being live and
     * under the limit; both membership items are put only if absent (or expired). Two joins racing
     * cannot both take the last room, and an expired connection cannot join. A refused join
     * returns the META item (ReturnValuesOnConditionCheckFailure) to say why, with no extra read.
     * Connections registered before the count existed start counting from 0.
     */
    @Override
    public JoinOutcome join(Connection connection, String room, int maxRoomsPerConnection) {
        String id = connection.connectionId();
        Map<String, AttributeValue> values = Map.of(
                ":nowSec",
                AttributeValue.fromN(Long.toString(now())),
                ":max",
                AttributeValue.fromN(Integer.toString(maxRoomsPerConnection)),
                ":zero",
                AttributeValue.fromN("0"),
                ":one",
                AttributeValue.fromN("1"));
        Update count = Update.builder()
                .tableName(tableName)
                .key(metaKey(id))
                .updateExpression("SET " + ROOM_COUNT + " = if_not_exists(" + ROOM_COUNT + ", :zero) + :one")
                .conditionExpression(
                        LIVE + " AND (attribute_not_exists(" + ROOM_COUNT + ") OR " + ROOM_COUNT + " < :max)")
                .expressionAttributeValues(values)
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build();
        TableItem member = TableItem.of("ROOM#" + room, "MEMBER#" + id);
        TableItem reverse = TableItem.of("CONN#" + id, "ROOM#" + room);
        for (TableItem item : List.of(member, reverse)) {
            item.setConnectionId(id);
            item.setUser(connection.user());
            item.setRoom(room);
            item.setExpiresAt(connection.expiresAt());
        }
        member.setTokenExp(connection.tokenExpiresAt() > 0 ? connection.tokenExpiresAt() : null);
        // a join is handled in the joining connection's own region, so this region is its home
        member.setHome(home == null ? null : home.toAttribute());
        try {
            client.transactWriteItems(r -> r.transactItems(
                    TransactWriteItem.builder().update(count).build(),
                    TransactWriteItem.builder().put(absentPut(member)).build(),
                    TransactWriteItem.builder().put(absentPut(reverse)).build()));
            return JoinOutcome.JOINED;
        } catch (TransactionCanceledException e) {
            if (conditionFailed(e, 0)) {
                Map<String, AttributeValue> old = e.cancellationReasons().get(0).item();
                if (old == null
                        || old.isEmpty()
                        || TableItem.SCHEMA.mapToItem(old).expired(now())) {
                    return JoinOutcome.NO_CONNECTION;
                }
            }
            if (conditionFailed(e, 1) || conditionFailed(e, 2)) {
                return JoinOutcome.ALREADY_MEMBER;
            }
            if (conditionFailed(e, 0)) {
                return JoinOutcome.TOO_MANY_ROOMS;
            }
            throw e;
        }
    }

    /** A put of an item that succeeds only where none is, or only an expired one (TTL not yet run). */
    private Put absentPut(TableItem item) {
        return Put.builder()
                .tableName(tableName)
                .item(TableItem.SCHEMA.itemToMap(item, true))
                .conditionExpression("attribute_not_exists(pk) OR expiresAt <= :nowSec")
                .expressionAttributeValues(Map.of(":nowSec", AttributeValue.fromN(Long.toString(now()))))
                .build();
    }

    /**
     * The put of a send's or direct's idempotency key ({@link #absentPut}: an expired key TTL has not deleted yet
     * is no key, so the request is new, as after deletion); a failed condition returns the live key, whose first
     * answer the retry gets.
     */
    private Put idempotencyKeyPut(TableItem idempotency) {
        return absentPut(idempotency).toBuilder()
                .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD)
                .build();
    }

    private static Map<String, AttributeValue> metaKey(String connectionId) {
        return Map.of("pk", AttributeValue.fromS("CONN#" + connectionId), "sk", AttributeValue.fromS("META"));
    }

    private static Map<String, AttributeValue> key(String pk, String sk) {
        return Map.of("pk", AttributeValue.fromS(pk), "sk", AttributeValue.fromS(sk));
    }

    /**
     * One transaction: both membership items go, conditional on the membership being there and
     * live, and the connection's room count goes down with them. Without a META item (the
     * connection is being removed) the memberships are deleted all the same.
     */
    @Override
    public boolean leave(String connectionId, String room) {
        Map<String, AttributeValue> nowValue = Map.of(":nowSec", AttributeValue.fromN(Long.toString(now())));
        TransactWriteItem reverse = TransactWriteItem.builder()
                .delete(Delete.builder()
                        .tableName(tableName)
                        .key(key("CONN#" + connectionId, "ROOM#" + room))
                        .conditionExpression(LIVE)
                        .expressionAttributeValues(nowValue)
                        .build())
                .build();
        TransactWriteItem member = TransactWriteItem.builder()
                .delete(Delete.builder()
                        .tableName(tableName)
                        .key(key("ROOM#" + room, "MEMBER#" + connectionId))
                        .build())
                .build();
        TransactWriteItem count = TransactWriteItem.builder()
                .update(Update.builder()
                        .tableName(tableName)
                        .key(metaKey(connectionId))
                        .updateExpression("SET " + ROOM_COUNT + " = " + ROOM_COUNT + " - :one")
                        .conditionExpression("attribute_exists(pk) AND " + ROOM_COUNT + " > :zero")
                        .expressionAttributeValues(
                                Map.of(":one", AttributeValue.fromN("1"), ":zero", AttributeValue.fromN("0")))
                        .build())
                .build();
        try {
            client.transactWriteItems(r -> r.transactItems(reverse, member, count));
            return true;
        } catch (TransactionCanceledException e) {
            if (conditionFailed(e, 0)) {
                return false;
            }
            if (!conditionFailed(e, 2)) {
                throw e;
            }
        }
        // no META (or no count: registered before it existed): the memberships alone
        try {
            client.transactWriteItems(r -> r.transactItems(reverse, member));
            return true;
        } catch (TransactionCanceledException e) {
            if (conditionFailed(e, 0)) {
                return false;
            }
            throw e;
        }
    }

    @Override
    public boolean isMember(String connectionId, String room) {
        TableItem item = table.getItem(r -> r.key(Key.builder()
                        .partitionValue("CONN#" + connectionId)
                        .sortValue("ROOM#" + room)
                        .build())
                .consistentRead(true));
        return item != null && !item.expired(now());
    }

    @Override
    public Optional<List<Member>> membersIfAtMost(String room, int cap) {
        var page = table.query(QueryEnhancedRequest.builder()
                        .queryConditional(QueryConditional.sortBeginsWith(
                                k -> k.partitionValue("ROOM#" + room).sortValue("MEMBER#")))
                        .attributesToProject(fanOutAttributes)
                        .consistentRead(true)
                        .limit(cap + 1)
                        .build())
                .iterator()
                .next();
        long now = now();
        List<Member> members = page.items().stream()
                .filter(i -> !i.expired(now))
                .map(DynamoChatStore::member)
                .toList();
        boolean more =
                page.lastEvaluatedKey() != null && !page.lastEvaluatedKey().isEmpty();
        return more || members.size() > cap ? Optional.empty() : Optional.of(members);
    }

    private static Map<String, AttributeValue> presenceKey(String room, String user) {
        // a partition of its own: queries of ROOM#r read members only
        return Map.of("pk", AttributeValue.fromS("PRESENCE#" + room), "sk", AttributeValue.fromS("USER#" + user));
    }

    @Override
    public PresenceState presenceState(String room, String user) {
        Map<String, AttributeValue> item = client.getItem(
                        r -> r.tableName(tableName).key(presenceKey(room, user)).consistentRead(true))
                .item();
        if (item == null || item.isEmpty() || expired(item, now())) {
            return null;
        }
        return new PresenceState(
                item.get("event").s(),
                Long.parseLong(item.get("at").n()),
                item.containsKey("pending") && item.get("pending").bool(),
                Long.parseLong(item.get("ver").n()));
    }

    @Override
    public boolean replacePresenceState(
            String room, String user, PresenceState expected, PresenceState next, long expiresAtSeconds) {
        Map<String, AttributeValue> item = new HashMap<>(presenceKey(room, user));
        item.put("event", AttributeValue.fromS(next.event()));
        item.put("at", AttributeValue.fromN(Long.toString(next.atMillis())));
        item.put("pending", AttributeValue.fromBool(next.pending()));
        item.put("ver", AttributeValue.fromN(Long.toString(next.version())));
        item.put("expiresAt", AttributeValue.fromN(Long.toString(expiresAtSeconds)));
        try {
            if (expected == null) {
                // none, or an expired one TTL has not deleted yet (presenceState reads that as none)
                client.putItem(r -> r.tableName(tableName)
                        .item(item)
                        .conditionExpression("attribute_not_exists(pk) OR expiresAt <= :nowSec")
                        .expressionAttributeValues(Map.of(":nowSec", AttributeValue.fromN(Long.toString(now())))));
            } else {
                client.putItem(r -> r.tableName(tableName)
                        .item(item)
                        .conditionExpression("ver = :v")
                        .expressionAttributeValues(
                                Map.of(":v", AttributeValue.fromN(Long.toString(expected.version())))));
            }
            return true;
        } catch (ConditionalCheckFailedException e) {
            return false;
        }
    }

    @Override
    public int countMembers(String room, int upTo) {
        return countQuery("ROOM#" + room, "MEMBER#", upTo);
    }

    /**
     * A {@code Select=COUNT} query: DynamoDB returns how many items matched, not the items, so a
     * count of 10,000 members moves a few bytes instead of every member's attributes. It still reads
     * (and is charged for) the items it counts, so it stops at {@code upTo}: {@code Limit} bounds the
     * items each page evaluates, and the loop ends once enough were counted. Expired items (TTL not yet
     * applied) are left out by the filter, as every read here does.
     * https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html#DDB-Query-request-Select
     */
    private int countQuery(String pk, String skPrefix, int upTo) {
        Map<String, AttributeValue> values = Map.of(
                ":pk",
                AttributeValue.fromS(pk),
                ":sk",
                AttributeValue.fromS(skPrefix),
                ":now",
                AttributeValue.fromN(Long.toString(now())));
        int count = 0;
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            int limit = Math.min(upTo - count, 1000);
            var page = client.query(r -> r.tableName(tableName)
                    .keyConditionExpression("pk = :pk AND begins_with(sk, :sk)")
                    .filterExpression("attribute_not_exists(expiresAt) OR expiresAt > :now")
                    .expressionAttributeValues(values)
                    .select(Select.COUNT)
                    .limit(limit)
                    .exclusiveStartKey(from));
            count += page.count();
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null && count < upTo);
        return Math.min(count, upTo);
    }

    /**
     * A 256-bit random key shared by every function instance, kept in the table (item
     * {@code KEY#name} / {@code KEY}): made by whichever instance needs it first (a conditional put,
     * so concurrent first uses agree), then read. Whoever can read the table can read it.
     */
    @Override
    public byte[] sharedKey(String name) {
        Map<String, AttributeValue> key =
                Map.of("pk", AttributeValue.fromS("KEY#" + name), "sk", AttributeValue.fromS("KEY"));
        for (int attempt = 0; attempt < 2; attempt++) {
            Map<String, AttributeValue> item = client.getItem(
                            r -> r.tableName(tableName).key(key).consistentRead(true))
                    .item();
            if (item != null && item.containsKey("secret")) {
                return item.get("secret").b().asByteArray();
            }
            byte[] fresh = new byte[32];
            new java.security.SecureRandom().nextBytes(fresh);
            Map<String, AttributeValue> put = new HashMap<>(key);
            put.put("secret", AttributeValue.fromB(software.amazon.awssdk.core.SdkBytes.fromByteArray(fresh)));
            try {
                client.putItem(r -> r.tableName(tableName).item(put).conditionExpression("attribute_not_exists(pk)"));
                return fresh;
            } catch (ConditionalCheckFailedException e) {
                // another instance made it first: read theirs
            }
        }
        throw new IllegalStateException("could not read or create the shared key '" + name + "' in table " + tableName);
    }

    @Override
    public Page<Member> members(String room, String afterConnectionId, int pageSize) {
        QueryEnhancedRequest.Builder request = QueryEnhancedRequest.builder()
                .queryConditional(QueryConditional.sortBeginsWith(
                        k -> k.partitionValue("ROOM#" + room).sortValue("MEMBER#")))
                .limit(pageSize);
        if (afterConnectionId != null) {
            request.exclusiveStartKey(Map.of(
                    "pk",
                    AttributeValue.fromS("ROOM#" + room),
                    "sk",
                    AttributeValue.fromS("MEMBER#" + afterConnectionId)));
        }
        var page = table.query(request.build()).iterator().next();
        long now = now();
        List<Member> members = page.items().stream()
                .filter(i -> !i.expired(now))
                .map(DynamoChatStore::member)
                .toList();
        Map<String, AttributeValue> last = page.lastEvaluatedKey();
        String next = last == null || last.isEmpty() ? null : last.get("sk").s().substring("MEMBER#".length());
        return new Page<>(members, next);
    }

    /**
     * What a fan-out reads of each recipient. A room of 1,000 is read for every message: returning
     * half the attributes halves what DynamoDB serialises and the SDK parses and copies per item.
     */
    private static final String[] FAN_OUT_ATTRIBUTES = {"connectionId", "user", "expiresAt", "tokenExp"};

    @Override
    public Page<Member> recipients(String room, String afterConnectionId, int pageSize) {
        QueryEnhancedRequest.Builder request = QueryEnhancedRequest.builder()
                .queryConditional(QueryConditional.sortBeginsWith(
                        k -> k.partitionValue("ROOM#" + room).sortValue("MEMBER#")))
                .attributesToProject(fanOutAttributes)
                .limit(pageSize);
        if (afterConnectionId != null) {
            request.exclusiveStartKey(key("ROOM#" + room, "MEMBER#" + afterConnectionId));
        }
        var page = table.query(request.build()).iterator().next();
        long now = now();
        List<Member> members = page.items().stream()
                .filter(i -> receives(i, now))
                .map(DynamoChatStore::member)
                .toList();
        Map<String, AttributeValue> last = page.lastEvaluatedKey();
        String next = last == null || last.isEmpty() ? null : last.get("sk").s().substring("MEMBER#".length());
        return new Page<>(members, next);
    }

    @Override
    public void forEachMemberPage(String room, int pageSize, Consumer<List<Member>> consumer) {
        String after = null;
        do {
            Page<Member> page = recipients(room, after, pageSize);
            if (!page.items().isEmpty()) {
                consumer.accept(page.items());
            }
            after = page.next();
        } while (after != null);
    }

    @Override
    public void forEachConnectionInShard(int shard, int pageSize, Consumer<List<Member>> consumer) {
        long now = now();
        for (var page : byShard.query(QueryEnhancedRequest.builder()
                .queryConditional(QueryConditional.keyEqualTo(k -> k.partitionValue("SHARD#" + shard)))
                .attributesToProject(fanOutAttributes)
                .limit(pageSize)
                .build())) {
            List<Member> members = page.items().stream()
                    .filter(i -> receives(i, now))
                    .map(DynamoChatStore::member)
                    .toList();
            if (!members.isEmpty()) {
                consumer.accept(members);
            }
        }
    }

    private static Member member(TableItem item) {
        return new Member(item.getConnectionId(), item.getUser(), Home.parse(item.getHome()));
    }

    /** A Query of one byShard partition with a filter: the read costs the whole shard (projected items, ~100 bytes each). */
    @Override
    public void forEachTokenExpiredConnection(
            int shard, long expiredBeforeSeconds, int pageSize, Consumer<List<Member>> consumer) {
        for (var page : byShard.query(QueryEnhancedRequest.builder()
                .queryConditional(QueryConditional.keyEqualTo(k -> k.partitionValue("SHARD#" + shard)))
                .filterExpression(Expression.builder()
                        .expression("tokenExp < :cutoff")
                        .putExpressionValue(":cutoff", AttributeValue.fromN(Long.toString(expiredBeforeSeconds)))
                        .build())
                .attributesToProject(fanOutAttributes)
                .limit(pageSize)
                .build())) {
            List<Member> expired =
                    page.items().stream().map(DynamoChatStore::member).toList();
            if (!expired.isEmpty()) {
                consumer.accept(expired);
            }
        }
    }

    @Override
    public List<Member> connectionsOf(String user) {
        long now = now();
        List<Member> members = new ArrayList<>();
        for (var page : byUser.query(QueryEnhancedRequest.builder()
                .queryConditional(QueryConditional.keyEqualTo(k -> k.partitionValue("USER#" + user)))
                .build())) {
            page.items().stream().filter(i -> receives(i, now)).forEach(i -> members.add(member(i)));
        }
        return members;
    }

    /**
     * One transaction, one round trip: the sender's membership of the room (checked, not written:
     * a ConditionCheck), the idempotency key (put only if new) and the message. A duplicate's
     * cancellation returns the first key item (ReturnValuesOnConditionCheckFailure), so a retried
     * send costs no extra read either.
     */
    @Override
    public SaveOutcome saveMessage(StoredMessage message, String idempotencyKey, String memberConnectionId) {
        long expiresAt = message.ts() / 1000 + messageRetentionSeconds;
        TableItem item = TableItem.of("ROOMMSG#" + message.room(), "MSG#" + message.id());
        item.setMessageId(message.id());
        item.setRoom(message.room());
        item.setUser(message.from());
        item.setText(message.text());
        item.setTs(message.ts());
        item.setExpiresAt(expiresAt);
        List<TransactWriteItem> writes = new ArrayList<>();
        writes.add(TransactWriteItem.builder()
                .conditionCheck(ConditionCheck.builder()
                        .tableName(tableName)
                        .key(key("CONN#" + memberConnectionId, "ROOM#" + message.room()))
                        .conditionExpression(LIVE)
                        .expressionAttributeValues(Map.of(":nowSec", AttributeValue.fromN(Long.toString(now()))))
                        .build())
                .build());
        writes.add(TransactWriteItem.builder()
                .put(Put.builder()
                        .tableName(tableName)
                        .item(TableItem.SCHEMA.itemToMap(item, true))
                        .build())
                .build());
        if (idempotencyKey != null) {
            TableItem idempotency = TableItem.of("IDEM#" + idempotencyKey, "IDEM");
            idempotency.setMessageId(message.id());
            idempotency.setRoom(message.room());
            idempotency.setUser(message.from());
            idempotency.setTs(message.ts());
            idempotency.setExpiresAt(expiresAt);
            writes.add(TransactWriteItem.builder()
                    .put(idempotencyKeyPut(idempotency))
                    .build());
        }
        try {
            client.transactWriteItems(r -> r.transactItems(writes));
            return new SaveOutcome(message, false, false);
        } catch (TransactionCanceledException e) {
            if (conditionFailed(e, 0)) {
                throw new NotMemberException(memberConnectionId, message.room());
            }
            if (idempotencyKey == null || !conditionFailed(e, 2)) {
                throw e;
            }
            Map<String, AttributeValue> old = e.cancellationReasons().get(2).item();
            TableItem first = old != null && !old.isEmpty()
                    ? TableItem.SCHEMA.mapToItem(old)
                    : table.getItem(r -> r.key(Key.builder()
                                    .partitionValue("IDEM#" + idempotencyKey)
                                    .sortValue("IDEM")
                                    .build())
                            .consistentRead(true));
            boolean fannedOut = Boolean.TRUE.equals(first.getFanOutDone());
            String text = message.text();
            if (!fannedOut) {
                // it will be delivered again: with the text that was stored, whatever this retry carries
                TableItem stored = table.getItem(r -> r.key(Key.builder()
                                .partitionValue("ROOMMSG#" + first.getRoom())
                                .sortValue("MSG#" + first.getMessageId())
                                .build())
                        .consistentRead(true));
                if (stored != null && Boolean.TRUE.equals(stored.getDeleted())) {
                    fannedOut = true; // deleted by its author since: never delivered again
                } else if (stored != null && stored.getText() != null) {
                    text = stored.getText(); // the latest version, if it was edited meanwhile
                }
            }
            return new SaveOutcome(
                    new StoredMessage(first.getRoom(), first.getMessageId(), first.getUser(), text, first.getTs()),
                    true,
                    fannedOut);
        }
    }

    /**
     * One UpdateItem on the idempotency item, only if it still exists (never creates a stub): an
     * extra write unit per send with a {@code clientMsgId}, the price of knowing a retry need not be
     * delivered again.
     */
    @Override
    public void markFannedOut(String idempotencyKey) {
        try {
            client.updateItem(r -> r.tableName(tableName)
                    .key(Map.of(
                            "pk", AttributeValue.fromS("IDEM#" + idempotencyKey), "sk", AttributeValue.fromS("IDEM")))
                    .updateExpression("SET fanOutDone = :done")
                    .conditionExpression("attribute_exists(pk)")
                    .expressionAttributeValues(Map.of(":done", AttributeValue.fromBool(true))));
        } catch (ConditionalCheckFailedException e) {
            // expired meanwhile: a retry now is a new send anyway
        }
    }

    private static boolean conflict(TransactionCanceledException e) {
        return e.cancellationReasons() != null
                && e.cancellationReasons().stream().anyMatch(r -> "TransactionConflict".equals(r.code()));
    }

    private static boolean conditionFailed(TransactionCanceledException e, int index) {
        List<CancellationReason> reasons = e.cancellationReasons();
        return reasons != null
                && reasons.size() > index
                && "ConditionalCheckFailed".equals(reasons.get(index).code());
    }

    @Override
    public Page<StoredMessage> history(String room, String afterId, int limit) {
        long now = now();
        QueryEnhancedRequest.Builder request = QueryEnhancedRequest.builder().limit(limit + 1);
        if (afterId != null) {
            request.queryConditional(QueryConditional.sortGreaterThan(
                            k -> k.partitionValue("ROOMMSG#" + room).sortValue("MSG#" + afterId)))
                    .scanIndexForward(true);
        } else {
            request.queryConditional(QueryConditional.sortBeginsWith(
                            k -> k.partitionValue("ROOMMSG#" + room).sortValue("MSG#")))
                    .scanIndexForward(false);
        }
        List<StoredMessage> messages = new ArrayList<>();
        var page = table.query(request.build()).iterator().next();
        for (TableItem item : page.items()) {
            if (!item.expired(now)) {
                messages.add(toMessage(room, item));
            }
        }
        boolean more = messages.size() > limit;
        if (more) {
            messages = new ArrayList<>(messages.subList(0, limit));
        }
        if (afterId == null) {
            java.util.Collections.reverse(messages); // newest page, shown oldest first
        }
        String next = more ? messages.get(messages.size() - 1).id() : null;
        return new Page<>(messages, next);
    }

    /** See {@link DynamoInbox}: items and per-day counters in the user's INBOX# partition. */
    @Override
    public boolean putInboxItem(String user, InboxItem item, long retainUntilSeconds) {
        return inbox.put(user, item, retainUntilSeconds);
    }

    /**
     * One transaction (the inbox's item and day counter, {@link DynamoInbox}, plus the idempotency key,
     * put only if new), as {@link #saveMessage} does for a send. A duplicate's cancellation returns the
     * first key item; its inbox item is read again (one consistent GetItem) only when it must be
     * delivered again. The key item expires with the inbox item. Keys of directs ({@code user#direct>to#id})
     * never collide with a send's ({@code user#room#id}): names hold no {@code >}.
     */
    @Override
    public DirectOutcome saveDirect(
            String to, InboxItem item, long retainUntilSeconds, String idempotencyKey, boolean delivered) {
        if (idempotencyKey == null) {
            inbox.put(to, item, retainUntilSeconds);
            return new DirectOutcome(item, false, false);
        }
        TableItem idempotency = TableItem.of("IDEM#" + idempotencyKey, "IDEM");
        idempotency.setMessageId(item.id());
        idempotency.setUser(item.from());
        idempotency.setTs(item.ts());
        idempotency.setExpiresAt(DynamoInbox.expiresAt(retainUntilSeconds));
        if (delivered) {
            idempotency.setFanOutDone(true);
        }
        TransactWriteItem key =
                TransactWriteItem.builder().put(idempotencyKeyPut(idempotency)).build();
        for (int attempt = 0; ; attempt++) {
            try {
                inbox.put(to, item, retainUntilSeconds, key);
                return new DirectOutcome(item, false, false);
            } catch (TransactionCanceledException e) {
                if (conditionFailed(e, 2)) {
                    return firstDirect(
                            to,
                            item,
                            idempotencyKey,
                            e.cancellationReasons().get(2).item());
                }
                if (!conflict(e) || attempt == 2) {
                    throw e;
                }
                // TransactionConflict: a retry arriving while the first is being written (frames of one
                // connection run concurrently); tried again, it finds the first's key
            }
        }
    }

    /** The direct first saved under {@code idempotencyKey}, whose key item is {@code old} (or read again). */
    private DirectOutcome firstDirect(
            String to, InboxItem retry, String idempotencyKey, Map<String, AttributeValue> old) {
        TableItem first = old != null && !old.isEmpty()
                ? TableItem.SCHEMA.mapToItem(old)
                : table.getItem(r -> r.key(Key.builder()
                                .partitionValue("IDEM#" + idempotencyKey)
                                .sortValue("IDEM")
                                .build())
                        .consistentRead(true));
        boolean fannedOut = Boolean.TRUE.equals(first.getFanOutDone());
        InboxItem stored = fannedOut ? null : inbox.get(to, first.getMessageId());
        if (stored == null) {
            // delivered, or expired meanwhile: acknowledged with the first id, not delivered again
            stored = InboxItem.direct(first.getMessageId(), retry.from(), retry.name(), retry.text(), first.getTs());
            fannedOut = true;
        }
        return new DirectOutcome(stored, true, fannedOut);
    }

    private static StoredMessage toMessage(String room, TableItem item) {
        return new StoredMessage(
                room,
                item.getMessageId(),
                item.getUser(),
                item.getText(),
                item.getTs() == null ? 0 : item.getTs(),
                item.getEditedAt(),
                Boolean.TRUE.equals(item.getDeleted()));
    }

    @Override
    public Optional<StoredMessage> message(String room, String id) {
        TableItem item = table.getItem(r -> r.key(Key.builder()
                        .partitionValue("ROOMMSG#" + room)
                        .sortValue("MSG#" + id)
                        .build())
                .consistentRead(true));
        return item == null || item.expired(now()) ? Optional.empty() : Optional.of(toMessage(room, item));
    }

    /**
     * One transaction (one round trip, two write units per item, so six): the membership check, the
     * message's update conditional on it still being {@code current} (optimistic: no lock), and the
     * earlier version's put. The version item expires with the message (its retention counts from
     * the send), so no version outlives the message it belongs to.
     */
    @Override
    public ReplaceOutcome replaceMessage(StoredMessage current, StoredMessage next, String memberConnectionId) {
        long at = next.editedAt();
        Map<String, AttributeValue> values = new HashMap<>();
        values.put(":old", AttributeValue.fromS(current.text()));
        values.put(":at", AttributeValue.fromN(Long.toString(at)));
        String update;
        if (next.deleted()) {
            update = "SET deleted = :true, editedAt = :at REMOVE #text";
            values.put(":true", AttributeValue.fromBool(true));
        } else {
            update = "SET #text = :new, editedAt = :at";
            values.put(":new", AttributeValue.fromS(next.text()));
        }
        TransactWriteItem member = TransactWriteItem.builder()
                .conditionCheck(ConditionCheck.builder()
                        .tableName(tableName)
                        .key(key("CONN#" + memberConnectionId, "ROOM#" + current.room()))
                        .conditionExpression(LIVE)
                        .expressionAttributeValues(Map.of(":nowSec", AttributeValue.fromN(Long.toString(now()))))
                        .build())
                .build();
        TransactWriteItem message = TransactWriteItem.builder()
                .update(Update.builder()
                        .tableName(tableName)
                        .key(key("ROOMMSG#" + current.room(), "MSG#" + current.id()))
                        .updateExpression(update)
                        .conditionExpression("attribute_exists(pk) AND #text = :old AND attribute_not_exists(deleted)")
                        .expressionAttributeNames(Map.of("#text", "text"))
                        .expressionAttributeValues(values)
                        .build())
                .build();
        TableItem version =
                TableItem.of("MSGVER#" + current.room(), "MSG#" + current.id() + "#" + String.format("%013d", at));
        version.setMessageId(current.id());
        version.setRoom(current.room());
        version.setUser(current.from());
        version.setText(current.text());
        version.setTs(current.ts());
        version.setEditedAt(current.editedAt());
        version.setExpiresAt(current.ts() / 1000 + messageRetentionSeconds);
        TransactWriteItem earlier = TransactWriteItem.builder()
                .put(Put.builder()
                        .tableName(tableName)
                        .item(TableItem.SCHEMA.itemToMap(version, true))
                        .build())
                .build();
        try {
            client.transactWriteItems(r -> r.transactItems(member, message, earlier));
            return ReplaceOutcome.REPLACED;
        } catch (TransactionCanceledException e) {
            if (conditionFailed(e, 0)) {
                return ReplaceOutcome.NOT_MEMBER;
            }
            if (conditionFailed(e, 1)) {
                return ReplaceOutcome.CHANGED;
            }
            throw e;
        }
    }

    /**
     * Whether a raw item's TTL ({@code expiresAt}, epoch seconds) has passed. DynamoDB deletes expired
     * items in the background, "typically within two days of expiration", and until then they "still
     * show up in reads, queries, and scans" (API_UpdateTimeToLive), so every read here checks the TTL
     * rather than trusting deletion (DynamoDB Local never deletes them at all):
     * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ttl-expired-items.html
     */
    private static boolean expired(Map<String, AttributeValue> item, long nowSeconds) {
        AttributeValue expires = item.get("expiresAt");
        return expires != null && expires.n() != null && Long.parseLong(expires.n()) <= nowSeconds;
    }

    private static Map<String, AttributeValue> readKey(String room, String user) {
        return key("READ#" + room, "USER#" + user);
    }

    /**
     * One consistent BatchGetItem (the membership and the message, one round trip, two read units),
     * then one conditional UpdateItem: message ids sort by time, so {@code messageId < :id} keeps the
     * receipt monotonic under any order of concurrent receipts. A receipt that would move it back
     * returns the item as it is (ReturnValuesOnConditionCheckFailure), with no extra read.
     */
    @Override
    public ReadOutcome recordRead(String memberConnectionId, String room, String user, String messageId) {
        Map<String, AttributeValue> memberKey = key("CONN#" + memberConnectionId, "ROOM#" + room);
        Map<String, AttributeValue> messageKey = key("ROOMMSG#" + room, "MSG#" + messageId);
        var response = client.batchGetItem(r -> r.requestItems(Map.of(
                tableName,
                KeysAndAttributes.builder()
                        .keys(memberKey, messageKey)
                        .consistentRead(true)
                        .projectionExpression("pk, sk, expiresAt")
                        .build())));
        List<Map<String, AttributeValue>> found =
                new ArrayList<>(response.responses().getOrDefault(tableName, List.of()));
        KeysAndAttributes unread = response.unprocessedKeys().get(tableName);
        if (unread != null && !unread.keys().isEmpty()) {
            // throttled: read what is left one by one rather than refuse a valid receipt
            for (Map<String, AttributeValue> k : unread.keys()) {
                Map<String, AttributeValue> item = client.getItem(
                                r -> r.tableName(tableName).key(k).consistentRead(true))
                        .item();
                if (item != null && !item.isEmpty()) {
                    found.add(item);
                }
            }
        }
        long now = now();
        boolean member = false;
        boolean message = false;
        for (Map<String, AttributeValue> item : found) {
            AttributeValue expires = item.get("expiresAt");
            if (expires != null && Long.parseLong(expires.n()) <= now) {
                continue;
            }
            member |= item.get("pk").s().equals("CONN#" + memberConnectionId);
            message |= item.get("pk").s().equals("ROOMMSG#" + room);
        }
        if (!member) {
            return new ReadOutcome(ReadStatus.NOT_MEMBER, null);
        }
        if (!message) {
            return new ReadOutcome(ReadStatus.NO_MESSAGE, null);
        }
        try {
            client.updateItem(r -> r.tableName(tableName)
                    .key(readKey(room, user))
                    .updateExpression("SET messageId = :id, ts = :now, expiresAt = :exp")
                    // an expired receipt (TTL not yet run) is no receipt
                    .conditionExpression("attribute_not_exists(messageId) OR messageId < :id OR expiresAt <= :nowSec")
                    .expressionAttributeValues(Map.of(
                            ":id",
                            AttributeValue.fromS(messageId),
                            ":now",
                            AttributeValue.fromN(Long.toString(clock.millis())),
                            // kept as long as a message: older receipts point only at expired messages
                            ":exp",
                            AttributeValue.fromN(Long.toString(now + messageRetentionSeconds)),
                            ":nowSec",
                            AttributeValue.fromN(Long.toString(now))))
                    .returnValuesOnConditionCheckFailure(ReturnValuesOnConditionCheckFailure.ALL_OLD));
            return new ReadOutcome(ReadStatus.MOVED, messageId);
        } catch (ConditionalCheckFailedException e) {
            String last = e.hasItem() && e.item().containsKey("messageId")
                    ? e.item().get("messageId").s()
                    : messageId;
            return new ReadOutcome(ReadStatus.NOT_MOVED, last);
        }
    }

    @Override
    public String lastRead(String room, String user) {
        Map<String, AttributeValue> item = client.getItem(
                        r -> r.tableName(tableName).key(readKey(room, user)).consistentRead(true))
                .item();
        return item == null || !item.containsKey("messageId") || expired(item, now())
                ? null
                : item.get("messageId").s();
    }

    /**
     * {@code Select=COUNT} queries of the room's messages after {@code afterId}, filtered to others'
     * messages not deleted and not expired. DynamoDB charges for what it evaluates, not what it
     * counts, so the query evaluates at most {@code 2 * upTo} items (a few read units at 100).
     */
    @Override
    public int countUnread(String room, String user, String afterId, int upTo) {
        Map<String, AttributeValue> values = Map.of(
                ":pk",
                AttributeValue.fromS("ROOMMSG#" + room),
                ":after",
                AttributeValue.fromS("MSG#" + (afterId == null ? "" : afterId)),
                ":me",
                AttributeValue.fromS(user),
                ":now",
                AttributeValue.fromN(Long.toString(now())));
        int budget = 2 * upTo;
        int count = 0;
        int evaluated = 0;
        Map<String, AttributeValue> start = null;
        do {
            Map<String, AttributeValue> from = start;
            int limit = budget - evaluated;
            var page = client.query(r -> r.tableName(tableName)
                    .keyConditionExpression("pk = :pk AND sk > :after")
                    .filterExpression(
                            "#user <> :me AND attribute_not_exists(deleted) AND (attribute_not_exists(expiresAt) OR expiresAt > :now)")
                    .expressionAttributeNames(Map.of("#user", "user"))
                    .expressionAttributeValues(values)
                    .select(Select.COUNT)
                    .limit(limit)
                    .exclusiveStartKey(from));
            count += page.count();
            evaluated += page.scannedCount();
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null && count < upTo && evaluated < budget);
        return start != null && count < upTo ? upTo : Math.min(count, upTo);
    }

    @Override
    public Page<InboxItem> inbox(String user, String beforeId, int limit) {
        return inbox.page(user, beforeId, limit);
    }

    @Override
    public InboxCounts inboxCounts(String user) {
        return inbox.counts(user);
    }

    @Override
    public MarkOutcome markInbox(String user, List<String> ids, InboxState state) {
        return inbox.mark(user, ids, state);
    }
}
