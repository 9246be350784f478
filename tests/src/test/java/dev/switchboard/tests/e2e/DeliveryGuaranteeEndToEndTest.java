package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The delivery guarantee of docs/PROTOCOL.md under failure: at-least-once live delivery to the
 * members connected when a message was stored, ids to drop repeats, history as the record. DynamoDB
 * is made to fail in the middle of a fan-out (the local cloud's fault proxy fails every attempt of
 * the second page of the room's members); the send is stored, reaches only the first page, and the
 * client is told; its retry with the same clientMsgId then reaches every member, and a retry after
 * that completed fan-out is only acknowledged.
 */
class DeliveryGuaranteeEndToEndTest {

    static final int MEMBERS = 5;

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.with(b -> b.devAuth(true)
            .dynamoDbFaults(true)
            // pages of 2 members: the room of 6 is read in three pages (the later ones travel as SNS chunks)
            .environment(Map.of("SWITCHBOARD_FANOUT_CHUNK_SIZE", "2", "SWITCHBOARD_SEND_RATE_PER_SECOND", "0")));

    static LogCapture log;

    @BeforeAll
    static void start() {
        log = new LogCapture();
        local.warmUp();
    }

    static boolean messageWithId(JsonObject f, String id) {
        return f.has("type")
                && f.get("type").getAsString().equals("message")
                && f.get("id").getAsString().equals(id);
    }

    static String sendFrame(String room, String text, String clientMsgId) {
        return Json.write(new Request.Send(room, text, clientMsgId));
    }

    @Test
    void dynamoDbFailingMidFanOut_theClientIsTold_andItsRetryReachesEveryMember_thenAThirdTryIsOnlyAcknowledged()
            throws Exception {
        String room = "retry-room";
        List<WsClient> members = new ArrayList<>();
        try (WsClient sender = WsClient.connect(local.userUri("rex"))) {
            ChatEndToEndTest.join(sender, room, "rex");
            for (int i = 0; i < MEMBERS; i++) {
                WsClient member = WsClient.connect(local.userUri("mem" + i));
                members.add(member);
                ChatEndToEndTest.join(member, room, "mem" + i);
            }
            // presence settled: everyone saw the last join, so nothing of it is still in flight
            String last = "mem" + (MEMBERS - 1);
            sender.next(f -> ChatEndToEndTest.presence(f, "join", last));
            for (WsClient member : members.subList(0, MEMBERS - 1)) {
                member.next(f -> ChatEndToEndTest.presence(f, "join", last));
            }

            // 1. the first page of members is read and posted to; reading the second fails (every SDK attempt)
            // only this room's member queries count: another function's Query at the same moment (the sweep
            // every 60 s, a $disconnect) once took the failure and the send got no delivery_incomplete
            local.cloud().dynamoDbFaults().failCalls("Query", "ROOM#" + room, 1, 1);
            sender.send(sendFrame(room, "through the storm", "storm-1"));
            String id = sender.next(f -> ChatEndToEndTest.ackFor(f, "storm-1"))
                    .get("id")
                    .getAsString();
            JsonObject incomplete = sender.nextOfType("error");
            assertThat(incomplete.get("code").getAsString()).isEqualTo("delivery_incomplete");
            assertThat(incomplete.get("requestAction").getAsString()).isEqualTo("send");
            assertThat(incomplete.get("message").getAsString())
                    .contains(id)
                    .contains("send it again with clientMsgId 'storm-1'");
            assertThat(local.cloud().dynamoDbFaults().throttled())
                    .as("the fault was injected")
                    .isPositive();
            local.cloud().dynamoDbFaults().clear();
            // the error is posted after the first page's posts settled: what members have now is all they get
            Map<Integer, Integer> firstTry = new HashMap<>();
            for (int i = 0; i < MEMBERS; i++) {
                int n = (int) FaultEndToEndTest.drain(members.get(i), Duration.ofMillis(500)).stream()
                        .filter(f -> messageWithId(f, id))
                        .count();
                firstTry.put(i, n);
            }
            System.out.println("DeliveryGuaranteeEndToEndTest first try, copies per member: " + firstTry);
            assertThat(firstTry.values())
                    .as("at most the first page (2 connections) got it")
                    .allMatch(n -> n <= 1);
            assertThat(firstTry.values().stream().mapToInt(Integer::intValue).sum())
                    .isLessThanOrEqualTo(2);
            assertThat(firstTry.values()).as("the later pages did not").contains(0);
            assertThat(local.table().messageIds(room)).as("stored once").containsExactly(id);

            // 2. the retry with the same clientMsgId: the same ack, and the whole room again
            sender.send(sendFrame(room, "through the storm", "storm-1"));
            assertThat(sender.next(f -> ChatEndToEndTest.ackFor(f, "storm-1"))
                            .get("id")
                            .getAsString())
                    .isEqualTo(id);
            for (int i = 0; i < MEMBERS; i++) {
                JsonObject got = members.get(i).next(f -> messageWithId(f, id));
                assertThat(got.get("text").getAsString()).isEqualTo("through the storm");
            }
            await().atMost(WsClient.WAIT)
                    .until(() -> log.text().contains("send " + id + " to " + room + ": delivered="));
            // every member has it now: the ones the first try missed exactly once, the others once more (dropped by id)
            for (int i = 0; i < MEMBERS; i++) {
                long more = FaultEndToEndTest.drain(members.get(i), Duration.ofMillis(300)).stream()
                        .filter(f -> messageWithId(f, id))
                        .count();
                assertThat(more).as("mem%d: one copy from the retry", i).isZero();
            }

            // 3. its fan-out completed and was recorded: a third try is acknowledged, not delivered
            sender.send(sendFrame(room, "through the storm", "storm-1"));
            assertThat(sender.next(f -> ChatEndToEndTest.ackFor(f, "storm-1"))
                            .get("id")
                            .getAsString())
                    .isEqualTo(id);
            await().atMost(WsClient.WAIT)
                    .until(() ->
                            log.text().contains("duplicate send storm-1 from rex acknowledged again, not delivered"));
            String sentinel = ChatEndToEndTest.send(sender, room, "after the storm", "calm-1");
            for (int i = 0; i < MEMBERS; i++) {
                List<JsonObject> frames = new ArrayList<>();
                JsonObject f;
                do {
                    f = members.get(i).next();
                    frames.add(f);
                } while (!messageWithId(f, sentinel));
                assertThat(frames).as("mem%d: nothing more of %s", i, id).noneMatch(x -> messageWithId(x, id));
            }
            assertThat(sender.frames).as("no further error").noneMatch(raw -> raw.contains("\"error\""));
            assertThat(local.table().messageIds(room)).containsExactlyInAnyOrder(id, sentinel);
        } finally {
            members.forEach(WsClient::close);
        }
    }

    /**
     * A member whose client stopped reading: API Gateway answers its {@code @connections} posts 429
     * LimitExceededException at once while its buffer is full (injected here for that one
     * connection). The sender's ack comes at once, without an error; the others get the message;
     * the stuck member is retried within the invocation's time, counted as failed, and kept (429 is
     * not 410: it is not gone).
     */
    @Test
    void aMemberThatStoppedReading_costsTheSenderNothing_andIsCountedFailedNotGone() throws Exception {
        String room = "slow-room";
        try (WsClient sender = WsClient.connect(local.userUri("sal"));
                WsClient quick = WsClient.connect(local.userUri("quick"));
                WsClient stuck = WsClient.connect(local.userUri("stuck"))) {
            ChatEndToEndTest.join(sender, room, "sal");
            ChatEndToEndTest.join(quick, room, "quick");
            ChatEndToEndTest.join(stuck, room, "stuck");
            sender.next(f -> ChatEndToEndTest.presence(f, "join", "stuck"));
            quick.next(f -> ChatEndToEndTest.presence(f, "join", "stuck"));
            String stuckId = local.table()
                    .connectionsOf("stuck")
                    .get(0)
                    .get("connectionId")
                    .s();
            long injectedBefore = local.cloud().faults().injected();
            local.cloud().faults().failConnection(stuckId, 429, 1_000);
            try {
                long start = System.nanoTime();
                String id = ChatEndToEndTest.send(sender, room, "anyone there?", "slow-1");
                long ackMillis = (System.nanoTime() - start) / 1_000_000;
                assertThat(quick.next(f -> messageWithId(f, id)).get("text").getAsString())
                        .isEqualTo("anyone there?");
                // the stuck member's posts were tried (and retried) and answered 429
                await().atMost(WsClient.WAIT).until(() -> local.cloud().faults().injected() - injectedBefore >= 2);
                System.out.printf(
                        "DeliveryGuaranteeEndToEndTest stuck member: ack after %d ms, %d posts answered 429%n",
                        ackMillis, local.cloud().faults().injected() - injectedBefore);
                assertThat(FaultEndToEndTest.drain(sender, Duration.ofMillis(500)))
                        .as("no error for the sender")
                        .noneMatch(f ->
                                !f.has("type") || f.get("type").getAsString().equals("error"));
                assertThat(FaultEndToEndTest.drain(stuck, Duration.ofMillis(200)))
                        .noneMatch(f -> messageWithId(f, id));
                assertThat(local.table().connectionsOf("stuck"))
                        .as("429 is not gone: the connection stays")
                        .hasSize(1);
                assertThat(log.text()).doesNotContain("Task timed out");
            } finally {
                local.cloud().faults().clear();
            }
        }
    }
}
