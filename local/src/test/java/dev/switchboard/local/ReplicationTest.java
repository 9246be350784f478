package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * {@link Replication} between two DynamoDB Local replicas of one table (two servers in this JVM), as
 * {@code --regions us-east-1,eu-west-1 --replication-lag} runs it: a write reaches the other replica
 * no sooner than the lag, deletes replicate, conflicting writes end the same in both (last writer
 * wins), and nothing echoes back.
 */
class ReplicationTest {
    static final String TABLE = "chat";
    static final LocalTemplate.TableDef DEF = new LocalTemplate.TableDef(
            TABLE, Map.of("pk", "S", "sk", "S"), "pk", "sk", List.of(), "expiresAt", List.of("us-east-1", "eu-west-1"));

    DynamoDbLocal us;
    DynamoDbLocal eu;
    DynamoDbClient usDb;
    DynamoDbClient euDb;
    Replication replication;

    @BeforeEach
    void start() throws Exception {
        us = DynamoDbLocal.start(null, 0, null);
        eu = DynamoDbLocal.start(null, 0, null);
        DynamoDbLocal.createTable(URI.create(us.endpoint()), DEF, "us-east-1");
        DynamoDbLocal.createTable(URI.create(eu.endpoint()), DEF, "eu-west-1");
        usDb = client(us, "us-east-1");
        euDb = client(eu, "eu-west-1");
    }

    @AfterEach
    void stop() throws Exception {
        if (replication != null) {
            replication.close();
        }
        usDb.close();
        euDb.close();
        us.close();
        eu.close();
    }

    static DynamoDbClient client(DynamoDbLocal db, String region) {
        return DynamoDbClient.builder()
                .endpointOverride(URI.create(db.endpoint()))
                .region(Region.of(region))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .build();
    }

    void replicate(Duration lag) {
        Map<String, URI> endpoints = new LinkedHashMap<>();
        endpoints.put("us-east-1", URI.create(us.endpoint()));
        endpoints.put("eu-west-1", URI.create(eu.endpoint()));
        replication = Replication.start(endpoints, TABLE, lag);
    }

    static Map<String, AttributeValue> key(String pk) {
        return Map.of("pk", AttributeValue.fromS(pk), "sk", AttributeValue.fromS("META"));
    }

    static Map<String, AttributeValue> item(String pk, String text) {
        Map<String, AttributeValue> item = new LinkedHashMap<>(key(pk));
        item.put("text", AttributeValue.fromS(text));
        return item;
    }

    static Map<String, AttributeValue> get(DynamoDbClient db, String pk) {
        var response = db.getItem(r -> r.tableName(TABLE).key(key(pk)).consistentRead(true));
        return response.hasItem() ? response.item() : null;
    }

    @Test
    void aWrite_reachesTheOtherReplica_noSoonerThanTheLag() throws Exception {
        Duration lag = Duration.ofMillis(1500);
        replicate(lag);
        long before = System.currentTimeMillis();
        usDb.putItem(r -> r.tableName(TABLE).item(item("ROOM#a", "hi")));
        long written = System.currentTimeMillis();

        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> get(euDb, "ROOM#a") != null);
        long seen = System.currentTimeMillis();

        assertThat(get(euDb, "ROOM#a")).isEqualTo(item("ROOM#a", "hi"));
        // the lag is a floor: never kinder than configured, measured from before the write began
        assertThat(seen - before).isGreaterThanOrEqualTo(lag.toMillis());
        Replication.Stats stats = replication.stats();
        assertThat(stats.applied()).isEqualTo(1);
        assertThat(stats.minLagMs()).isGreaterThanOrEqualTo(lag.toMillis());
        System.out.printf(
                "replication lag configured %d ms: seen in the other replica %d ms after the write returned; stats %s%n",
                lag.toMillis(), seen - written, stats);
    }

    @Test
    void deletesReplicate_andCopiesAreNotReplicatedBack() throws Exception {
        replicate(Duration.ZERO);
        usDb.putItem(r -> r.tableName(TABLE).item(item("ROOM#b", "one")));
        replication.awaitReplicated(Duration.ofSeconds(30));
        assertThat(get(euDb, "ROOM#b")).isEqualTo(item("ROOM#b", "one"));

        euDb.deleteItem(r -> r.tableName(TABLE).key(key("ROOM#b")));
        replication.awaitReplicated(Duration.ofSeconds(30));
        assertThat(get(usDb, "ROOM#b")).isNull();
        replication.awaitReplicated(Duration.ofSeconds(30));

        // one put and one delete, each copied once: the copies' own stream records are not copied back
        assertThat(replication.stats().applied()).isEqualTo(2);
    }

    @Test
    void conflictingWrites_endTheSameInBothReplicas_theLastWriterWins() throws Exception {
        replicate(Duration.ZERO);
        replication.hold();
        usDb.putItem(r -> r.tableName(TABLE).item(item("ROOM#c", "first, in us")));
        // written later, so the later write (eu's) wins everywhere, whatever order the copies arrive in
        replication.awaitRead(Duration.ofSeconds(30));
        euDb.putItem(r -> r.tableName(TABLE).item(item("ROOM#c", "second, in eu")));
        replication.release();
        replication.awaitReplicated(Duration.ofSeconds(30));

        assertThat(get(usDb, "ROOM#c")).isEqualTo(item("ROOM#c", "second, in eu"));
        assertThat(get(euDb, "ROOM#c")).isEqualTo(item("ROOM#c", "second, in eu"));
        // the older copy was dropped, or written over the newer item and undone, depending on which the replicator saw
        // first
        Replication.Stats stats = replication.stats();
        assertThat(stats.dropped() + stats.repaired()).isEqualTo(1);
    }

    @Test
    void held_writesStayInTheirReplica_untilReleased() throws Exception {
        replicate(Duration.ZERO);
        replication.hold();
        usDb.putItem(r -> r.tableName(TABLE).item(item("ROOM#d", "held")));
        assertThatThrownBy(() -> replication.awaitReplicated(Duration.ofMillis(500)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("release()");
        assertThat(get(euDb, "ROOM#d")).isNull();

        replication.release();
        replication.awaitReplicated(Duration.ofSeconds(30));
        assertThat(get(euDb, "ROOM#d")).isEqualTo(item("ROOM#d", "held"));
    }
}
