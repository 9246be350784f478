package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Issue 14 items 5, 6 and 8: every listener on loopback only, requests for foreign host names
 * refused (DNS rebinding), SNS by POST only with a bounded body, a favicon, free ports for each port flag.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalListenersTest {
    private LocalCloud cloud;
    private List<Integer> ports;

    @BeforeAll
    void start() throws Exception {
        cloud = LocalCloud.start(LocalCloudOptions.builder()
                .functionMode(LocalCloudOptions.FunctionMode.IN_PROCESS)
                .template(Path.of("src/test/resources/test-template.yaml"))
                .build());
        ports = List.of(
                cloud.port(),
                cloud.snsEndpoint().getPort(),
                cloud.dynamoDbEndpoint().getPort());
    }

    @AfterAll
    void stop() {
        cloud.close();
    }

    @Test
    void portsOfZero_areFreePorts_andTheEndpointsSayWhichWereChosen() {
        assertThat(ports).doesNotHaveDuplicates().allMatch(p -> p > 0).doesNotContain(8080, 8000, 9911);
        assertThat(cloud.describe())
                .contains("localhost:" + ports.get(0), "localhost:" + ports.get(1), "localhost:" + ports.get(2));
    }

    @Test
    void everyListener_acceptsLoopback_IPv4AndIPv6() throws Exception {
        for (int port : ports) {
            try (Socket s = new Socket(InetAddress.getByName("127.0.0.1"), port)) {
                assertThat(s.isConnected()).isTrue();
            }
            if (hasIpv6Loopback()) {
                try (Socket s = new Socket(InetAddress.getByName("::1"), port)) {
                    assertThat(s.isConnected()).isTrue();
                }
            }
        }
    }

    @Test
    void everyListener_refusesThisMachinesNetworkAddress() throws Exception {
        Optional<InetAddress> external = networkAddress();
        assumeTrue(external.isPresent(), "this machine has no non-loopback IPv4 address to try");
        for (int port : ports) {
            // Before: WebSocket, @connections, SNS and DynamoDB Local listened on every interface.
            assertThatThrownBy(() -> {
                        try (Socket s = new Socket()) {
                            s.connect(new InetSocketAddress(external.get(), port), 5_000);
                        }
                    })
                    .as("port %d on %s", port, external.get())
                    .isInstanceOf(ConnectException.class);
        }
    }

    @Test
    void requestForAForeignHostName_isRefused403_onEveryListener() throws Exception {
        for (int port : ports) {
            assertThat(statusLine(port, "rebind.attacker.example"))
                    .as("port %d", port)
                    .contains(" 403 ");
            assertThat(statusLine(port, "localhost:" + port))
                    .as("port %d", port)
                    .doesNotContain(" 403 ");
        }
    }

    @Test
    void hostCheck_allowsLocalNamesOnly_unlessTheUserChoseTheNetwork() {
        assertThat(LocalListeners.isAllowed(null, "localhost:8080")).isTrue();
        assertThat(LocalListeners.isAllowed(null, "127.0.0.1")).isTrue();
        assertThat(LocalListeners.isAllowed(null, "[::1]:8080")).isTrue();
        assertThat(LocalListeners.isAllowed(null, "app.localhost")).isTrue();
        assertThat(LocalListeners.isAllowed(null, "localhost.attacker.example")).isFalse();
        assertThat(LocalListeners.isAllowed(null, "192.168.1.20:8080")).isFalse();
        assertThat(LocalListeners.isAllowed("192.168.1.20", "192.168.1.20:8080"))
                .isTrue();
        assertThat(LocalListeners.isAllowed("0.0.0.0", "anything.example")).isTrue();
    }

    @Test
    void snsPublish_byGet_isRefused405() throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(cloud.snsEndpoint() + "/?Action=Publish&TopicArn="
                                        + cloud.topicArn() + "&Message=x"))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());

        assertThat(answer.statusCode()).isEqualTo(405);
        assertThat(answer.body()).contains("POST");
    }

    @Test
    void snsRequestBody_overTheLimit_isRefused413_andAMessageOver256KB_is400() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        byte[] huge = new byte[SnsServer.MAX_REQUEST_BYTES + 1];
        java.util.Arrays.fill(huge, (byte) 'a');
        refusedUnread(
                http,
                HttpRequest.newBuilder(cloud.snsEndpoint())
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(huge))
                        .build(),
                "bytes: an SNS message is at most");

        String form = "Action=Publish&TopicArn=" + java.net.URLEncoder.encode(cloud.topicArn(), StandardCharsets.UTF_8)
                + "&Message=" + "m".repeat(SnsServer.MAX_MESSAGE_BYTES + 1);
        HttpResponse<String> tooLong = http.send(
                HttpRequest.newBuilder(cloud.snsEndpoint())
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(form))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(tooLong.body()).contains("InvalidParameter");
    }

    @Test
    void snsPublishBatch_isRefusedWhole_overTenEntriesOr256KBTogether_asSnsDoes() {
        try (software.amazon.awssdk.services.sns.SnsClient sns = software.amazon.awssdk.services.sns.SnsClient.builder()
                .endpointOverride(cloud.snsEndpoint())
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .build()) {
            // three entries of 90,000 bytes: each fits, together they pass 262,144 bytes
            List<software.amazon.awssdk.services.sns.model.PublishBatchRequestEntry> large =
                    java.util.stream.IntStream.range(0, 3)
                            .mapToObj(i -> software.amazon.awssdk.services.sns.model.PublishBatchRequestEntry.builder()
                                    .id("e" + i)
                                    .message("m".repeat(90_000))
                                    .build())
                            .toList();
            assertThatThrownBy(() ->
                            sns.publishBatch(r -> r.topicArn(cloud.topicArn()).publishBatchRequestEntries(large)))
                    .isInstanceOf(software.amazon.awssdk.services.sns.model.BatchRequestTooLongException.class)
                    .hasMessageContaining("split it");
            // two of them fit
            assertThat(sns.publishBatch(
                                    r -> r.topicArn(cloud.topicArn()).publishBatchRequestEntries(large.subList(0, 2)))
                            .successful())
                    .hasSize(2);

            List<software.amazon.awssdk.services.sns.model.PublishBatchRequestEntry> eleven =
                    java.util.stream.IntStream.range(0, 11)
                            .mapToObj(i -> software.amazon.awssdk.services.sns.model.PublishBatchRequestEntry.builder()
                                    .id("s" + i)
                                    .message("small")
                                    .build())
                            .toList();
            assertThatThrownBy(() ->
                            sns.publishBatch(r -> r.topicArn(cloud.topicArn()).publishBatchRequestEntries(eleven)))
                    .isInstanceOf(
                            software.amazon.awssdk.services.sns.model.TooManyEntriesInBatchRequestException.class);

            // a message's attributes count against its 256 KB: the body alone fits, with the attribute it does not
            String body = "m".repeat(SnsServer.MAX_MESSAGE_BYTES - 10);
            assertThatThrownBy(() -> sns.publish(r -> r.topicArn(cloud.topicArn())
                            .message(body)
                            .messageAttributes(java.util.Map.of(
                                    "kind",
                                    software.amazon.awssdk.services.sns.model.MessageAttributeValue.builder()
                                            .dataType("String")
                                            .stringValue("alert")
                                            .build()))))
                    .isInstanceOf(software.amazon.awssdk.services.sns.model.InvalidParameterException.class)
                    .hasMessageContaining("Message too long");
            assertThat(sns.publish(r -> r.topicArn(cloud.topicArn()).message(body))
                            .messageId())
                    .isNotBlank();
        }
    }

    @Test
    void sqsSendMessage_takesUpTo1MiB_andAnswersSqsInvalidParameterValueAbove_andAHugeBodyIs413() throws Exception {
        try (software.amazon.awssdk.services.sqs.SqsClient sqs = software.amazon.awssdk.services.sqs.SqsClient.builder()
                .endpointOverride(cloud.sqsEndpoint())
                .region(software.amazon.awssdk.regions.Region.US_EAST_1)
                .build()) {
            String queue = cloud.queueUrl("DeadLetterQueue");
            // SQS's largest message since August 2025: 1,048,576 bytes, accepted whole (the SDK checks the MD5)
            String largest = "q".repeat(SqsServer.MAX_MESSAGE_BYTES);
            String id =
                    sqs.sendMessage(r -> r.queueUrl(queue).messageBody(largest)).messageId();
            var received = sqs.receiveMessage(r -> r.queueUrl(queue).waitTimeSeconds(5))
                    .messages();
            assertThat(received).singleElement().satisfies(m -> {
                assertThat(m.messageId()).isEqualTo(id);
                assertThat(m.body()).isEqualTo(largest);
            });
            sqs.deleteMessage(
                    r -> r.queueUrl(queue).receiptHandle(received.get(0).receiptHandle()));

            // one byte more: what SQS answers, and nothing is queued
            String tooLong = largest + "q";
            assertThatThrownBy(() -> sqs.sendMessage(r -> r.queueUrl(queue).messageBody(tooLong)))
                    .isInstanceOfSatisfying(
                            software.amazon.awssdk.services.sqs.model.SqsException.class,
                            e -> assertThat(e.statusCode()).isEqualTo(400))
                    .hasMessageContaining("Message must be shorter than 1048576 bytes");
            assertThat(sqs.getQueueAttributes(
                                    r -> r.queueUrl(queue).attributeNamesWithStrings("ApproximateNumberOfMessages"))
                            .attributesAsStrings())
                    .containsEntry("ApproximateNumberOfMessages", "0");
        }

        // a body beyond any valid request is refused by its length, unread
        byte[] huge = new byte[SqsServer.MAX_REQUEST_BYTES + 1];
        java.util.Arrays.fill(huge, (byte) 'a');
        refusedUnread(
                HttpClient.newHttpClient(),
                HttpRequest.newBuilder(cloud.sqsEndpoint())
                        .header("Content-Type", "application/x-amz-json-1.0")
                        .header("X-Amz-Target", "AmazonSQS.SendMessage")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(huge))
                        .build(),
                "at most 1048576 bytes");
    }

    /**
     * Sends a body over a listener's bound: the answer is 413 naming the limit, sent as soon as the declared length
     * is read. A client still uploading when the server answers and closes may see the connection reset instead of
     * the 413 (RFC 9112 §9.6: the server closes without reading the rest; a fresh-clone run on a loaded machine saw
     * it); then the listener must still serve the next request.
     */
    private void refusedUnread(HttpClient http, HttpRequest oversized, String limitText) throws Exception {
        try {
            HttpResponse<String> tooBig = http.send(oversized, HttpResponse.BodyHandlers.ofString());
            assertThat(tooBig.statusCode()).isEqualTo(413);
            assertThat(tooBig.body()).contains(limitText);
        } catch (java.io.IOException resetWhileUploading) {
            HttpResponse<String> next = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(oversized.uri())
                                    .header("Content-Type", "application/x-www-form-urlencoded")
                                    .POST(HttpRequest.BodyPublishers.ofString("Action=ListTopics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(next.statusCode()).as("served after the reset").isEqualTo(200);
        }
    }

    @Test
    void favicon_isServed() throws Exception {
        HttpResponse<byte[]> icon = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(cloud.chatPageUri().resolve("/favicon.ico"))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());

        assertThat(icon.statusCode()).isEqualTo(200);
        assertThat(icon.body()).startsWith(0, 0, 1, 0); // ICONDIR: reserved 0, type 1 (icon)
    }

    /** The status line of {@code GET /} sent with this Host header (the JDK's HTTP client cannot set Host). */
    private static String statusLine(int port, String host) throws IOException {
        try (Socket s = new Socket(InetAddress.getByName("127.0.0.1"), port)) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b != -1 && b != '\n'; b = in.read()) {
                line.append((char) b);
            }
            return line.toString();
        }
    }

    private static boolean hasIpv6Loopback() {
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Optional<InetAddress> networkAddress() throws IOException {
        return NetworkInterface.networkInterfaces()
                .filter(i -> {
                    try {
                        return i.isUp() && !i.isLoopback();
                    } catch (IOException e) {
                        return false;
                    }
                })
                .flatMap(NetworkInterface::inetAddresses)
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress())
                .findFirst();
    }
}
