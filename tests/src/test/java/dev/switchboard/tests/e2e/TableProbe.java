package dev.switchboard.tests.e2e;

import dev.switchboard.local.LocalCloud;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * Reads the local cloud's table directly (DynamoDB Local, dummy static credentials), so end-to-end
 * tests can check what the handlers stored, not only what clients saw. Layout: see TableItem. Public for
 * the CLI's end-to-end tests ({@code LocalCloudExtension#table()}).
 */
public final class TableProbe implements AutoCloseable {

    private final DynamoDbClient client;
    private final String table;

    TableProbe(LocalCloud cloud) {
        this.client = DynamoDbClient.builder()
                .endpointOverride(cloud.dynamoDbEndpoint())
                .region(Region.of(cloud.region()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .httpClient(software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient.create())
                .build();
        this.table = cloud.tableName();
    }

    /** Every item of a partition, all pages, strongly consistent. */
    public List<Map<String, AttributeValue>> partition(String pk) {
        return query(QueryRequest.builder()
                .tableName(table)
                .keyConditionExpression("pk = :p")
                .expressionAttributeValues(Map.of(":p", AttributeValue.fromS(pk)))
                .consistentRead(true));
    }

    /** The stored messages of a room, oldest first. */
    List<Map<String, AttributeValue>> messages(String room) {
        return partition("ROOMMSG#" + room);
    }

    List<String> messageIds(String room) {
        return messages(room).stream().map(i -> i.get("messageId").s()).toList();
    }

    /** Connection ids that are members of a room (ROOM#r / MEMBER#id items). */
    List<String> memberConnections(String room) {
        return partition("ROOM#" + room).stream()
                .map(i -> i.get("connectionId").s())
                .toList();
    }

    /** A user's connection items (META), through the byUser index. */
    List<Map<String, AttributeValue>> connectionsOf(String user) {
        return query(QueryRequest.builder()
                .tableName(table)
                .indexName("byUser")
                .keyConditionExpression("gsi1pk = :u")
                .expressionAttributeValues(Map.of(":u", AttributeValue.fromS("USER#" + user))));
    }

    /** Everything stored about one connection: META and one ROOM#r item per membership. */
    public List<Map<String, AttributeValue>> connectionItems(String connectionId) {
        return partition("CONN#" + connectionId);
    }

    /**
     * Deletes a connection's META item and nothing else, as DynamoDB's TTL does for a connection
     * whose {@code $disconnect} never came: what it leaves behind must not count forever.
     */
    void deleteConnectionItemOnly(String connectionId) {
        client.deleteItem(r -> r.tableName(table)
                .key(Map.of("pk", AttributeValue.fromS("CONN#" + connectionId), "sk", AttributeValue.fromS("META"))));
    }

    private List<Map<String, AttributeValue>> query(QueryRequest.Builder request) {
        List<Map<String, AttributeValue>> items = new ArrayList<>();
        Map<String, AttributeValue> start = null;
        do {
            if (start != null) {
                request.exclusiveStartKey(start);
            }
            QueryResponse page = client.query(request.build());
            items.addAll(page.items());
            start = page.hasLastEvaluatedKey() && !page.lastEvaluatedKey().isEmpty() ? page.lastEvaluatedKey() : null;
        } while (start != null);
        return items;
    }

    @Override
    public void close() {
        client.close();
    }
}
