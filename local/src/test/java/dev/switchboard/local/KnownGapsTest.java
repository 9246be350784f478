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
            WsClient client = WsClient.connect(cloud.webSocketUri());
            client.send("{\"action\":\"hello\"}");
            String id = com.google.gson.JsonParser.parseString(client.nextText())
                    .getAsJsonObject()
                    .get("connectionId")
                    .getAsString();

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
}
