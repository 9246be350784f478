package dev.switchboard.tests.e2e;

import static dev.switchboard.tests.e2e.LocalCloudFixture.userUri;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.switchboard.local.DynamoDbFaultProxy;
import dev.switchboard.local.LocalCloud;
import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Failures of the services behind the handlers, injected in the local cloud: {@code @connections}
 * answering 410 / 429 / 500 during room sends, and DynamoDB throttling (a proxy in front of DynamoDB
 * Local answering ProvisionedThroughputExceededException / ThrottlingException). What clients get
 * is compared with what the handler reports ({@code send ID to ROOM: delivered= gone= failed=}, read
 * from the captured log) and with what the table holds.
 */
class FaultEndToEndTest {

    static final Pattern SEND_LOG =
            Pattern.compile("send (\\w+) to (\\S+): delivered=(\\d+) gone=(\\d+) failed=(\\d+)");
    static final int MEMBERS = 8;

    static LocalCloud cloud;
    static TableProbe table;
    static LogCapture log;

    record SendReport(String id, int delivered, int gone, int failed) {
        int audience() {
            return delivered + gone + failed;
        }
    }

    @RegisterExtension
    static final LocalCloudExtension local =
            LocalCloudExtension.with(b -> b.devAuth(true).dynamoDbFaults(true));

    @BeforeAll
    static void start() {
        log = new LogCapture();
        cloud = local.cloud();
        table = local.table();
        // the tests send in bursts: several instances warm, so no frame waits for a cold start mid-test
        local.warmUp(4);
    }

    @AfterAll
    static void stop() {
        log.close();
    }

    @AfterEach
    void clearFaults() {
        cloud.faults().clear();
        cloud.dynamoDbFaults().clear();
    }

    /** The handler's report of each send to {@code room}, by message id, in log order. */
    static Map<String, SendReport> reports(String room) {
        Map<String, SendReport> reports = new LinkedHashMap<>();
        for (Matcher m : log.matching(SEND_LOG)) {
            if (m.group(2).equals(room)) {
                reports.put(
                        m.group(1),
                        new SendReport(
                                m.group(1),
                                Integer.parseInt(m.group(3)),
                                Integer.parseInt(m.group(4)),
                                Integer.parseInt(m.group(5))));
            }
        }
        return reports;
    }

    static SendReport awaitReport(String room, String id) {
        await().atMost(WsClient.WAIT).until(() -> reports(room).containsKey(id));
        return reports(room).get(id);
    }

    /** Every frame a client has received so far (after the handler finished, they are all in flight or here). */
    static List<JsonObject> drain(WsClient client, Duration quiet) throws InterruptedException {
        List<JsonObject> frames = new ArrayList<>();
        String raw;
        while ((raw = client.frames.poll(quiet.toMillis(), TimeUnit.MILLISECONDS)) != null) {
            frames.add(JsonParser.parseString(raw).getAsJsonObject());
        }
        return frames;
    }

    /**
     * The frames posted to {@code client} before now, with no guess at how long they take: sends a ping and
     * collects until its answer (a pong, or the error a connection the server forgot gets). The gateway
     * writes a connection's posts in the order it accepted them, so whatever was posted before the answer
     * has arrived once the answer has. Only for posts already accepted (a send's report is logged after
     * its posts were answered), and it takes one token of the connection's rate limit.
     */
    static List<JsonObject> untilFence(WsClient client) throws InterruptedException {
        client.send(Json.write(new Request.Ping()));
        List<JsonObject> frames = new ArrayList<>();
        while (true) {
            JsonObject f = client.next();
            String type = f.has("type") ? f.get("type").getAsString() : "";
            if (type.equals("pong")
                    || type.equals("error")
                            && f.has("requestAction")
                            && f.get("requestAction").getAsString().equals("ping")) {
                return frames;
            }
            frames.add(f);
        }
    }

    static Map<String, Integer> messageCounts(List<JsonObject> frames) {
        Map<String, Integer> counts = new HashMap<>();
        frames.stream()
                .filter(f -> f.has("type") && f.get("type").getAsString().equals("message"))
                .forEach(f -> counts.merge(f.get("id").getAsString(), 1, Integer::sum));
        return counts;
    }

    static String sendFrame(String room, String text, String clientMsgId) {
        return Json.write(new Request.Send(room, text, clientMsgId));
    }

    @Test
    void connectionsFaults_retry429And500ToDelivery_remove410dConnections_andEveryAudienceAddsUp() throws Exception {
        String room = "fault-room";
        List<WsClient> members = new ArrayList<>();
        try (WsClient sender = WsClient.connect(userUri(cloud, "sam"))) {
            ChatEndToEndTest.join(sender, room, "sam");
            for (int i = 0; i < MEMBERS; i++) {
                WsClient member = WsClient.connect(userUri(cloud, "member" + i));
                members.add(member);
                ChatEndToEndTest.join(member, room, "member" + i);
            }
            // presence settled: everyone has seen the last join, so no post is in flight
            String last = "member" + (MEMBERS - 1);
            sender.next(f -> ChatEndToEndTest.presence(f, "join", last));
            for (WsClient member : members.subList(0, MEMBERS - 1)) { // the last one saw it in join()
                member.next(f -> ChatEndToEndTest.presence(f, "join", last));
            }
            Map<Integer, List<JsonObject>> framesOf = new HashMap<>();
            List<String> allIds = new ArrayList<>();

            // 1. 429 and 500, at most two per send: every post (ack included) succeeds on a retry
            long injectedBefore = cloud.faults().injected();
            List<String> retried = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                cloud.faults().failNext(i % 2 == 0 ? 429 : 500, 2);
                String id = ChatEndToEndTest.send(sender, room, "retried " + i, "r-" + i);
                retried.add(id);
                SendReport report = awaitReport(room, id);
                assertThat(report).as("message %d", i).isEqualTo(new SendReport(id, MEMBERS, 0, 0));
            }
            assertThat(cloud.faults().injected() - injectedBefore).isEqualTo(12);
            allIds.addAll(retried);

            // 2. 500 on 35% of posts: some recipients fail three times; the report must say so exactly
            cloud.faults().failRate(500, 0.35);
            int before = reports(room).size();
            for (int i = 0; i < 6; i++) {
                sender.send(sendFrame(room, "flaky " + i, "f-" + i)); // its ack may be lost too
            }
            // WAIT, not less: sends in a burst may each need a new instance, and a cold start took 50 s on the loaded
            // machine (three of these six waited that long in one run)
            await().atMost(WsClient.WAIT).until(() -> reports(room).size() == before + 6);
            cloud.faults().clear();
            List<SendReport> flaky = new ArrayList<>(reports(room).values()).subList(before, before + 6);
            String sentinel = ChatEndToEndTest.send(sender, room, "sentinel", "s-1");
            for (int i = 0; i < MEMBERS; i++) {
                WsClient member = members.get(i);
                List<JsonObject> frames = new ArrayList<>();
                JsonObject f;
                do {
                    f = member.next();
                    frames.add(f);
                } while (!(f.has("id") && f.get("id").getAsString().equals(sentinel)));
                framesOf.put(i, frames);
            }
            for (SendReport report : flaky) {
                assertThat(report.audience()).as(report.id()).isEqualTo(MEMBERS);
                assertThat(report.gone()).isZero();
                long got = framesOf.values().stream()
                        .filter(frames -> messageCounts(frames).containsKey(report.id()))
                        .count();
                assertThat(got).as("members that got %s", report.id()).isEqualTo(report.delivered());
                allIds.add(report.id());
            }
            System.out.println("FaultEndToEndTest 500 at 35%: " + flaky);
            allIds.add(sentinel);
            for (int i = 0; i < MEMBERS; i++) {
                Map<String, Integer> counts = messageCounts(framesOf.get(i));
                assertThat(counts.values()).as("member%d: no message twice", i).allMatch(n -> n == 1);
                assertThat(counts.keySet())
                        .as("member%d got every retried message", i)
                        .containsAll(retried);
            }
            // the ack of every flaky send came at most once
            Map<String, Integer> acks = new HashMap<>();
            drain(sender, Duration.ofMillis(300)).stream()
                    .filter(x -> x.has("type") && x.get("type").getAsString().equals("ack"))
                    .forEach(x -> acks.merge(x.get("clientMsgId").getAsString(), 1, Integer::sum));
            assertThat(acks.values()).allMatch(n -> n == 1);

            // 3. 410: the first three posts of the next send say "gone". The sender's ack travels while the room
            // is posted to (ChatService.send), so the three are the ack and two members, or three members: which,
            // this test does not fix (it once assumed the ack went first, and a fresh-clone run saw 3 members gone).
            cloud.faults().failNext(410, 3);
            sender.send(sendFrame(room, "into the void", "g-1"));
            await().atMost(WsClient.WAIT).until(() -> reports(room).size() == before + 6 + 2);
            SendReport goneReport = new ArrayList<>(reports(room).values()).get(before + 7);
            String goneId = goneReport.id();
            allIds.add(goneId);
            int goneMembers = goneReport.gone();
            boolean ackGone = goneMembers == 2;
            assertThat(goneMembers).as("members answered 410").isBetween(2, 3);
            assertThat(goneReport).isEqualTo(new SendReport(goneId, MEMBERS - goneMembers, goneMembers, 0));
            List<String> receivedBy = new ArrayList<>();
            List<String> missedBy = new ArrayList<>();
            for (int i = 0; i < MEMBERS; i++) {
                List<JsonObject> frames = untilFence(members.get(i)); // not a quiet period: arrival takes what it takes
                assertThat(messageCounts(frames).getOrDefault(goneId, 0)).isLessThanOrEqualTo(1);
                (messageCounts(frames).containsKey(goneId) ? receivedBy : missedBy).add("member" + i);
            }
            assertThat(receivedBy).hasSize(MEMBERS - goneMembers);
            assertThat(missedBy).hasSize(goneMembers);
            assertThat(untilFence(sender).stream()
                            .filter(x ->
                                    x.has("type") && x.get("type").getAsString().equals("ack")))
                    .as("the sender's ack: lost when it was one of the 410s, else once")
                    .hasSize(ackGone ? 0 : 1);
            // the 410'd connections are gone from the table, memberships included; the rest stay
            for (String user : missedBy) {
                assertThat(table.connectionsOf(user)).as(user).isEmpty();
            }
            assertThat(table.connectionsOf("sam")).hasSize(ackGone ? 0 : 1);
            for (String user : receivedBy) {
                assertThat(table.connectionsOf(user)).as(user).hasSize(1);
            }
            // the room had MEMBERS + the sender; three of them answered 410 either way
            assertThat(table.memberConnections(room)).hasSize(MEMBERS - 2);

            // history holds every message, whatever happened to its delivery
            assertThat(table.messageIds(room)).containsExactlyInAnyOrderElementsOf(allIds);
        } finally {
            members.forEach(WsClient::close);
        }
    }

    @Test
    void dynamoDbThrottling_isRetriedByTheSdk_soSendsSucceed_andFailsVisiblyOnlyWhenEveryAttemptIsThrottled()
            throws Exception {
        DynamoDbFaultProxy dynamo = cloud.dynamoDbFaults();
        String room = "throttled-room";
        long throttledBefore = dynamo.throttled();
        long retriesBefore = dynamo.retriesForwarded();
        // half of all first attempts throttled, from the connects on
        dynamo.throttle(0.5, 1);
        List<WsClient> users = new ArrayList<>();
        try {
            for (int u = 0; u < 3; u++) {
                WsClient client = WsClient.connect(userUri(cloud, "thr" + u));
                users.add(client);
                ChatEndToEndTest.join(client, room, "thr" + u);
            }
            users.get(0).next(f -> ChatEndToEndTest.presence(f, "join", "thr2"));
            users.get(1).next(f -> ChatEndToEndTest.presence(f, "join", "thr2"));
            // everyone sends without waiting; then each collects its 5 acks and the others' 10 messages
            for (int m = 0; m < 5; m++) {
                for (int u = 0; u < 3; u++) {
                    users.get(u).send(sendFrame(room, "under pressure " + m, "t" + u + "-" + m));
                }
            }
            List<String> ids = new ArrayList<>();
            for (int u = 0; u < 3; u++) {
                Map<String, Integer> acks = new HashMap<>();
                Map<String, Integer> messages = new HashMap<>();
                long deadline = System.nanoTime() + WsClient.WAIT.toNanos(); // as above: new instances may start
                while (acks.size() < 5 || messages.size() < 10) {
                    String raw =
                            users.get(u).frames.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                    assertThat(raw)
                            .as("thr%d: %d acks, %d messages so far", u, acks.size(), messages.size())
                            .isNotNull();
                    JsonObject f = JsonParser.parseString(raw).getAsJsonObject();
                    assertThat(f.has("type"))
                            .as("no gateway error frame: %s", raw)
                            .isTrue();
                    switch (f.get("type").getAsString()) {
                        case "ack" -> {
                            acks.merge(f.get("clientMsgId").getAsString(), 1, Integer::sum);
                            ids.add(f.get("id").getAsString());
                        }
                        case "message" -> messages.merge(f.get("id").getAsString(), 1, Integer::sum);
                        case "presence" -> {}
                        default -> throw new AssertionError("thr" + u + " got " + raw);
                    }
                }
                Map<String, Integer> late = messageCounts(drain(users.get(u), Duration.ofMillis(300)));
                late.forEach((id, n) -> messages.merge(id, n, Integer::sum));
                assertThat(acks.values()).as("thr%d: one ack per send", u).allMatch(n -> n == 1);
                assertThat(messages)
                        .as("thr%d: the 10 others' messages, once each", u)
                        .hasSize(10)
                        .allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
            }
            assertThat(table.messageIds(room)).containsExactlyInAnyOrderElementsOf(ids);
            // requests after the posts (the fan-out completion record) may still be retrying: wait for their retries
            await().atMost(WsClient.WAIT)
                    .until(() -> dynamo.retriesForwarded() - retriesBefore >= dynamo.throttled() - throttledBefore);
            long throttled = dynamo.throttled() - throttledBefore;
            long retries = dynamo.retriesForwarded() - retriesBefore;
            System.out.printf(
                    "FaultEndToEndTest DynamoDB: %d requests throttled, %d retries forwarded, %d sends all acked%n",
                    throttled, retries, ids.size());
            assertThat(throttled).as("throttling was injected").isGreaterThan(10);
            assertThat(retries)
                    .as("each throttled request was retried by the SDK")
                    .isGreaterThanOrEqualTo(throttled);

            // every attempt throttled: the SDK gives up, the function fails, API Gateway's error frame
            // reaches the client, the connection stays, nothing is stored; a retry with the same
            // clientMsgId then goes through once
            dynamo.throttle(1.0, Integer.MAX_VALUE);
            users.get(0).send(sendFrame(room, "doomed", "doomed-1"));
            JsonObject failure = users.get(0).next();
            assertThat(failure.has("type")).isFalse();
            assertThat(failure.get("message").getAsString()).isEqualTo("Internal server error");
            dynamo.clear();
            assertThat(table.messageIds(room)).hasSize(ids.size());
            String id = ChatEndToEndTest.send(users.get(0), room, "doomed", "doomed-1");
            assertThat(users.get(1).nextOfType("message").get("id").getAsString())
                    .isEqualTo(id);
            assertThat(table.messageIds(room)).hasSize(ids.size() + 1).contains(id);
        } finally {
            users.forEach(WsClient::close);
        }
    }
}
