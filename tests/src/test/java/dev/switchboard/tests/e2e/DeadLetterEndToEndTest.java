package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * A notification or fan-out chunk that still fails after Lambda's asynchronous retries lands in the
 * Broadcast function's dead-letter queue (its EventInvokeConfig OnFailure destination in
 * template.yaml) as Lambda's invocation record, readable with the unmodified SDK and AWS CLI.
 */
class DeadLetterEndToEndTest {

    @RegisterExtension
    static final LocalCloudExtension local =
            LocalCloudExtension.with(b -> b.devAuth(true).snsRetryBase(Duration.ofMillis(100)));

    static final AwsBasicCredentials DUMMY = AwsBasicCredentials.create("local", "local");
    static SqsClient sqs;
    static String queueUrl;

    @BeforeAll
    static void start() {
        sqs = SqsClient.builder()
                .endpointOverride(local.cloud().sqsEndpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(DUMMY))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        queueUrl = sqs.getQueueUrl(b -> b.queueName("switchboard-local-BroadcastDeadLetterQueue"))
                .queueUrl();
    }

    @AfterAll
    static void stop() {
        sqs.close();
    }

    @AfterEach
    void clearFaults() {
        local.cloud().faults().clear();
    }

    /** The dead-letter queue's next message, received and deleted, waiting up to 60 s for it. */
    static Message nextDeadLetter() {
        Message[] got = new Message[1];
        await().atMost(Duration.ofSeconds(60)).until(() -> {
            List<Message> messages = sqs.receiveMessage(b -> b.queueUrl(queueUrl)
                            .waitTimeSeconds(1)
                            .messageSystemAttributeNames(MessageSystemAttributeName.ALL))
                    .messages();
            if (messages.isEmpty()) {
                return false;
            }
            got[0] = messages.get(0);
            return true;
        });
        sqs.deleteMessage(b -> b.queueUrl(queueUrl).receiptHandle(got[0].receiptHandle()));
        return got[0];
    }

    static String connectionOf(String user) {
        return local.table().connectionsOf(user).get(0).get("connectionId").s();
    }

    @Test
    void notificationThatKeepsFailing_landsInTheDeadLetterQueue_asLambdasInvocationRecord() throws Exception {
        try (WsClient gone = WsClient.connect(local.userUri("unreachable"))) {
            gone.send(Json.write(new Request.Ping()));
            gone.nextOfType("pong");
            local.cloud().faults().failConnection(connectionOf("unreachable"), 500, Integer.MAX_VALUE);

            String messageId = local.publish(
                    "{\"target\":{\"user\":\"unreachable\"},\"title\":\"Invoice paid\",\"body\":\"#1042\"}");

            Message dead = nextDeadLetter();
            JsonObject record = JsonParser.parseString(dead.body()).getAsJsonObject();
            assertThat(record.getAsJsonObject("requestContext").get("condition").getAsString())
                    .isEqualTo("RetriesExhausted");
            assertThat(record.getAsJsonObject("requestContext")
                            .get("approximateInvokeCount")
                            .getAsInt())
                    .as("the first attempt and Lambda's two retries")
                    .isEqualTo(3);
            JsonObject snsMessage = record.getAsJsonObject("requestPayload")
                    .getAsJsonArray("Records")
                    .get(0)
                    .getAsJsonObject()
                    .getAsJsonObject("Sns");
            assertThat(snsMessage.get("MessageId").getAsString()).isEqualTo(messageId);
            assertThat(snsMessage.get("Message").getAsString()).contains("Invoice paid");
            assertThat(record.getAsJsonObject("responsePayload")
                            .get("errorMessage")
                            .getAsString())
                    .contains("1 of 1 recipients failed");
            assertThat(dead.attributes()).containsKey(MessageSystemAttributeName.SENT_TIMESTAMP);
            assertThat(gone.frames.poll(200, TimeUnit.MILLISECONDS))
                    .as("the recipient never got it")
                    .isNull();
        }
    }

    @Test
    void chunkThatKeepsFailing_landsInTheDeadLetterQueue_andTheAwsCliReadsIt() throws Exception {
        try (WsClient gone = WsClient.connect(local.userUri("unreachable-chunk"))) {
            gone.send(Json.write(new Request.Ping()));
            gone.nextOfType("pong");
            String connectionId = connectionOf("unreachable-chunk");
            local.cloud().faults().failConnection(connectionId, 500, Integer.MAX_VALUE);

            // as the Message function publishes a page of a large room
            String messageId = local.sns()
                    .publish(b -> b.topicArn(local.cloud().topicArn("FanOutTopic"))
                            .message("{\"connectionIds\":[\"" + connectionId
                                    + "\"],\"frame\":\"{\\\"type\\\":\\\"pong\\\"}\"}")
                            .messageAttributes(Map.of(
                                    "switchboard.kind",
                                    MessageAttributeValue.builder()
                                            .dataType("String")
                                            .stringValue("fanout-chunk")
                                            .build())))
                    .messageId();
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> Integer.parseInt(sqs.getQueueAttributes(
                                            b -> b.queueUrl(queueUrl).attributeNamesWithStrings("All"))
                                    .attributesAsStrings()
                                    .get("ApproximateNumberOfMessages"))
                            == 1);

            // the AWS CLI, as an operator would look (skipped where it is not installed)
            Assumptions.assumeTrue(awsCliInstalled(), "the aws CLI is not installed (apt-get install awscli)");
            ProcessBuilder cli = new ProcessBuilder(
                            "aws",
                            "sqs",
                            "receive-message",
                            "--region",
                            "us-east-1",
                            "--endpoint-url",
                            local.cloud().sqsEndpoint().toString(),
                            "--queue-url",
                            queueUrl,
                            "--visibility-timeout",
                            "0",
                            "--output",
                            "json")
                    .redirectErrorStream(true);
            cli.environment().putAll(Map.of("AWS_ACCESS_KEY_ID", "local", "AWS_SECRET_ACCESS_KEY", "local"));
            Process process = cli.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as(output).isZero();
            JsonObject body = JsonParser.parseString(JsonParser.parseString(output)
                            .getAsJsonObject()
                            .getAsJsonArray("Messages")
                            .get(0)
                            .getAsJsonObject()
                            .get("Body")
                            .getAsString())
                    .getAsJsonObject();
            assertThat(body.getAsJsonObject("requestPayload")
                            .getAsJsonArray("Records")
                            .get(0)
                            .getAsJsonObject()
                            .getAsJsonObject("Sns")
                            .get("MessageId")
                            .getAsString())
                    .isEqualTo(messageId);

            assertThat(nextDeadLetter().body()).contains(messageId);
        }
    }

    static boolean awsCliInstalled() {
        try {
            return new ProcessBuilder("aws", "--version")
                    .redirectErrorStream(true)
                    .start()
                    .waitFor(30, TimeUnit.SECONDS);
        } catch (java.io.IOException | InterruptedException e) {
            return false;
        }
    }
}
