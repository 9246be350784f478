package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Where the local cloud still differs from API Gateway, one test per difference listed in
 * docs/LOCAL.md ("What still differs"), in the manner of aws-lambda-java-tests'
 * {@code knownFailureCases()}: each asserts today's differing behaviour, so it fails the day the
 * gap is closed — then move the row to "emulated" and turn the test around.
 */
class KnownGapsTest {

    @Test
    void knownGap_connectionsApi_acceptsUnsignedRequests() throws Exception {
        try (LocalCloud cloud = LocalCloud.start(LocalCloudOptions.builder()
                .functionMode(LocalCloudOptions.FunctionMode.IN_PROCESS)
                .template(Path.of("src/test/resources/test-template.yaml"))
                .build())) {
            // the handler echoes through @connections at this endpoint; unset (this class run alone), its echo failed
            // and the test read the connection id from API Gateway's "Internal server error" frame instead
            dev.switchboard.local.testhandlers.TestMessageHandler.managementEndpoint = cloud.connectionsEndpoint();
            WsClient client = WsClient.connect(cloud.webSocketUri());
            client.send("{\"action\":\"hello\"}");
            com.google.gson.JsonObject echo =
                    com.google.gson.JsonParser.parseString(client.nextText()).getAsJsonObject();
            assertThat(echo.has("echo")).as("the handler's echo: " + echo).isTrue();
            String id = echo.get("connectionId").getAsString();

            // No Authorization header at all: API Gateway answers 403 ForbiddenException ("Missing
            // Authentication Token"); IAM decides who may call @connections. The local cloud checks nothing.
            HttpResponse<String> answer = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(cloud.connectionsEndpoint() + "/@connections/" + id))
                                    .POST(HttpRequest.BodyPublishers.ofString("unsigned"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());

            assertThat(answer.statusCode()).isEqualTo(200);
            assertThat(client.nextText()).isEqualTo("unsigned");
        }
    }

    @Test
    void knownGap_anyPath_reachesTheStage() throws Exception {
        try (LocalCloud cloud = LocalCloud.start(LocalCloudOptions.builder()
                .functionMode(LocalCloudOptions.FunctionMode.IN_PROCESS)
                .template(Path.of("src/test/resources/test-template.yaml"))
                .build())) {
            // API Gateway serves a WebSocket API at wss://{api-id}.execute-api.{region}.amazonaws.com/{stageName}
            // (developer guide, "Deploy WebSocket APIs in API Gateway"): a client with a mistyped or missing stage
            // does not reach this stage there. Here any path does, so such a client works until it is deployed
            // (LocalStack has the same gap: localstack/localstack#10734).
            URI wrongStage = cloud.webSocketUri().resolve("/not-the-stage");
            try (WsClient client = WsClient.connect(wrongStage)) {
                client.send("{\"action\":\"reply\"}");

                // the route's integration answered: the connection and its frame reached the stage's function
                assertThat(client.nextText()).isEqualTo("reply:{\"action\":\"reply\"}");
            }
        }
    }

    @Test
    void knownGap_stageThrottling_isOffByDefault() throws Exception {
        // The same template as ThrottlingTest (rate 1/s, burst 3), started without .throttling(true):
        // API Gateway would refuse some of these ten frames with "Too Many Requests".
        try (LocalCloud cloud = LocalCloud.start(LocalCloudOptions.builder()
                .functionMode(LocalCloudOptions.FunctionMode.IN_PROCESS)
                .template(Path.of("src/test/resources/throttled-template.yaml"))
                .build())) {
            WsClient client = WsClient.connect(cloud.webSocketUri());
            for (int i = 0; i < 10; i++) {
                client.send("{\"action\":\"echo\"}");
            }
            List<String> answers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                answers.add(client.nextText());
            }

            assertThat(answers).noneMatch(a -> a.contains("Too Many Requests"));
        }
    }

    @Test
    void knownGap_snsFilterPolicy_isNotApplied(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        // test-template.yaml with a filter policy on NotifyFunction's subscription: SNS would deliver only
        // messages whose "kind" attribute is "alert"
        String subscribed = "            Topic: !Ref NotificationsTopic\n";
        String template = java.nio.file.Files.readString(Path.of("src/test/resources/test-template.yaml"));
        assertThat(template).contains(subscribed);
        Path filtered = dir.resolve("filtered-template.yaml");
        java.nio.file.Files.writeString(
                filtered,
                template.replace(subscribed, subscribed + "            FilterPolicy:\n              kind: [alert]\n"));
        try (LocalCloud cloud = LocalCloud.start(LocalCloudOptions.builder()
                        .functionMode(LocalCloudOptions.FunctionMode.IN_PROCESS)
                        .template(filtered)
                        .build());
                software.amazon.awssdk.services.sns.SnsClient sns =
                        software.amazon.awssdk.services.sns.SnsClient.builder()
                                .endpointOverride(cloud.snsEndpoint())
                                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                                .build()) {
            String messageId = sns.publish(r -> r.topicArn(cloud.topicArn())
                            .message("{\"n\":2}")
                            .messageAttributes(java.util.Map.of(
                                    "kind",
                                    software.amazon.awssdk.services.sns.model.MessageAttributeValue.builder()
                                            .dataType("String")
                                            .stringValue("chatter")
                                            .build())))
                    .messageId();
            // SNS drops it (the policy does not match); the local cloud delivers it
            org.awaitility.Awaitility.await()
                    .atMost(WsClient.WAIT)
                    .until(() -> dev.switchboard.local.testhandlers.Recorder.ofKind("sns").stream()
                            .anyMatch(e -> e.get("messageId").getAsString().equals(messageId)));
        }
    }

    /** test-template.yaml with {@code extra} resources added after NotificationsTopic. */
    private static Path templateWith(Path dir, String extra) throws Exception {
        String anchor = "  NotificationsTopic:\n    Type: AWS::SNS::Topic\n";
        String template = java.nio.file.Files.readString(Path.of("src/test/resources/test-template.yaml"));
        assertThat(template).contains(anchor);
        Path out = dir.resolve("gap-template.yaml");
        java.nio.file.Files.writeString(out, template.replace(anchor, anchor + extra));
        return out;
    }

    private static software.amazon.awssdk.services.dynamodb.DynamoDbClient dynamoDb(LocalCloud cloud) {
        return software.amazon.awssdk.services.dynamodb.DynamoDbClient.builder()
                .endpointOverride(cloud.dynamoDbEndpoint())
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .build();
    }

    @Test
    void knownGap_expiredItems_areNeverDeleted_whereDynamoDbDeletesThemWithinDays() throws Exception {
        // DynamoDB deletes an expired item "typically within two days of expiration" and returns it in reads
        // until then (API_UpdateTimeToLive). DynamoDB Local as the local cloud runs it (a server) accepts the
        // template's TTL and never deletes: the item stays readable, the case every reader must handle (core's
        // ExpiredItemsStoreTest). Embedded DynamoDB Local, by contrast, deletes within seconds: if this test
        // fails, expired items now vanish, and a reader trusting deletion would pass here but not on AWS.
        try (LocalCloud cloud = LocalCloud.start(LocalCloudOptions.builder()
                        .functionMode(LocalCloudOptions.FunctionMode.IN_PROCESS)
                        .template(Path.of("src/test/resources/test-template.yaml"))
                        .build());
                var dynamo = dynamoDb(cloud)) {
            assertThat(dynamo.describeTimeToLive(r -> r.tableName(cloud.tableName()))
                            .timeToLiveDescription()
                            .timeToLiveStatusAsString())
                    .isEqualTo("ENABLED");
            var key = java.util.Map.of(
                    "pk",
                    software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("GAP#ttl"),
                    "sk",
                    software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("ITEM"));
            var item = new java.util.HashMap<>(key);
            item.put(
                    "expiresAt",
                    software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromN(
                            Long.toString(System.currentTimeMillis() / 1000 - 60)));
            dynamo.putItem(r -> r.tableName(cloud.tableName()).item(item));

            // a minute past its TTL and still readable throughout 5 s (DynamoDB Local's TTL job, where it runs,
            // scans every second)
            org.awaitility.Awaitility.await()
                    .during(java.time.Duration.ofSeconds(5))
                    .atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> dynamo.getItem(
                                    r -> r.tableName(cloud.tableName()).key(key).consistentRead(true))
                            .hasItem());
        }
    }

    @Test
    void knownGap_encryptionAtRest_isAskedFor_butNotReported(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        // the table asks for SSE with a KMS key, as template.yaml's does (DescribeTable on DynamoDB then answers
        // SSEDescription {Status: ENABLED, SSEType: KMS}); DynamoDB Local accepts and drops it. The local SNS
        // does not serve GetTopicAttributes, where DynamoDB's sibling, SNS, shows the topic's KmsMasterKeyId.
        // Nothing else a client does differs: data at rest is plain here (in memory unless --dynamodb-data).
        String sse = "      SSESpecification: { SSEEnabled: true }\n";
        String template = java.nio.file.Files.readString(Path.of("src/test/resources/test-template.yaml"));
        String ttl = "      TimeToLiveSpecification: { AttributeName: expiresAt, Enabled: true }\n";
        assertThat(template).contains(ttl);
        Path encrypted = dir.resolve("encrypted-template.yaml");
        java.nio.file.Files.writeString(encrypted, template.replace(ttl, ttl + sse));
        try (LocalCloud cloud = LocalCloud.start(LocalCloudOptions.builder()
                        .functionMode(LocalCloudOptions.FunctionMode.IN_PROCESS)
                        .template(encrypted)
                        .build());
                var dynamo = dynamoDb(cloud);
                var sns = software.amazon.awssdk.services.sns.SnsClient.builder()
                        .endpointOverride(cloud.snsEndpoint())
                        .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                        .build()) {
            assertThat(dynamo.describeTable(r -> r.tableName(cloud.tableName()))
                            .table()
                            .sseDescription())
                    .isNull();
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> sns.getTopicAttributes(r -> r.topicArn(cloud.topicArn())))
                    .isInstanceOf(software.amazon.awssdk.services.sns.model.SnsException.class)
                    .hasMessageContaining("GetTopicAttributes is not valid");
        }
    }

    @Test
    void knownGap_topicPolicy_isNotEnforced_anyoneMayPublish(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        // as template.yaml's FanOutTopicPolicy, without the exceptions: on AWS every Publish to this topic gets
        // 403 AuthorizationError (an explicit Deny); the local SNS checks no policy and no signature
        Path locked = templateWith(dir, """
                  LockedTopic:
                    Type: AWS::SNS::Topic
                  LockedTopicPolicy:
                    Type: AWS::SNS::TopicPolicy
                    Properties:
                      Topics: [!Ref LockedTopic]
                      PolicyDocument:
                        Version: '2012-10-17'
                        Statement:
                          - Effect: Deny
                            Principal: '*'
                            Action: sns:Publish
                            Resource: !Ref LockedTopic
                """);
        try (LocalCloud cloud = LocalCloud.start(LocalCloudOptions.builder()
                        .functionMode(LocalCloudOptions.FunctionMode.IN_PROCESS)
                        .template(locked)
                        .build());
                var sns = software.amazon.awssdk.services.sns.SnsClient.builder()
                        .endpointOverride(cloud.snsEndpoint())
                        .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                        .build()) {
            assertThat(sns.publish(r ->
                                    r.topicArn(cloud.topicArn("LockedTopic")).message("let me in"))
                            .messageId())
                    .isNotBlank();
        }
    }

    @Test
    void knownGap_customDomain_isNotServed_eventsCarryTheLocalDomainName(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        // on AWS a client connecting through the custom domain reaches the API there, and its events'
        // requestContext.domainName is that domain; the local cloud ignores both resources
        Path withDomain = templateWith(dir, """
                  ChatDomain:
                    Type: AWS::ApiGatewayV2::DomainName
                    Properties:
                      DomainName: chat.example.com
                      DomainNameConfigurations:
                        - CertificateArn: arn:aws:acm:us-east-1:123456789012:certificate/example
                  ChatMapping:
                    Type: AWS::ApiGatewayV2::ApiMapping
                    Properties:
                      DomainName: !Ref ChatDomain
                      ApiId: !Ref WebSocketApi
                      Stage: prod
                """);
        try (LocalCloud cloud = LocalCloud.start(LocalCloudOptions.builder()
                .functionMode(LocalCloudOptions.FunctionMode.IN_PROCESS)
                .template(withDomain)
                .build())) {
            // the handler echoes through @connections at this endpoint; unset (this class run alone), its echo failed
            // and the test read the connection id from API Gateway's "Internal server error" frame instead
            dev.switchboard.local.testhandlers.TestMessageHandler.managementEndpoint = cloud.connectionsEndpoint();
            WsClient client = WsClient.connect(cloud.webSocketUri());
            client.send("{\"action\":\"hello\"}");
            com.google.gson.JsonObject echo =
                    com.google.gson.JsonParser.parseString(client.nextText()).getAsJsonObject();
            assertThat(echo.has("echo")).as("the handler's echo: " + echo).isTrue();
            String id = echo.get("connectionId").getAsString();
            String domain = dev.switchboard.local.testhandlers.Recorder.find("connect", id)
                    .orElseThrow()
                    .getAsJsonObject("requestContext")
                    .get("domainName")
                    .getAsString();
            assertThat(domain).isNotEqualTo("chat.example.com").isEqualTo("localhost");
        }
    }
}
