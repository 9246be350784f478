package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.LimitExceededException;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.PayloadTooLargeException;

/**
 * API Gateway's message limits on the way to the client (issue 14 items 1, 3, 4): up to 128 KB per
 * {@code @connections} message, sent in frames of at most 32 KB; a client that does not read gets
 * 429 at once; a connection's frames are handled concurrently.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GatewayLimitsTest {
    private LocalCloud cloud;
    private ApiGatewayManagementApiClient management;

    @BeforeAll
    void start() throws Exception {
        cloud = LocalCloud.start(LocalCloudOptions.builder()
                .functionMode(LocalCloudOptions.FunctionMode.IN_PROCESS)
                .template(Path.of("src/test/resources/test-template.yaml"))
                .functionTimeout(Duration.ofSeconds(20))
                .build());
        // "hello" is echoed through @connections (without it the handler failed at once with UnknownHost,
        // which is why the concurrency test below seemed to wait for "sleep")
        dev.switchboard.local.testhandlers.TestMessageHandler.managementEndpoint = cloud.connectionsEndpoint();
        // No SDK retries: a 429 must be the gateway's first answer, not one after backoff.
        management = ApiGatewayManagementApiClient.builder()
                .endpointOverride(cloud.connectionsEndpoint())
                .region(Region.US_EAST_1)
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)))
                .build();
    }

    @AfterAll
    void stop() {
        management.close();
        cloud.close();
    }

    private static String connectionIdOf(WsClient client) throws InterruptedException {
        client.send("{\"action\":\"hello\"}");
        return JsonParser.parseString(client.nextText())
                .getAsJsonObject()
                .get("connectionId")
                .getAsString();
    }

    @Test
    void post_of100KB_isDeliveredWhole() throws Exception {
        WsClient client = WsClient.connect(cloud.webSocketUri());
        String id = connectionIdOf(client);
        // Multi-byte characters too, so a frame boundary falls inside the text, not only on ASCII.
        String big = ("0123456789abcdef中".repeat(5_200)).substring(0, 100 * 1024 / 2);
        int bytes = big.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        assertThat(bytes).isBetween(32 * 1024 + 1, 131_072);

        management.postToConnection(r -> r.connectionId(id).data(SdkBytes.fromUtf8String(big)));

        // Before: 410 GoneException for anything over 32 KB, and the message never arrived.
        assertThat(client.nextText()).isEqualTo(big);
    }

    @Test
    void post_ofExactly128KB_isDelivered_andOneByteMore_is413() throws Exception {
        WsClient client = WsClient.connect(cloud.webSocketUri());
        String id = connectionIdOf(client);
        String max = "m".repeat(131_072);

        management.postToConnection(r -> r.connectionId(id).data(SdkBytes.fromUtf8String(max)));

        assertThat(client.nextText()).hasSize(131_072);
        assertThatThrownBy(() ->
                        management.postToConnection(r -> r.connectionId(id).data(SdkBytes.fromUtf8String(max + "m"))))
                .isInstanceOf(PayloadTooLargeException.class);
    }

    @Test
    void clientThatStopsReading_gets429_neverAHangingPost_andOthersAreServed() throws Exception {
        StalledClient stalled = StalledClient.connect(cloud.webSocketUri());
        stalled.socket.sendText("{\"action\":\"hello\"}", true).join();
        String id = JsonParser.parseString(stalled.first.poll(20, TimeUnit.SECONDS))
                .getAsJsonObject()
                .get("connectionId")
                .getAsString();
        SdkBytes chunk = SdkBytes.fromUtf8String("s".repeat(64 * 1024));

        // The stalled client reads nothing more: the socket's buffers fill, then the gateway's.
        LimitExceededException refused = null;
        long posted = 0;
        while (refused == null && posted < 256L * 1024 * 1024) {
            long start = System.nanoTime();
            try {
                management.postToConnection(r -> r.connectionId(id).data(chunk));
                posted += chunk.asByteArray().length;
            } catch (LimitExceededException e) {
                refused = e;
            }
            // Before: after about 2.7 MB every further POST hung. Each POST answers at once (it only buffers), but
            // a loaded machine may stall any call for a second or more: the bound tells a hang from a slow call.
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        }

        assertThat(refused).as("429 after %d bytes", posted).isNotNull();
        assertThat(refused.statusCode()).isEqualTo(429);
        WsClient other = WsClient.connect(cloud.webSocketUri());
        String otherId = connectionIdOf(other);
        management.postToConnection(r -> r.connectionId(otherId).data(SdkBytes.fromUtf8String("still served")));
        assertThat(other.nextText()).isEqualTo("still served");
        stalled.socket.abort();
    }

    @Test
    void framesOfOneConnection_runConcurrently_soALaterFrameCanFinishFirst() throws Exception {
        WsClient client = WsClient.connect(cloud.webSocketUri());
        // "sleep" outlasts the 20 s function timeout and ends in an error frame; "hello" is echoed long
        // before (20 s leaves room for a cold second instance on a loaded machine).
        client.send("{\"action\":\"sleep\"}");
        client.send("{\"action\":\"hello\"}");

        String first = client.nextText();
        String second = client.nextText();

        // In order, one at a time (the old behaviour), the error frame of "sleep" would come first.
        assertThat(first).contains("\"routeKey\":\"$default\"").contains("hello");
        assertThat(second).contains("\"message\": \"Internal server error\"");
    }

    /** A JDK client that takes one message and then reads nothing (the JDK client reads on demand only). */
    static final class StalledClient implements WebSocket.Listener {
        final BlockingQueue<String> first = new LinkedBlockingQueue<>();
        WebSocket socket;

        static StalledClient connect(URI uri) {
            StalledClient client = new StalledClient();
            client.socket = HttpClient.newHttpClient()
                    .newWebSocketBuilder()
                    .buildAsync(uri, client)
                    .join();
            return client;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            first.add(data.toString()); // and no request(): nothing more is read from the socket
            return null;
        }
    }
}
