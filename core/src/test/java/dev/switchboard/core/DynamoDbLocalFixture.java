package dev.switchboard.core;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.dynamodb.services.local.embedded.DynamoDBEmbedded;
import software.amazon.dynamodb.services.local.shared.access.AmazonDynamoDBLocal;

/** Embedded DynamoDB Local with the table as template.yaml declares it (keys, both GSIs and their projections). */
public final class DynamoDbLocalFixture implements AutoCloseable {

    private final AmazonDynamoDBLocal local = DynamoDBEmbedded.create();
    private final DynamoDbClient client = local.dynamoDbClient();

    public DynamoDbLocalFixture createTable(String name) {
        return createTable(name, PROJECTED);
    }

    /** The table as template.yaml's global table declares it: the indexes project {@code home} too. */
    public DynamoDbLocalFixture createGlobalTable(String name) {
        return createTable(
                name,
                java.util.stream.Stream.concat(java.util.Arrays.stream(PROJECTED), java.util.stream.Stream.of("home"))
                        .toArray(String[]::new));
    }

    private static final String[] PROJECTED = {"connectionId", "user", "expiresAt", "tokenExp"};

    private DynamoDbLocalFixture createTable(String name, String[] projected) {
        client.createTable(b -> b.tableName(name)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(
                        attribute("pk"),
                        attribute("sk"),
                        attribute("gsi1pk"),
                        attribute("gsi1sk"),
                        attribute("gsi2pk"),
                        attribute("gsi2sk"))
                .keySchema(key("pk", KeyType.HASH), key("sk", KeyType.RANGE))
                .globalSecondaryIndexes(
                        index("byUser", "gsi1pk", "gsi1sk", projected),
                        index("byShard", "gsi2pk", "gsi2sk", projected)));
        return this;
    }

    public DynamoDbClient client() {
        return client;
    }

    private static AttributeDefinition attribute(String name) {
        return AttributeDefinition.builder()
                .attributeName(name)
                .attributeType(ScalarAttributeType.S)
                .build();
    }

    private static KeySchemaElement key(String name, KeyType type) {
        return KeySchemaElement.builder().attributeName(name).keyType(type).build();
    }

    private static GlobalSecondaryIndex index(String name, String pk, String sk, String[] projected) {
        return GlobalSecondaryIndex.builder()
                .indexName(name)
                .keySchema(key(pk, KeyType.HASH), key(sk, KeyType.RANGE))
                .projection(p -> p.projectionType(ProjectionType.INCLUDE).nonKeyAttributes(projected))
                .build();
    }

    @Override
    public void close() {
        client.close();
        local.shutdown();
    }
}
