package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A notification to everyone goes out as one shard chunk per shard of the byShard index, each
 * queried and posted by its own Broadcast invocation (and a shard larger than a fan-out chunk hands
 * its further pages on as chunks): everyone connected gets it exactly once.
 */
class BroadcastToAllEndToEndTest {

    static final int SHARDS = 4;
    static final int CHUNK = 2;
    static final int CLIENTS = 13;
    static final Pattern DELIVERY_LINE = Pattern.compile("sns (\\S+) delivered=(\\d+) gone=(\\d+) failed=(\\d+)");

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.with(b -> b.devAuth(true)
            .environment(Map.of(
                    "SWITCHBOARD_ALL_SHARDS", Integer.toString(SHARDS),
                    "SWITCHBOARD_FANOUT_CHUNK_SIZE", Integer.toString(CHUNK))));

    @Test
    void notificationToAll_reachesEveryConnectionOnce_throughOneChunkPerShard() throws Exception {
        List<WsClient> clients = new ArrayList<>();
        try (LogCapture log = new LogCapture()) {
            for (int i = 0; i < CLIENTS; i++) {
                WsClient client = WsClient.connect(local.userUri("everyone" + i));
                clients.add(client);
                client.send(Json.write(new Request.Ping())); // registered: its $connect has finished
                client.nextOfType("pong");
            }

            // 15,000 line separators (U+2028), which JSON escapes to six bytes in the frame and seven in a shard
            // chunk: four chunks of ~105 KB pass the 256 KiB SNS takes in one PublishBatch together, so they must
            // go out in two batches (SNS refuses the whole batch with BatchRequestTooLong otherwise)
            String body = "at 22:00 UTC " + String.valueOf((char) 0x2028).repeat(15_000);
            String messageId =
                    local.publish("{\"target\":{\"all\":true},\"title\":\"Maintenance\",\"body\":\"" + body + "\"}");

            Set<String> ids = new HashSet<>();
            for (WsClient client : clients) {
                JsonObject notification = client.nextOfType("notification");
                assertThat(notification.get("title").getAsString()).isEqualTo("Maintenance");
                assertThat(notification.get("body").getAsString()).isEqualTo(body);
                ids.add(notification.get("id").getAsString());
            }
            assertThat(ids).as("one notification, one id").hasSize(1);

            // every delivery line is logged once its posts are done: wait until they account for everyone
            await().atMost(WsClient.WAIT).until(() -> delivered(log) >= CLIENTS);
            assertThat(log.matching(Pattern.compile("notification to all handed on as " + SHARDS + " shard chunks")))
                    .hasSize(1);
            List<Matcher> lines = log.matching(DELIVERY_LINE);
            assertThat(lines)
                    .as("the notification's own invocation posts nothing itself")
                    .anySatisfy(m -> assertThat(m.group(1) + " " + m.group(2)).isEqualTo(messageId + " 0"));
            // the notification, one invocation per shard, and one per further page of a shard
            assertThat(lines.size()).isGreaterThanOrEqualTo(1 + SHARDS);
            assertThat(lines)
                    .allSatisfy(m -> assertThat(m.group(3) + m.group(4)).isEqualTo("00"));

            // a quiet second: a shard or chunk delivered twice would show up as a further copy
            TimeUnit.SECONDS.sleep(1);
            for (WsClient client : clients) {
                assertThat(client.frames.stream()
                                .map(f -> JsonParser.parseString(f).getAsJsonObject())
                                .filter(f -> f.get("type").getAsString().equals("notification")))
                        .as("no second copies")
                        .isEmpty();
            }
            assertThat(delivered(log)).isEqualTo(CLIENTS);
        } finally {
            clients.forEach(WsClient::close);
        }
    }

    static int delivered(LogCapture log) {
        return log.matching(DELIVERY_LINE).stream()
                .mapToInt(m -> Integer.parseInt(m.group(2)))
                .sum();
    }
}
