package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.switchboard.local.testhandlers.Recorder;
import dev.switchboard.local.testhandlers.TestScheduleHandler;
import java.net.URI;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.GetConnectionResponse;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.GoneException;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.LimitExceededException;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.PayloadTooLargeException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalCloudTest {
    private LocalCloud cloud;
    private ApiGatewayManagementApiClient management;

    @BeforeAll
    void start() throws Exception {
        cloud = LocalCloud.start(LocalCloudOptions.builder()
                .functionMode(LocalCloudOptions.FunctionMode.IN_PROCESS)
                .template(Path.of("src/test/resources/test-template.yaml"))
                .idleTimeout(Duration.ofSeconds(6))
                .functionTimeout(Duration.ofSeconds(5))
                .snsRetryBase(Duration.ofMillis(100))
                .schedulePeriod(Duration.ofMillis(500))
                .build());
        management = ApiGatewayManagementApiClient.builder()
                .endpointOverride(cloud.connectionsEndpoint())
                .region(Region.US_EAST_1)
                .build();
        dev.switchboard.local.testhandlers.TestMessageHandler.managementEndpoint = cloud.connectionsEndpoint();
    }

    @AfterAll
    void stop() {
        management.close();
        cloud.close();
    }

    private String connectionIdOf(WsClient client) throws InterruptedException {
        client.send("{\"action\":\"hello\"}");
        return JsonParser.parseString(client.nextText())
                .getAsJsonObject()
                .get("connectionId")
                .getAsString();
    }

    private URI uri(String query) {
        return URI.create(cloud.webSocketUri() + (query.isEmpty() ? "" : "?" + query));
    }

    @Test
    void message_routedToDefault_andEchoedThroughConnectionsApi() throws Exception {
        WsClient client = WsClient.connect(uri("user=alice"));
        client.send("{\"action\":\"hello\",\"text\":\"hi\"}");
        JsonObject echo = JsonParser.parseString(client.nextText()).getAsJsonObject();
        assertThat(echo.get("routeKey").getAsString()).isEqualTo("$default");
        assertThat(echo.get("echo").getAsString()).isEqualTo("{\"action\":\"hello\",\"text\":\"hi\"}");
        assertThat(echo.get("connectionId").getAsString()).matches("[A-Za-z0-9_-]{15}=");
    }

    @Test
    void lambdaRequestId_isAUuidOfItsOwn_notApiGatewaysRequestId() throws Exception {
        WsClient client = WsClient.connect(uri("user=carl"));
        String id = connectionIdOf(client);
        for (String kind : List.of("connect", "message")) {
            JsonObject event = Recorder.find(kind, id).orElseThrow();
            String apiGateway =
                    event.getAsJsonObject("requestContext").get("requestId").getAsString();
            // the local cloud handed API Gateway's requestId to the function as its Lambda request id, so logs
            // correlated by equality here that never will on AWS
            assertThat(event.get("_awsRequestId").getAsString())
                    .as(kind + ": Lambda's request id")
                    .matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
                    .isNotEqualTo(apiGateway);
        }
    }

    @Test
    void nonJsonFrame_goesToDefault() throws Exception {
        WsClient client = WsClient.connect(uri(""));
        client.send("not json at all");
        JsonObject echo = JsonParser.parseString(client.nextText()).getAsJsonObject();
        assertThat(echo.get("echo").getAsString()).isEqualTo("not json at all");
        assertThat(echo.get("routeKey").getAsString()).isEqualTo("$default");
    }

    @Test
    void twoWayRoute_sendsHandlerBodyBack() throws Exception {
        WsClient client = WsClient.connect(uri(""));
        client.send("{\"action\":\"reply\"}");
        assertThat(client.nextText()).isEqualTo("reply:{\"action\":\"reply\"}");
    }

    @Test
    void connectEvent_hasApiGatewayShape() throws Exception {
        WsClient client = WsClient.connect(uri("user=bob&room=a&room=b"));
        String id = connectionIdOf(client);
        JsonObject connect = Recorder.find("connect", id).orElseThrow();
        JsonObject ctx = connect.getAsJsonObject("requestContext");
        assertThat(ctx.get("routeKey").getAsString()).isEqualTo("$connect");
        assertThat(ctx.get("eventType").getAsString()).isEqualTo("CONNECT");
        assertThat(ctx.get("stage").getAsString()).isEqualTo("local");
        assertThat(ctx.get("apiId").getAsString()).isEqualTo(LocalCloud.API_ID);
        assertThat(ctx.get("messageDirection").getAsString()).isEqualTo("IN");
        assertThat(ctx.get("requestTime").getAsString())
                .matches("\\d\\d/[A-Z][a-z]{2}/\\d{4}:\\d\\d:\\d\\d:\\d\\d \\+0000");
        assertThat(ctx.get("connectedAt").getAsLong()).isPositive();
        assertThat(ctx.get("requestTimeEpoch").getAsLong())
                .isGreaterThanOrEqualTo(ctx.get("connectedAt").getAsLong());
        assertThat(ctx.getAsJsonObject("identity").get("sourceIp").getAsString())
                .isNotBlank();
        assertThat(ctx.getAsJsonObject("identity").get("userAgent").getAsString())
                .isEqualTo("switchboard-test");
        assertThat(ctx.get("requestId").getAsString()).isNotBlank();
        assertThat(connect.getAsJsonObject("queryStringParameters").get("user").getAsString())
                .isEqualTo("bob");
        assertThat(connect.getAsJsonObject("multiValueQueryStringParameters").getAsJsonArray("room"))
                .hasSize(2);
        assertThat(connect.getAsJsonObject("headers").get("User-Agent").getAsString())
                .isEqualTo("switchboard-test");
        assertThat(connect.getAsJsonObject("multiValueHeaders").has("User-Agent"))
                .isTrue();

        JsonObject message = Recorder.find("message", id).orElseThrow();
        JsonObject mctx = message.getAsJsonObject("requestContext");
        assertThat(mctx.get("eventType").getAsString()).isEqualTo("MESSAGE");
        assertThat(mctx.get("messageId").getAsString()).isNotBlank();
        assertThat(mctx.get("connectedAt").getAsLong())
                .isEqualTo(ctx.get("connectedAt").getAsLong());
        assertThat(message.has("headers")).isFalse();
        assertThat(message.get("body").getAsString()).isEqualTo("{\"action\":\"hello\"}");
        assertThat(message.get("isBase64Encoded").getAsBoolean()).isFalse();
    }

    @Test
    void connectRejected_failsHandshakeWithHandlerStatus_andNoDisconnect() {
        for (String mode : new String[] {"reject", "forbid", "throw"}) {
            assertThatThrownBy(() -> WsClient.connect(uri("mode=" + mode)))
                    .isInstanceOf(CompletionException.class)
                    .cause()
                    .isInstanceOf(WebSocketHandshakeException.class)
                    .satisfies(e -> assertThat(((WebSocketHandshakeException) e)
                                    .getResponse()
                                    .statusCode())
                            .isEqualTo(
                                    switch (mode) {
                                        case "reject" -> 401;
                                        case "forbid" -> 403;
                                        default -> 500;
                                    }));
        }
        String rejectedId = Recorder.ofKind("connect").stream()
                .filter(e -> e.has("queryStringParameters")
                        && e.getAsJsonObject("queryStringParameters").has("mode")
                        && e.getAsJsonObject("queryStringParameters")
                                .get("mode")
                                .getAsString()
                                .equals("reject"))
                .findFirst()
                .orElseThrow()
                .getAsJsonObject("requestContext")
                .get("connectionId")
                .getAsString();
        await().during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(3))
                .until(() -> Recorder.find("disconnect", rejectedId).isEmpty());
    }

    @Test
    void subprotocol_echoedOnlyWhenConnectReturnsIt() {
        WsClient chosen = WsClient.connect(uri("mode=proto"), "chat", "other");
        assertThat(chosen.socket.getSubprotocol()).isEqualTo("chat");
        WsClient notChosen = WsClient.connect(uri(""));
        assertThat(notChosen.socket.getSubprotocol()).isEmpty();
    }

    @Test
    void throwingHandler_givesInternalServerError_andSocketStaysOpen() throws Exception {
        WsClient client = WsClient.connect(uri(""));
        String id = connectionIdOf(client);
        client.send("{\"action\":\"boom\"}");
        JsonObject error = JsonParser.parseString(client.nextText()).getAsJsonObject();
        assertThat(error.get("message").getAsString()).isEqualTo("Internal server error");
        assertThat(error.get("connectionId").getAsString()).isEqualTo(id);
        assertThat(error.get("requestId").getAsString()).isNotBlank();
        assertThat(connectionIdOf(client)).isEqualTo(id);
    }

    @Test
    void timedOutHandler_givesInternalServerError() throws Exception {
        WsClient client = WsClient.connect(uri(""));
        client.send("{\"action\":\"sleep\"}");
        assertThat(client.nextText()).contains("\"message\": \"Internal server error\"");
    }

    @Test
    void connectionsApi_getPostDelete_withUnmodifiedSdk() throws Exception {
        WsClient client = WsClient.connect(uri(""));
        String id = connectionIdOf(client);
        GetConnectionResponse info = management.getConnection(r -> r.connectionId(id));
        assertThat(info.connectedAt()).isNotNull();
        assertThat(info.lastActiveAt()).isAfterOrEqualTo(info.connectedAt());
        assertThat(info.identity().userAgent()).isEqualTo("switchboard-test");
        management.postToConnection(r -> r.connectionId(id).data(SdkBytes.fromUtf8String("pushed")));
        assertThat(client.nextText()).isEqualTo("pushed");
        assertThatThrownBy(() -> management.postToConnection(
                        r -> r.connectionId(id).data(SdkBytes.fromByteArray(new byte[131073]))))
                .isInstanceOf(PayloadTooLargeException.class);
        management.deleteConnection(r -> r.connectionId(id));
        assertThat(client.awaitClose()).isEqualTo(1000);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Recorder.find("disconnect", id).isPresent());
        assertThatThrownBy(() ->
                        management.postToConnection(r -> r.connectionId(id).data(SdkBytes.fromUtf8String("x"))))
                .isInstanceOf(GoneException.class);
        assertThatThrownBy(() -> management.getConnection(r -> r.connectionId("AAAAAAAAAAAAAAA=")))
                .isInstanceOf(GoneException.class);
    }

    @Test
    void concurrentPosts_toOneConnection_allArrive() throws Exception {
        WsClient client = WsClient.connect(uri(""));
        String id = connectionIdOf(client);
        java.util.concurrent.ExecutorService posters = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            java.util.List<java.util.concurrent.Future<?>> posts = new java.util.ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String text = "m" + i;
                posts.add(posters.submit(() ->
                        management.postToConnection(r -> r.connectionId(id).data(SdkBytes.fromUtf8String(text)))));
            }
            for (java.util.concurrent.Future<?> post : posts) {
                post.get();
            }
        } finally {
            posters.shutdownNow();
        }
        java.util.Set<String> received = new java.util.HashSet<>();
        for (int i = 0; i < 200; i++) {
            received.add(client.nextText());
        }
        assertThat(received).hasSize(200);
    }

    @Test
    void faults_makeConnectionsApiThrottle() throws Exception {
        WsClient client = WsClient.connect(uri(""));
        String id = connectionIdOf(client);
        cloud.faults().failNext(429, 100); // the SDK retries throttling, so more than one
        assertThatThrownBy(() ->
                        management.postToConnection(r -> r.connectionId(id).data(SdkBytes.fromUtf8String("x"))))
                .isInstanceOf(LimitExceededException.class);
        cloud.faults().clear();
        management.postToConnection(r -> r.connectionId(id).data(SdkBytes.fromUtf8String("after")));
        assertThat(client.nextText()).isEqualTo("after");
    }

    @Test
    void clientClose_invokesDisconnectWithStatus() throws Exception {
        WsClient client = WsClient.connect(uri(""));
        String id = connectionIdOf(client);
        client.socket.sendClose(1000, "bye").join();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Recorder.find("disconnect", id).isPresent());
        JsonObject ctx = Recorder.find("disconnect", id).orElseThrow().getAsJsonObject("requestContext");
        assertThat(ctx.get("eventType").getAsString()).isEqualTo("DISCONNECT");
        assertThat(ctx.get("routeKey").getAsString()).isEqualTo("$disconnect");
        assertThat(ctx.get("disconnectStatusCode").getAsInt()).isEqualTo(1000);
        assertThat(ctx.get("disconnectReason").getAsString()).isEqualTo("bye");
    }

    @Test
    void killedClient_isDisconnected_with1006() throws Exception {
        WsClient client = WsClient.connect(uri(""));
        String id = connectionIdOf(client);
        client.socket.abort();
        await().atMost(Duration.ofSeconds(15))
                .until(() -> Recorder.find("disconnect", id).isPresent());
        assertThat(Recorder.find("disconnect", id)
                        .orElseThrow()
                        .getAsJsonObject("requestContext")
                        .get("disconnectStatusCode")
                        .getAsInt())
                .isEqualTo(1006);
        assertThatThrownBy(() ->
                        management.postToConnection(r -> r.connectionId(id).data(SdkBytes.fromUtf8String("x"))))
                .isInstanceOf(GoneException.class);
    }

    @Test
    void binaryFrame_closes1003() throws Exception {
        WsClient client = WsClient.connect(uri(""));
        client.socket.sendBinary(ByteBuffer.wrap(new byte[] {1, 2, 3}), true).join();
        assertThat(client.awaitClose()).isEqualTo(1003);
    }

    @Test
    void oversizeFrame_closes1009() throws Exception {
        // The JDK client fragments large messages itself, so write one 40 KB frame on a raw socket.
        try (java.net.Socket socket = new java.net.Socket("localhost", cloud.port())) {
            socket.setSoTimeout(20_000);
            var out = socket.getOutputStream();
            out.write(("GET /local HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            var in = new java.io.DataInputStream(socket.getInputStream());
            String headers = "";
            while (!headers.endsWith("\r\n\r\n")) {
                headers += (char) in.readUnsignedByte();
            }
            assertThat(headers).startsWith("HTTP/1.1 101");
            int length = 40 * 1024;
            out.write(new byte[] {(byte) 0x81, (byte) (0x80 | 126), (byte) (length >> 8), (byte) length, 0, 0, 0, 0});
            out.write("x".repeat(length).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            out.flush();
            int opcode = in.readUnsignedByte() & 0x0f;
            in.readUnsignedByte(); // payload length of the close frame
            assertThat(opcode).isEqualTo(0x8);
            assertThat(in.readUnsignedShort()).isEqualTo(1009);
        }
    }

    @Test
    void oversizeMessageInSmallFrames_closes1009() throws Exception {
        WsClient client = WsClient.connect(uri(""));
        String fragment = "y".repeat(30 * 1024);
        for (int i = 0; i < 4; i++) {
            client.socket.sendText(fragment, false).join();
        }
        client.socket.sendText(fragment, true);
        assertThat(client.awaitClose()).isEqualTo(1009);
    }

    @Test
    void idleConnection_isClosed_andDisconnected() throws Exception {
        WsClient client = WsClient.connect(uri(""));
        String id = connectionIdOf(client);
        assertThat(client.awaitClose()).isEqualTo(1001);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> Recorder.find("disconnect", id).isPresent());
    }

    @Test
    void snsPublish_reachesSubscribedFunction_withAttributes_andRetries() {
        try (SnsClient sns = SnsClient.builder()
                .endpointOverride(cloud.snsEndpoint())
                .region(Region.US_EAST_1)
                .build()) {
            String messageId = sns.publish(r -> r.topicArn(cloud.topicArn())
                            .subject("hello")
                            .message("{\"n\":1}")
                            .messageAttributes(Map.of(
                                    "kind",
                                    MessageAttributeValue.builder()
                                            .dataType("String")
                                            .stringValue("alert")
                                            .build())))
                    .messageId();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> Recorder.ofKind("sns").stream()
                            .anyMatch(e -> e.get("messageId").getAsString().equals(messageId)));
            JsonObject seen = Recorder.ofKind("sns").stream()
                    .filter(e -> e.get("messageId").getAsString().equals(messageId))
                    .findFirst()
                    .orElseThrow();
            assertThat(seen.get("type").getAsString()).isEqualTo("Notification");
            assertThat(seen.get("topicArn").getAsString()).isEqualTo(cloud.topicArn());
            assertThat(seen.get("message").getAsString()).isEqualTo("{\"n\":1}");
            assertThat(seen.getAsJsonObject("attributes").get("kind").getAsString())
                    .isEqualTo("String:alert");

            String retried = sns.publish(r ->
                            r.topicArn(cloud.topicArn()).subject("fail-once").message("again"))
                    .messageId();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> Recorder.ofKind("sns").stream()
                            .anyMatch(e -> e.get("messageId").getAsString().equals(retried)));
        }
    }

    /**
     * EventBridge invokes a schedule's function asynchronously: a failed run is retried with the same event, as
     * Lambda retries an asynchronous invocation, and the rule's next tick does not wait for a run that is still
     * going (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html).
     */
    @Test
    void scheduleEvent_failedRunIsRetried_andTicksDoNotWaitForASlowRun() {
        await().atMost(Duration.ofSeconds(30))
                .until(() -> Recorder.ofKind("schedule").stream()
                        .anyMatch(e -> e.get("phase").getAsString().equals("end")
                                && e.get("retry").getAsBoolean()));
        List<JsonObject> runs = Recorder.ofKind("schedule");
        JsonObject failed = one(runs, "failed", false);
        JsonObject retryStart = one(runs, "start", true);
        JsonObject retryEnd = one(runs, "end", true);
        assertThat(failed.get("detailType").getAsString()).isEqualTo("Scheduled Event");
        assertThat(failed.get("source").getAsString()).isEqualTo("aws.events");
        assertThat(retryStart.get("id").getAsString())
                .as("the retry carries the failed run's event")
                .isEqualTo(failed.get("id").getAsString());
        long slowFrom = retryStart.get("atNanos").getAsLong();
        long slowTo = retryEnd.get("atNanos").getAsLong();
        assertThat(runs)
                .as("a later tick's run started while the slow run ran (%d ms)", TestScheduleHandler.SLOW_RUN_MS)
                .anyMatch(e -> e.get("phase").getAsString().equals("start")
                        && !e.get("retry").getAsBoolean()
                        && e.get("atNanos").getAsLong() > slowFrom
                        && e.get("atNanos").getAsLong() < slowTo);
    }

    private static JsonObject one(List<JsonObject> runs, String phase, boolean retry) {
        return runs.stream()
                .filter(e -> e.get("phase").getAsString().equals(phase)
                        && e.get("retry").getAsBoolean() == retry)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void snsPublishBatch_deliversEachEntry() {
        try (SnsClient sns = SnsClient.builder()
                .endpointOverride(cloud.snsEndpoint())
                .region(Region.US_EAST_1)
                .build()) {
            var result = sns.publishBatch(r -> r.topicArn(cloud.topicArn())
                    .publishBatchRequestEntries(
                            e -> e.id("a").message("batch-a"),
                            e -> e.id("b")
                                    .message("batch-b")
                                    .messageAttributes(Map.of(
                                            "k",
                                            MessageAttributeValue.builder()
                                                    .dataType("String")
                                                    .stringValue("v")
                                                    .build()))));
            assertThat(result.successful()).extracting(s -> s.id()).containsExactly("a", "b");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> Recorder.ofKind("sns").stream()
                                    .filter(e -> e.get("message").getAsString().startsWith("batch-"))
                                    .count()
                            == 2);
        }
    }

    @Test
    void table_isCreatedFromTemplate() {
        try (DynamoDbClient dynamo = DynamoDbClient.builder()
                .endpointOverride(cloud.dynamoDbEndpoint())
                .region(Region.US_EAST_1)
                .build()) {
            TableDescription table =
                    dynamo.describeTable(r -> r.tableName(cloud.tableName())).table();
            assertThat(table.keySchema()).extracting(k -> k.attributeName()).containsExactly("pk", "sk");
            assertThat(table.globalSecondaryIndexes())
                    .extracting(i -> i.indexName())
                    .containsExactly("byUser");
            assertThat(dynamo.describeTimeToLive(r -> r.tableName(cloud.tableName()))
                            .timeToLiveDescription()
                            .attributeName())
                    .isEqualTo("expiresAt");
        }
    }
}
