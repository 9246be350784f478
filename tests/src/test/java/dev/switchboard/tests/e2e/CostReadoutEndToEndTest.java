package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.switchboard.local.LocalCloud;
import dev.switchboard.local.WsClient;
import dev.switchboard.local.metrics.CostReadout;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The local cloud's cost readout for real traffic: messages sent to rooms of 2 and 100 members
 * (and 1,000 with {@code -Dswitchboard.cost.rooms=2,100,1000}, the docs/PERFORMANCE.md figures).
 * The API Gateway messages it bills must be exactly what the clients sent and received, and it
 * prints the cost per 1,000,000 messages sent ({@code COST room=...} lines).
 */
class CostReadoutEndToEndTest {

    static final int MESSAGES = 5;

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.with(b -> b.devAuth(true)
            .environment(Map.of("SWITCHBOARD_SEND_RATE_PER_SECOND", "0", "SWITCHBOARD_MAX_CONNECTIONS_PER_USER", "0")));

    @Test
    void messagesToRooms_billTheMessagesTheClientsSaw_andPriceThem() throws Exception {
        int[] rooms = Arrays.stream(
                        System.getProperty("switchboard.cost.rooms", "2,100").split(","))
                .mapToInt(Integer::parseInt)
                .toArray();
        for (int size : rooms) {
            measure(size);
        }
    }

    private void measure(int size) throws Exception {
        LocalCloud cloud = local.cloud();
        String room = "cost" + size;
        List<WsClient> members = new ArrayList<>();
        try {
            for (int i = 0; i < size; i++) {
                WsClient member = WsClient.connect(local.userUri(room + "-u" + i));
                members.add(member);
                ChatEndToEndTest.join(member, room, room + "-u" + i);
            }
            Snapshot before = settle(cloud);
            WsClient sender = members.get(0);
            for (int m = 0; m < MESSAGES; m++) {
                ChatEndToEndTest.send(sender, room, "what does this cost? " + m, "cost-" + m);
            }
            for (WsClient member : members.subList(1, size)) {
                for (int m = 0; m < MESSAGES; m++) {
                    member.nextOfType("message");
                }
            }
            // every member's copy and the sender's acknowledgement, per message, plus the frames sent
            long expectedMessages = MESSAGES + (long) MESSAGES * size;
            await().atMost(WsClient.WAIT)
                    .untilAsserted(() -> assertThat(cloud.usage().apiMessages() - before.apiMessages)
                            .isEqualTo(expectedMessages));
            Snapshot after = settle(cloud);
            assertThat(after.apiMessages - before.apiMessages)
                    .as("API Gateway messages billed")
                    .isEqualTo(expectedMessages);
            assertThat(after.lambdaRequests - before.lambdaRequests)
                    .as("one Message function invocation per send")
                    .isEqualTo(MESSAGES);
            assertThat(after.writeUnits - before.writeUnits)
                    .as("DynamoDB write units, as DynamoDB Local reports them")
                    .isPositive();

            double perMessage = (after.costWithoutConnections - before.costWithoutConnections) / MESSAGES;
            System.out.printf(
                    Locale.ROOT,
                    "COST room=%d messages=%d perMillion=$%.2f (API Gateway $%.2f, Lambda $%.2f, "
                            + "DynamoDB $%.2f, SNS $%.2f; write units/message %.2f, read units/message %.2f, GB-s/message %.6f)%n",
                    size,
                    MESSAGES,
                    perMessage * 1e6,
                    (after.api - before.api) / MESSAGES * 1e6,
                    (after.lambda - before.lambda) / MESSAGES * 1e6,
                    (after.dynamo - before.dynamo) / MESSAGES * 1e6,
                    (after.sns - before.sns) / MESSAGES * 1e6,
                    (after.writeUnits - before.writeUnits) / MESSAGES,
                    (after.readUnits - before.readUnits) / MESSAGES,
                    (after.gbSeconds - before.gbSeconds) / MESSAGES);
            assertThat(perMessage)
                    .as("at least the API Gateway messages")
                    .isGreaterThanOrEqualTo((size + 1) * 1.00 / 1e6);
            // the JSON endpoint serves the same readout
            HttpResponse<String> json = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create(cloud.metricsUri().toString()))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(json.statusCode()).isEqualTo(200);
            JsonObject readout = JsonParser.parseString(json.body()).getAsJsonObject();
            assertThat(readout.getAsJsonObject("usage")
                            .get("apiGatewayMessages")
                            .getAsLong())
                    .isGreaterThanOrEqualTo(after.apiMessages);
            assertThat(readout.getAsJsonObject("metrics")
                            .getAsJsonObject("MessagesSent")
                            .get("sum")
                            .getAsDouble())
                    .isGreaterThanOrEqualTo(MESSAGES);
        } finally {
            members.forEach(WsClient::close);
        }
    }

    /** Readout totals at one moment. */
    record Snapshot(
            long apiMessages,
            long lambdaRequests,
            double gbSeconds,
            double writeUnits,
            double readUnits,
            double api,
            double lambda,
            double dynamo,
            double sns,
            double costWithoutConnections) {}

    /** The readout once no EMF record and no message has arrived for a second (bounded). */
    static Snapshot settle(LocalCloud cloud) {
        long[] last = {-1};
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(1000))
                .until(() -> {
                    long now = cloud.metrics().records() + cloud.usage().apiMessages();
                    boolean quiet = now == last[0];
                    last[0] = now;
                    return quiet;
                });
        long now = System.currentTimeMillis();
        CostReadout.Cost cost = cloud.readout().cost(now);
        long requests = cloud.usage().functions().values().stream()
                .mapToLong(f -> f.requests())
                .sum();
        double gbs = cloud.usage().functions().values().stream()
                .mapToDouble(f -> f.gbSeconds())
                .sum();
        return new Snapshot(
                cloud.usage().apiMessages(),
                requests,
                gbs,
                cloud.readout().writeUnits(),
                cloud.readout().readUnits(),
                cost.apiMessages(),
                cost.lambdaRequests() + cost.lambdaDuration(),
                cost.dynamoDbReads() + cost.dynamoDbWrites(),
                cost.snsPublishes(),
                cost.total() - cost.apiConnectionMinutes());
    }
}
