package dev.switchboard.tests.e2e;

import static dev.switchboard.tests.e2e.LocalCloudFixture.userUri;
import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The per-connection send limit through the local cloud: a burst above it gets rate_limited error
 * frames on an open connection, what was accepted is delivered exactly once and stored, what was
 * refused is neither, and after the advertised wait the sender gets through again; every other
 * action draws on the same bucket.
 */
class RateLimitEndToEndTest {

    /** Low, so that refills during the burst are few and the wait afterwards is short. */
    static final int RATE = 2;

    static final int BURST = 5;
    static final int SENT = 25;
    static final String ROOM = "rl-room";

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.with(b -> b.devAuth(true)
            .environment(Map.of(
                    "SWITCHBOARD_SEND_RATE_PER_SECOND",
                    Integer.toString(RATE),
                    "SWITCHBOARD_SEND_BURST",
                    Integer.toString(BURST))));

    static JsonObject parse(String frame) {
        return JsonParser.parseString(frame).getAsJsonObject();
    }

    static String type(JsonObject f) {
        return f.has("type") ? f.get("type").getAsString() : "(none)";
    }

    @Test
    void burstAboveTheLimit_isRefusedWithRateLimited_theRestIsDeliveredOnce_andAfterTheWaitSendsWork()
            throws Exception {
        try (WsClient sender = WsClient.connect(userUri(local.cloud(), "flooder"));
                WsClient reader = WsClient.connect(userUri(local.cloud(), "reader"))) {
            ChatEndToEndTest.join(sender, ROOM, "flooder");
            ChatEndToEndTest.join(reader, ROOM, "reader");
            sender.next(f -> ChatEndToEndTest.presence(f, "join", "reader"));

            // Batches of SENT until one is refused: on a loaded machine a batch can take long enough for
            // the bucket to refill as fast as frames are handled (25 sends once took 13.7 s at 2/s).
            long started = System.nanoTime();
            int sent = 0;
            // one answer per send: an ack or a rate_limited error, nothing else, nothing twice
            Set<String> ackedIds = new HashSet<>();
            Set<String> answered = new HashSet<>();
            List<JsonObject> refusals = new ArrayList<>();
            while (refusals.isEmpty() && sent < 8 * SENT) {
                for (int i = 0; i < SENT; i++, sent++) {
                    sender.send(Json.write(new Request.Send(ROOM, "burst " + sent, "b-" + sent)));
                }
                while (answered.size() + refusals.size() < sent) {
                    JsonObject f = sender.next(x -> type(x).equals("ack") || type(x).equals("error"));
                    if (type(f).equals("ack")) {
                        assertThat(answered.add(f.get("clientMsgId").getAsString()))
                                .as("one ack per send")
                                .isTrue();
                        ackedIds.add(f.get("id").getAsString());
                    } else {
                        refusals.add(f);
                    }
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf(
                    "rate limit e2e: %d sent in %.2f s at limit %d/s burst %d: %d acked, %d rate_limited%n",
                    sent, seconds, RATE, BURST, ackedIds.size(), refusals.size());

            // the burst passes (less the join's token); beyond it only what refilled meanwhile
            assertThat(ackedIds.size()).isBetween(BURST - 1, BURST + (int) Math.ceil(seconds * RATE) + 1);
            assertThat(refusals).isNotEmpty().allSatisfy(e -> {
                assertThat(e.get("code").getAsString()).isEqualTo("rate_limited");
                assertThat(e.get("requestAction").getAsString()).isEqualTo("send");
                assertThat(e.get("retryAfterMs").getAsLong()).isBetween(1L, 1000L / RATE);
                assertThat(e.get("message").getAsString()).contains("retry in");
            });

            // the connection stayed open
            assertThat(sender.closeCode).isNotDone();

            // the reader got exactly the accepted messages, each once
            List<String> received = new ArrayList<>();
            for (int i = 0; i < ackedIds.size(); i++) {
                received.add(reader.nextOfType("message").get("id").getAsString());
            }
            assertThat(received).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(ackedIds);
            assertThat(reader.frames.poll(500, TimeUnit.MILLISECONDS))
                    .as("no more messages")
                    .isNull();

            // the table holds exactly the accepted messages, and the sender's connection with its bucket
            assertThat(local.table().messageIds(ROOM)).containsExactlyInAnyOrderElementsOf(ackedIds);
            List<Map<String, AttributeValue>> connections = local.table().connectionsOf("flooder");
            assertThat(connections).hasSize(1);
            // the bucket is on the connection's item; the byUser index does not project it (updating it writes the
            // table alone)
            assertThat(connections.get(0)).doesNotContainKey("sendTat");
            assertThat(local.table()
                            .connectionItems(
                                    connections.get(0).get("connectionId").s()))
                    .filteredOn(item -> item.get("sk").s().equals("META"))
                    .singleElement()
                    .satisfies(meta -> assertThat(meta).containsKey("sendTat"));

            // after the advertised wait, the sender gets through again
            String id = sendHonouringRetryAfter(
                    sender,
                    refusals.get(refusals.size() - 1).get("retryAfterMs").getAsLong());
            assertThat(reader.nextOfType("message").get("id").getAsString()).isEqualTo(id);
            assertThat(local.table().messageIds(ROOM))
                    .hasSize(ackedIds.size() + 1)
                    .contains(id);
        }
    }

    /**
     * Sends one message after waiting {@code retryAfterMs}, and again after each refusal's own
     * {@code retryAfterMs}; returns the accepted message's id. Every frame of the burst is answered
     * by now, so each attempt is the only request in flight. The first may still be refused: frames
     * are handled concurrently, so the refusal that arrived last need not be the one decided last (an
     * accepted frame decided after it moved the bucket on). A request sent {@code retryAfterMs} after
     * the refusal of a request that was alone in flight must be accepted: the server measures the
     * wait from its own answer, which reaches us later, and nothing else takes the token. So at most
     * one refusal, and the attempt after it is accepted; the waits are the advertised ones (ms), the
     * pacing this test is about, not a guess at how long something takes.
     */
    static String sendHonouringRetryAfter(WsClient sender, long retryAfterMs) throws InterruptedException {
        long wait = retryAfterMs;
        for (int attempt = 1; ; attempt++) {
            TimeUnit.MILLISECONDS.sleep(wait);
            String clientMsgId = "after-" + attempt;
            sender.send(Json.write(new Request.Send(ROOM, "after the wait " + attempt, clientMsgId)));
            // nothing else is in flight: the next ack or error answers this send
            JsonObject answer = sender.next(f -> type(f).equals("ack") || type(f).equals("error"));
            if (type(answer).equals("ack")) {
                assertThat(answer.get("clientMsgId").getAsString()).isEqualTo(clientMsgId);
                return answer.get("id").getAsString();
            }
            assertThat(answer.get("code").getAsString()).as("%s", answer).isEqualTo("rate_limited");
            assertThat(attempt)
                    .as(
                            "refused although sent %d ms (the advertised wait) after a refusal with nothing else in"
                                    + " flight: %s",
                            wait, answer)
                    .isEqualTo(1);
            wait = answer.get("retryAfterMs").getAsLong();
            assertThat(wait).isBetween(1L, 1000L / RATE);
        }
    }

    /** One frame of each action but send (the test's display name is the frame). */
    static Stream<String> oneFrameOfEachAction() {
        return Stream.of(
                Json.write(new Request.Ping()),
                Json.write(new Request.Join("rl-every")),
                Json.write(new Request.Leave("rl-every-other")),
                Json.write(new Request.History("rl-every-other", null, 50)),
                Json.write(new Request.Who("rl-every-other", null)),
                Json.write(new Request.Direct("reader", "psst", null)));
    }

    /**
     * Every action takes a token, not only send and direct: a flood of any one of them on a fresh
     * connection (a full bucket) gets rate_limited answers once the burst and what refilled are used.
     * Each frame gets exactly one answer: its own result (pong, presence, members, or an error such
     * as not_member) or rate_limited.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("oneFrameOfEachAction")
    void everyAction_isCountedAgainstTheBucket(String frame) throws Exception {
        String action = parse(frame).get("action").getAsString();
        try (WsClient client = WsClient.connect(userUri(local.cloud(), "every-" + action))) {
            long started = System.nanoTime();
            int sent = 0;
            int limited = 0;
            while (limited == 0 && sent < 8 * SENT) { // batches until one is refused, as above
                for (int i = 0; i < SENT; i++, sent++) {
                    client.send(frame);
                }
                for (int i = 0; i < SENT; i++) {
                    JsonObject answer = client.next();
                    if (type(answer).equals("error")
                            && answer.get("code").getAsString().equals("rate_limited")) {
                        assertThat(answer.get("requestAction").getAsString()).isEqualTo(action);
                        assertThat(answer.get("retryAfterMs").getAsLong()).isBetween(1L, 1000L / RATE);
                        limited++;
                    }
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            int accepted = sent - limited;
            assertThat(limited).isPositive();
            assertThat(accepted)
                    .as("%s: accepted of %d in %.2f s", action, sent, seconds)
                    .isBetween(BURST, BURST + (int) Math.ceil(seconds * RATE) + 1);
            assertThat(client.closeCode).isNotDone();
        }
    }

    @Test
    void theLimitIsPerConnection_aSecondConnectionOfTheSameUserHasItsOwnBurst() throws Exception {
        try (WsClient first = WsClient.connect(userUri(local.cloud(), "twin"));
                WsClient second = WsClient.connect(userUri(local.cloud(), "twin"))) {
            ChatEndToEndTest.join(first, "rl-twins", "twin");
            ChatEndToEndTest.join(second, "rl-twins", "twin");
            // each join took one token of its connection's burst
            for (int i = 0; i < BURST - 1; i++) {
                ChatEndToEndTest.send(first, "rl-twins", "one " + i, "f-" + i);
            }
            for (int i = 0; i < BURST - 1; i++) {
                ChatEndToEndTest.send(second, "rl-twins", "two " + i, "s-" + i);
            }
            assertThat(local.table().messageIds("rl-twins")).hasSize(2 * (BURST - 1));
        }
    }
}
