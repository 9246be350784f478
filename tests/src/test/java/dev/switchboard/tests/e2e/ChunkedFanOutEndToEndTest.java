package dev.switchboard.tests.e2e;

import static dev.switchboard.tests.e2e.LocalCloudFixture.userUri;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonParser;
import dev.switchboard.local.WsClient;
import dev.switchboard.local.metrics.MetricsBoard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A room larger than one fan-out chunk: the Message function posts the first page itself and
 * publishes every further page to the SNS topic, where Broadcast function instances post them
 * (on AWS in parallel). Every member must get every message exactly once, and the chunks must
 * really have gone through SNS and the Broadcast function: the functions' own metrics
 * (ChunksPublished, ChunksDelivered, Deliveries), read by the local cloud from their EMF records,
 * say so.
 */
class ChunkedFanOutEndToEndTest {

    static final int CHUNK = 4;
    static final int MEMBERS = 13;
    static final int MESSAGES = 3;
    static final String ROOM = "chunked";

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.with(b -> b.devAuth(true)
            .environment(Map.of(
                    "SWITCHBOARD_FANOUT_CHUNK_SIZE",
                    Integer.toString(CHUNK),
                    "SWITCHBOARD_SEND_RATE_PER_SECOND",
                    "0")));

    @Test
    void roomLargerThanAChunk_everyMemberGetsEveryMessageOnce_viaSnsChunks() throws Exception {
        MetricsBoard metrics = local.cloud().metrics();
        List<WsClient> members = new ArrayList<>();
        try (WsClient sender = WsClient.connect(userUri(local.cloud(), "chunk-sender"))) {
            for (int i = 0; i < MEMBERS; i++) {
                WsClient member = WsClient.connect(userUri(local.cloud(), "chunk-member" + i));
                members.add(member);
                ChatEndToEndTest.join(member, ROOM, "chunk-member" + i);
            }
            ChatEndToEndTest.join(sender, ROOM, "chunk-sender");
            int audience = MEMBERS + 1; // the sender is a member too
            // presence goes out in chunks too: wait until the last join's has reached everyone and every
            // chunk published so far is delivered and counted, then count only what the messages add
            for (WsClient member : members) {
                member.next(f -> ChatEndToEndTest.presence(f, "join", "chunk-sender"));
            }
            Map<String, Double> before = settled(metrics);

            List<String> sent = new ArrayList<>();
            for (int m = 0; m < MESSAGES; m++) {
                sent.add(ChatEndToEndTest.send(sender, ROOM, "chunked " + m, "c-" + m));
            }

            for (WsClient member : members) {
                List<String> got = new ArrayList<>();
                for (int m = 0; m < MESSAGES; m++) {
                    got.add(member.nextOfType("message").get("id").getAsString());
                }
                assertThat(got).containsExactlyInAnyOrderElementsOf(sent);
            }
            // each message: the first page of the room (14 with the sender) posted by the Message function,
            // each further page a chunk published to SNS and delivered by the Broadcast function
            int chunksPerMessage = (audience + CHUNK - 1) / CHUNK - 1;
            await().atMost(WsClient.WAIT).untilAsserted(() -> {
                Map<String, Double> added = added(before, metrics);
                assertThat(added.get("ChunksPublished")).isEqualTo(chunksPerMessage * MESSAGES);
                assertThat(added.get("ChunksDelivered")).isEqualTo(chunksPerMessage * MESSAGES);
                assertThat(added.get("MessagesSent")).isEqualTo(MESSAGES);
                // every member once per message, and the sender's acknowledgement
                assertThat(added.get("Deliveries")).isEqualTo((MEMBERS + 1) * MESSAGES);
            });
            // a quiet second: a chunk delivered twice would show up as a further copy and more deliveries
            TimeUnit.SECONDS.sleep(1);
            for (WsClient member : members) {
                assertThat(member.frames.stream()
                                .map(f -> JsonParser.parseString(f).getAsJsonObject())
                                .filter(f -> f.get("type").getAsString().equals("message")))
                        .as("no second copies")
                        .isEmpty();
            }
            Map<String, Double> added = added(before, metrics);
            assertThat(added.get("Deliveries")).isEqualTo((MEMBERS + 1) * MESSAGES);
            assertThat(added.get("DeliveriesGone") + added.get("DeliveriesFailed"))
                    .as("not delivered")
                    .isZero();
        } finally {
            members.forEach(WsClient::close);
        }
    }

    static final List<String> COUNTED = List.of(
            "ChunksPublished", "ChunksDelivered", "MessagesSent", "Deliveries", "DeliveriesGone", "DeliveriesFailed");

    /**
     * The totals once every chunk published has been delivered and no EMF record has arrived for
     * half a second (bounded): a chunk's metrics are flushed after its frames reach the members.
     */
    static Map<String, Double> settled(MetricsBoard metrics) {
        long[] records = {-1};
        await().atMost(WsClient.WAIT).pollInterval(Duration.ofMillis(500)).until(() -> {
            long now = metrics.records();
            boolean quiet = now == records[0] && metrics.total("ChunksPublished") == metrics.total("ChunksDelivered");
            records[0] = now;
            return quiet;
        });
        return totals(metrics);
    }

    static Map<String, Double> totals(MetricsBoard metrics) {
        Map<String, Double> out = new java.util.HashMap<>();
        COUNTED.forEach(name -> out.put(name, metrics.total(name)));
        return out;
    }

    static Map<String, Double> added(Map<String, Double> before, MetricsBoard metrics) {
        Map<String, Double> out = new java.util.HashMap<>();
        COUNTED.forEach(name -> out.put(name, metrics.total(name) - before.get(name)));
        return out;
    }
}
