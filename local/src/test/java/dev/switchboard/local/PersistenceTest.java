package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

class PersistenceTest {
    @TempDir
    Path data;

    private LocalCloudOptions options() {
        return LocalCloudOptions.builder()
                .functionMode(LocalCloudOptions.FunctionMode.IN_PROCESS)
                .template(Path.of("src/test/resources/test-template.yaml"))
                .dynamoDbData(data)
                .build();
    }

    private static DynamoDbClient client(LocalCloud cloud) {
        return DynamoDbClient.builder()
                .endpointOverride(cloud.dynamoDbEndpoint())
                .region(Region.US_EAST_1)
                .build();
    }

    @Test
    void dynamoDbData_survivesRestart_andTableIsReused() throws Exception {
        Map<String, AttributeValue> key =
                Map.of("pk", AttributeValue.fromS("USER#alice"), "sk", AttributeValue.fromS("PROFILE"));
        try (LocalCloud cloud = LocalCloud.start(options());
                DynamoDbClient dynamo = client(cloud)) {
            dynamo.putItem(r -> r.tableName(cloud.tableName()).item(key));
        }
        try (LocalCloud cloud = LocalCloud.start(options());
                DynamoDbClient dynamo = client(cloud)) {
            assertThat(dynamo.getItem(r -> r.tableName(cloud.tableName()).key(key))
                            .item())
                    .isEqualTo(key);
        }
    }
}
