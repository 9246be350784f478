package dev.switchboard.local;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.Shard;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

/**
 * A DynamoDB global table's replication, between the replicas of one table that each region's
 * DynamoDB Local holds (issue 20, {@code --replication-lag}). Each replica's writes are read from
 * its DynamoDB Stream (NEW_AND_OLD_IMAGES, as global tables require) and applied to every other
 * replica once {@code lag} has passed since the write: a put of the new image, or a delete. Items
 * replicate one by one, so a transaction's items may arrive in another region at different times,
 * as AWS documents ("items are replicated individually"; bp-global-table-design.html).
 *
 * <p>Conflicts are settled as global tables (version 2019.11.21, multi-Region eventual consistency)
 * settle them, last writer wins: when an item is written in two regions before either write has
 * replicated, every replica ends with the later write
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_HowItWorks.html,
 * conflict resolution). Here "later" is the time this replicator read the write from its stream (DynamoDB
 * Local's {@code ApproximateCreationDateTime} has whole seconds only), ties going to the greater
 * region name. A replicated write older than the item's version in the target is dropped; one that
 * landed on a newer local write not yet read is undone by writing the newer image back.
 *
 * <p>The lag is what CloudWatch reports as {@code ReplicationLatency}: "the elapsed time between
 * when an item is written to a replica table, and when that item appears in another replica"
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/V2globaltables_monitoring.html),
 * per pair of regions; AWS publishes no fixed figure (sub-second within a continent is common, more
 * across oceans or when a region is degraded). Here it is a floor, never less: a write is applied no
 * sooner than {@code lag} after it was read, itself up to one {@link #POLL} after the write. Writes
 * made by this replicator are recognised in the target's stream (same keys and image, just
 * applied) and not replicated back.
 */
public final class Replication implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard.replication");
    /** How often each replica's stream is read: the lag's resolution. */
    static final Duration POLL = Duration.ofMillis(50);
    /** Versions of items older than this (beyond the lag) cannot take part in a conflict any more. */
    private static final long FORGET_AFTER_MS = 60_000;

    /** An item's version in one replica: when it was written (ms since the epoch) and its image (null = deleted). */
    private record Version(long writtenAt, String origin, Map<String, AttributeValue> image) {
        boolean newerThan(long t, String region) {
            // equal times: the lexically greater region wins, the same everywhere so replicas agree
            return writtenAt > t || (writtenAt == t && origin.compareTo(region) > 0);
        }
    }

    /** A write of {@code origin} waiting to be applied to {@code target} at {@code dueAt}. */
    private record Pending(
            long dueAt,
            long writtenAt,
            String origin,
            String target,
            Map<String, AttributeValue> keys,
            Map<String, AttributeValue> image) {}

    /** A write this replicator made, expected back in the target's stream. */
    private record Echo(Map<String, AttributeValue> keys, Map<String, AttributeValue> image, long writtenAt) {}

    private final class Replica {
        final String region;
        final DynamoDbClient db;
        final DynamoDbStreamsClient streams;
        final String streamArn;
        final Map<String, String> iterators = new LinkedHashMap<>();
        final java.util.Set<String> finishedShards = new java.util.HashSet<>();
        final Map<Map<String, AttributeValue>, Version> versions = new HashMap<>();
        final List<Echo> echoes = new ArrayList<>();
        long lastDescribe;

        Replica(String region, URI endpoint) {
            this.region = region;
            var credentials = StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"));
            this.db = DynamoDbClient.builder()
                    .endpointOverride(endpoint)
                    .region(Region.of(region))
                    .credentialsProvider(credentials)
                    .build();
            this.streams = DynamoDbStreamsClient.builder()
                    .endpointOverride(endpoint)
                    .region(Region.of(region))
                    .credentialsProvider(credentials)
                    .build();
            var table = db.describeTable(r -> r.tableName(tableName)).table();
            if (table.latestStreamArn() == null
                    || table.streamSpecification() == null
                    || !Boolean.TRUE.equals(table.streamSpecification().streamEnabled())) {
                db.updateTable(r -> r.tableName(tableName)
                        .streamSpecification(
                                s -> s.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)));
                table = db.describeTable(r -> r.tableName(tableName)).table();
            }
            this.streamArn = table.latestStreamArn();
            // what is already in the stream was written before replication started (a persisted replica): not replayed
            discoverShards(ShardIteratorType.LATEST);
        }

        void discoverShards(ShardIteratorType from) {
            lastDescribe = System.currentTimeMillis();
            String start = null;
            do {
                String exclusiveStart = start;
                var description = streams.describeStream(
                                r -> r.streamArn(streamArn).exclusiveStartShardId(exclusiveStart))
                        .streamDescription();
                for (Shard shard : description.shards()) {
                    if (!iterators.containsKey(shard.shardId()) && !finishedShards.contains(shard.shardId())) {
                        iterators.put(
                                shard.shardId(),
                                streams.getShardIterator(r -> r.streamArn(streamArn)
                                                .shardId(shard.shardId())
                                                .shardIteratorType(from))
                                        .shardIterator());
                    }
                }
                start = description.lastEvaluatedShardId();
            } while (start != null);
        }

        void close() {
            db.close();
            streams.close();
        }
    }

    private final String tableName;
    private final Duration lag;
    private final Map<String, Replica> replicas = new LinkedHashMap<>();
    private final PriorityQueue<Pending> pending = new PriorityQueue<>((a, b) -> Long.compare(a.dueAt, b.dueAt));
    private final Thread thread;
    private volatile boolean running = true;
    private boolean held;
    /** Start time of the last poll round that read every replica's stream to its end. */
    private long drainedThrough;
    /** When that round finished reading: every write it read has a time at most this. */
    private long drainedAt;

    private long applied;
    private long dropped;
    private long repaired;
    private long maxLagMs;
    private long minLagMs = Long.MAX_VALUE;
    private long sumLagMs;

    private Replication(String tableName, Duration lag) {
        this.tableName = tableName;
        this.lag = lag;
        this.thread = new Thread(this::run, "replication");
        thread.setDaemon(true);
    }

    /**
     * Starts replicating between the replicas of {@code tableName} at {@code endpoints} (region name
     * to that region's DynamoDB Local), enabling each replica's stream if it is off. Writes made from
     * now on are replicated; what the streams held before is not.
     *
     * @param lag how long after a write it reaches the other replicas, at least; zero = as soon as read
     * @throws software.amazon.awssdk.core.exception.SdkException when a replica cannot be reached or has no such table
     */
    public static Replication start(Map<String, URI> endpoints, String tableName, Duration lag) {
        Replication replication = new Replication(tableName, lag);
        try {
            endpoints.forEach(
                    (region, endpoint) -> replication.replicas.put(region, replication.new Replica(region, endpoint)));
        } catch (RuntimeException e) {
            replication.replicas.values().forEach(Replica::close);
            throw e;
        }
        replication.thread.start();
        LOG.info("replicating {} between {} with a lag of {} ms", tableName, endpoints.keySet(), lag.toMillis());
        return replication;
    }

    /** The configured lag: the least time between a write and its copy in another replica. */
    public Duration lag() {
        return lag;
    }

    /**
     * Holds every replicated write back until {@link #release()}, as if the lag were longer than
     * the test that calls it: "within the lag", made deterministic. Writes go on being read.
     */
    public synchronized void hold() {
        held = true;
    }

    /** Ends {@link #hold()}: what is due is applied at the next poll. */
    public synchronized void release() {
        held = false;
        notifyAll();
    }

    /**
     * Waits until every write made in any replica before this call is in every other replica (or
     * lost its conflict), e.g. before a test reads another region.
     *
     * @param timeout how long to wait at most
     * @throws IllegalStateException when the writes are not all replicated within {@code timeout},
     *     e.g. because replication is held
     * @throws InterruptedException when interrupted while waiting
     */
    public synchronized void awaitReplicated(Duration timeout) throws InterruptedException {
        long since = System.currentTimeMillis();
        long deadline = System.nanoTime() + timeout.toNanos();
        // A write made before this call is read by the end of the first round that starts after it, and its time
        // (when it was read) is at most that round's end: everything pending up to then must be applied.
        long cutoff = -1;
        while (true) {
            if (cutoff < 0 && drainedThrough > since) {
                cutoff = drainedAt;
            }
            long readBy = cutoff;
            if (readBy >= 0 && pending.stream().noneMatch(p -> p.writtenAt <= readBy)) {
                return;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0 || !running) {
                throw new IllegalStateException("writes made before " + java.time.Instant.ofEpochMilli(since)
                        + " are not replicated within " + timeout + (held ? " (replication is held: release() it)" : "")
                        + "; " + pending.size() + " pending");
            }
            TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, POLL.toNanos() * 4));
        }
    }

    /**
     * Waits until every replica's stream has been read past this call (held or not), so a write
     * made before it has its time and is queued for the other replicas.
     *
     * @throws IllegalStateException when that takes longer than {@code timeout}
     * @throws InterruptedException when interrupted while waiting
     */
    public synchronized void awaitRead(Duration timeout) throws InterruptedException {
        long since = System.currentTimeMillis();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (drainedThrough <= since) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !running) {
                throw new IllegalStateException("the replicas' streams were not read within " + timeout);
            }
            TimeUnit.NANOSECONDS.timedWait(this, Math.min(left, POLL.toNanos() * 4));
        }
    }

    /**
     * What replication did so far: writes applied to another replica, writes dropped because the
     * target held a newer version, newer versions written back, and the lag measured from a write's
     * stream time to the end of its copy (ms; zero before the first copy).
     */
    public record Stats(long applied, long dropped, long repaired, long minLagMs, long meanLagMs, long maxLagMs) {}

    /** What replication did so far ({@link Stats}). */
    public synchronized Stats stats() {
        return new Stats(
                applied,
                dropped,
                repaired,
                applied == 0 ? 0 : minLagMs,
                applied == 0 ? 0 : sumLagMs / applied,
                maxLagMs);
    }

    private void run() {
        long lastForget = System.currentTimeMillis();
        while (running) {
            try {
                long roundStart = System.currentTimeMillis();
                for (Replica replica : replicas.values()) {
                    drain(replica);
                }
                synchronized (this) {
                    drainedThrough = roundStart;
                    drainedAt = System.currentTimeMillis();
                    applyDue();
                    notifyAll();
                }
                if (roundStart - lastForget > FORGET_AFTER_MS) {
                    forget(roundStart - FORGET_AFTER_MS - lag.toMillis());
                    lastForget = roundStart;
                }
                synchronized (this) {
                    long next = pending.isEmpty() || held ? Long.MAX_VALUE : pending.peek().dueAt;
                    long wait = Math.min(POLL.toMillis(), Math.max(1, next - System.currentTimeMillis()));
                    if (running) {
                        wait(wait);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (running) {
                    // a replica stopping under the replicator (the cloud closing) or a transient failure: retried
                    LOG.warn("replication round failed, retrying: {}", e.toString());
                    try {
                        Thread.sleep(POLL.toMillis() * 10);
                    } catch (InterruptedException stop) {
                        return;
                    }
                }
            }
        }
    }

    /** Reads a replica's stream to its end: its own writes are queued for the others, echoes consumed. */
    private void drain(Replica replica) {
        if (System.currentTimeMillis() - replica.lastDescribe > 1000) {
            // shards roll over; a new one is read from its start
            replica.discoverShards(ShardIteratorType.TRIM_HORIZON);
        }
        List<Echo> before;
        synchronized (this) {
            before = List.copyOf(replica.echoes);
        }
        for (Iterator<Map.Entry<String, String>> it =
                        replica.iterators.entrySet().iterator();
                it.hasNext(); ) {
            Map.Entry<String, String> shard = it.next();
            String iterator = shard.getValue();
            while (iterator != null) {
                String current = iterator;
                GetRecordsResponse page = replica.streams.getRecords(r -> r.shardIterator(current));
                long observedAt = System.currentTimeMillis();
                for (Record record : page.records()) {
                    observe(replica, record, observedAt);
                }
                iterator = page.nextShardIterator();
                if (page.records().isEmpty()) {
                    break;
                }
            }
            if (iterator == null) {
                replica.finishedShards.add(shard.getKey());
                it.remove();
            } else {
                shard.setValue(iterator);
            }
        }
        synchronized (this) {
            // writes made before this drain began are in the stream by now: what was not seen never will be
            // (a put that changed nothing writes no record)
            replica.echoes.removeAll(before);
        }
    }

    private synchronized void observe(Replica replica, Record record, long observedAt) {
        Map<String, AttributeValue> keys = record.dynamodb().keys();
        Map<String, AttributeValue> image = record.eventName() == OperationType.REMOVE
                ? null
                : record.dynamodb().newImage();
        for (Iterator<Echo> it = replica.echoes.iterator(); it.hasNext(); ) {
            Echo echo = it.next();
            if (echo.keys.equals(keys) && java.util.Objects.equals(echo.image, image)) {
                it.remove();
                Version current = replica.versions.get(keys);
                if (current != null
                        && current.writtenAt > echo.writtenAt
                        && !java.util.Objects.equals(current.image, image)) {
                    // our copy landed on a newer write made here meanwhile: the newer one wins, as on every replica
                    write(replica, keys, current.image, current.writtenAt);
                    repaired++;
                }
                return;
            }
        }
        // DynamoDB Local's approximateCreationDateTime is whole seconds: the write's time is when it was read instead
        // (later than the write, so the lag stays a floor), and after the version this replica held (a region writes
        // after what it has seen).
        Version previous = replica.versions.get(keys);
        long writtenAt = Math.max(observedAt, previous == null ? 0 : previous.writtenAt + 1);
        replica.versions.put(keys, new Version(writtenAt, replica.region, image));
        for (Replica other : replicas.values()) {
            if (other != replica) {
                pending.add(
                        new Pending(writtenAt + lag.toMillis(), writtenAt, replica.region, other.region, keys, image));
            }
        }
    }

    private void applyDue() {
        long now = System.currentTimeMillis();
        while (!held && !pending.isEmpty() && pending.peek().dueAt <= now) {
            Pending p = pending.poll();
            Replica target = replicas.get(p.target);
            Version current = target.versions.get(p.keys);
            if (current != null && current.newerThan(p.writtenAt, p.origin)) {
                dropped++;
                continue;
            }
            write(target, p.keys, p.image, p.writtenAt);
            target.versions.put(p.keys, new Version(p.writtenAt, p.origin, p.image));
            long lagMs = System.currentTimeMillis() - p.writtenAt;
            applied++;
            sumLagMs += lagMs;
            minLagMs = Math.min(minLagMs, lagMs);
            maxLagMs = Math.max(maxLagMs, lagMs);
        }
    }

    private void write(Replica target, Map<String, AttributeValue> keys, Map<String, AttributeValue> image, long at) {
        if (image == null) {
            target.db.deleteItem(r -> r.tableName(tableName).key(keys));
        } else {
            target.db.putItem(r -> r.tableName(tableName).item(image));
        }
        target.echoes.add(new Echo(keys, image, at));
    }

    private synchronized void forget(long before) {
        for (Replica replica : replicas.values()) {
            replica.versions.values().removeIf(v -> v.writtenAt < before);
        }
    }

    @Override
    public void close() {
        running = false;
        synchronized (this) {
            notifyAll();
        }
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        replicas.values().forEach(Replica::close);
    }
}
