package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.switchboard.core.auth.Identity;
import dev.switchboard.core.auth.TokenVerifier;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The {@code requestId} echo (docs/PROTOCOL.md, "Matching answers to requests"): every frame posted to
 * the requesting connection for a request carries the request's {@code requestId}, errors also a
 * {@code send}'s (etc.) {@code clientMsgId}; copies that go to other connections never carry it, and a
 * request without one gets the frames it always got.
 */
class ChatServiceRequestIdTest {

    @RegisterExtension
    static final ChatServiceFixture fixture = new ChatServiceFixture("switchboard-request-id");

    static ChatService service() {
        return fixture.service(Map.of(Config.SEND_RATE_PER_SECOND, "0"));
    }

    static List<JsonObject> framesOf(String connectionId, String type) {
        return fixture.framesOf(connectionId, type);
    }

    static JsonObject last(String connectionId, String type) {
        return fixture.last(connectionId, type);
    }

    static String requestId(JsonObject frame) {
        return frame.has("requestId") ? frame.get("requestId").getAsString() : null;
    }

    /** Every frame posted to {@code connectionId} so far, whatever its type. */
    static List<JsonObject> all(String connectionId) {
        return fixture.posts(connectionId).stream()
                .map(bytes -> com.google.gson.JsonParser.parseString(
                                new String(bytes, java.nio.charset.StandardCharsets.UTF_8))
                        .getAsJsonObject())
                .toList();
    }

    @Test
    void everyAnswerToTheRequester_echoesItsRequestId_andNoFrameToAnotherConnectionCarriesOne() {
        ChatService chat = service();
        chat.connect("ri-ann", new Identity("ri-ann", false), 0);
        chat.connect("ri-ann2", new Identity("ri-ann", false), 0); // ann's second tab
        chat.connect("ri-bo", new Identity("ri-bo", false), 0);
        chat.handle("ri-bo", "{\"action\":\"join\",\"room\":\"ri\"}");

        chat.handle("ri-ann", "{\"action\":\"join\",\"room\":\"ri\",\"requestId\":\"j-1\"}");
        assertThat(requestId(last("ri-ann", "presence")))
                .as("the join's confirmation")
                .isEqualTo("j-1");
        chat.handle(
                "ri-ann",
                "{\"action\":\"send\",\"room\":\"ri\",\"text\":\"hi\",\"clientMsgId\":\"c-1\","
                        + "\"requestId\":\"s-1\"}");
        JsonObject ack = last("ri-ann", "ack");
        assertThat(requestId(ack)).isEqualTo("s-1");
        assertThat(ack.get("clientMsgId").getAsString()).isEqualTo("c-1");
        String id = ack.get("id").getAsString();
        chat.handle("ri-ann", "{\"action\":\"history\",\"room\":\"ri\",\"requestId\":\"h-1\"}");
        chat.handle(
                "ri-ann", "{\"action\":\"history\",\"room\":\"ri\",\"after\":\"" + id + "\",\"requestId\":\"h-2\"}");
        assertThat(framesOf("ri-ann", "history"))
                .extracting(ChatServiceRequestIdTest::requestId)
                .containsExactly("h-1", "h-2");
        chat.handle("ri-ann", "{\"action\":\"who\",\"room\":\"ri\",\"requestId\":\"w-1\"}");
        assertThat(requestId(last("ri-ann", "members"))).isEqualTo("w-1");
        chat.handle("ri-ann", "{\"action\":\"ping\",\"requestId\":\"p-1\"}");
        assertThat(requestId(last("ri-ann", "pong"))).isEqualTo("p-1");
        chat.handle("ri-ann", "{\"action\":\"read\",\"room\":\"ri\",\"id\":\"" + id + "\",\"requestId\":\"r-1\"}");
        assertThat(requestId(last("ri-ann", "receipt"))).isEqualTo("r-1");
        chat.handle(
                "ri-ann",
                "{\"action\":\"edit\",\"room\":\"ri\",\"id\":\"" + id + "\",\"text\":\"hey\","
                        + "\"requestId\":\"e-1\"}");
        assertThat(requestId(last("ri-ann", "ack"))).isEqualTo("e-1");
        chat.handle("ri-ann", "{\"action\":\"badge\",\"requestId\":\"b-1\"}");
        assertThat(requestId(last("ri-ann", "badge"))).isEqualTo("b-1");
        chat.handle("ri-ann", "{\"action\":\"leave\",\"room\":\"ri\",\"requestId\":\"l-1\"}");
        assertThat(requestId(last("ri-ann", "presence")))
                .as("the leave's answer")
                .isEqualTo("l-1");

        // bo, a member who got ann's presence, message, receipt and edit: never ann's requestIds
        assertThat(framesOf("ri-bo", "message")).hasSize(1);
        assertThat(framesOf("ri-bo", "presence"))
                .extracting(p -> p.get("user").getAsString())
                .contains("ri-ann");
        assertThat(framesOf("ri-bo", "edited")).hasSize(1);
        assertThat(all("ri-bo"))
                .isNotEmpty()
                .allSatisfy(f -> assertThat(f.has("requestId")).as(f.toString()).isFalse());
        assertThat(all("ri-ann2"))
                .allSatisfy(f -> assertThat(f.has("requestId")).isFalse());
    }

    @Test
    void inboxAndMark_echoTheRequestId_toTheCaller_notToTheUsersOtherConnections() {
        ChatService chat = service();
        chat.connect("rm-a", new Identity("rm-alice", false), 0);
        chat.connect("rm-b1", new Identity("rm-bob", false), 0);
        chat.connect("rm-b2", new Identity("rm-bob", false), 0);
        chat.handle(
                "rm-a",
                "{\"action\":\"direct\",\"to\":\"rm-bob\",\"text\":\"psst\",\"clientMsgId\":\"d-1\","
                        + "\"requestId\":\"dm-1\"}");
        assertThat(requestId(last("rm-a", "ack"))).isEqualTo("dm-1");
        assertThat(framesOf("rm-b1", "direct"))
                .hasSize(1)
                .allSatisfy(f -> assertThat(f.has("requestId")).isFalse());

        chat.handle("rm-b1", "{\"action\":\"inbox\",\"requestId\":\"i-1\"}");
        JsonObject page = last("rm-b1", "inbox");
        assertThat(requestId(page)).isEqualTo("i-1");
        String item =
                page.getAsJsonArray("items").get(0).getAsJsonObject().get("id").getAsString();
        chat.handle(
                "rm-b1", "{\"action\":\"mark\",\"state\":\"read\",\"ids\":[\"" + item + "\"],\"requestId\":\"m-1\"}");

        assertThat(framesOf("rm-b1", "marked")).hasSize(1);
        assertThat(requestId(last("rm-b1", "marked"))).isEqualTo("m-1");
        assertThat(framesOf("rm-b2", "marked"))
                .as("the other tab clears its badge too, without the caller's requestId")
                .hasSize(1)
                .allSatisfy(f -> assertThat(f.has("requestId")).isFalse());
    }

    @Test
    void anError_echoesTheRequestId_andASendsClientMsgId() {
        ChatService chat = service();
        chat.connect("re-cy", new Identity("re-cy", false), 0);

        chat.handle("re-cy", "{\"action\":\"history\",\"room\":\"nowhere\",\"requestId\":\"h-9\"}");
        chat.handle(
                "re-cy",
                "{\"action\":\"send\",\"room\":\"nowhere\",\"text\":\"x\",\"clientMsgId\":\"c-9\","
                        + "\"requestId\":\"s-9\"}");
        chat.handle("re-cy", "{\"action\":\"send\",\"room\":\"nowhere\",\"text\":\"x\",\"clientMsgId\":\"c-10\"}");
        chat.handle("re-cy", "{\"action\":\"join\",\"room\":\"bad room\",\"requestId\":\"j-9\"}");

        List<JsonObject> errors = framesOf("re-cy", "error");
        assertThat(errors)
                .extracting(
                        e -> e.get("code").getAsString(),
                        ChatServiceRequestIdTest::requestId,
                        e -> e.has("clientMsgId") ? e.get("clientMsgId").getAsString() : null)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("not_member", "h-9", null),
                        org.assertj.core.groups.Tuple.tuple("not_member", "s-9", "c-9"),
                        org.assertj.core.groups.Tuple.tuple("not_member", null, "c-10"),
                        org.assertj.core.groups.Tuple.tuple("bad_request", "j-9", null));
    }

    @Test
    void rateLimited_echoesTheRequestIdAndClientMsgId_ofTheRefusedSend() {
        ChatService chat = fixture.service(
                Map.of(Config.SEND_RATE_PER_SECOND, "5", Config.SEND_BURST, "3"),
                Clock.fixed(Instant.ofEpochMilli(1_764_000_000_000L), ZoneOffset.UTC));
        chat.connect("rl-dee", new Identity("rl-dee", false), 0);
        chat.handle("rl-dee", "{\"action\":\"join\",\"room\":\"rl\"}");
        for (int i = 1; i <= 4; i++) {
            chat.handle(
                    "rl-dee",
                    "{\"action\":\"send\",\"room\":\"rl\",\"text\":\"m\",\"clientMsgId\":\"c-" + i
                            + "\",\"requestId\":\"s-" + i + "\"}");
        }

        // the join took one token of three: s-1 and s-2 pass, s-3 and s-4 are refused
        assertThat(framesOf("rl-dee", "ack"))
                .extracting(ChatServiceRequestIdTest::requestId)
                .containsExactly("s-1", "s-2");
        assertThat(framesOf("rl-dee", "error"))
                .hasSize(2)
                .allSatisfy(e -> assertThat(e.get("code").getAsString()).isEqualTo("rate_limited"));
        assertThat(framesOf("rl-dee", "error"))
                .extracting(
                        ChatServiceRequestIdTest::requestId,
                        e -> e.get("clientMsgId").getAsString())
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("s-3", "c-3"),
                        org.assertj.core.groups.Tuple.tuple("s-4", "c-4"));
    }

    @Test
    void refresh_echoesTheRequestId_onRefreshedAndOnItsErrors() {
        ChatService chat = service();
        chat.connect("rf-eve", new Identity("rf-eve", false), 0);
        TokenVerifier verifier = token -> new Identity(token, false); // the "token" names its user

        chat.refresh("rf-eve", "{\"action\":\"refresh\",\"token\":\"rf-eve\",\"requestId\":\"t-1\"}", verifier);
        chat.refresh("rf-eve", "{\"action\":\"refresh\",\"token\":\"rf-mallory\",\"requestId\":\"t-2\"}", verifier);

        assertThat(requestId(last("rf-eve", "refreshed"))).isEqualTo("t-1");
        JsonObject refused = last("rf-eve", "error");
        assertThat(refused.get("code").getAsString()).isEqualTo("forbidden");
        assertThat(requestId(refused)).isEqualTo("t-2");
    }

    @Test
    void requestsWithoutARequestId_getTheFramesTheyAlwaysGot() {
        ChatService chat = service();
        chat.connect("no-fay", new Identity("no-fay", false), 0);
        chat.handle("no-fay", "{\"action\":\"join\",\"room\":\"plain\"}");
        chat.handle("no-fay", "{\"action\":\"send\",\"room\":\"plain\",\"text\":\"hi\",\"clientMsgId\":\"c-1\"}");
        chat.handle("no-fay", "{\"action\":\"history\",\"room\":\"plain\"}");
        chat.handle("no-fay", "{\"action\":\"ping\"}");
        chat.handle("no-fay", "{\"action\":\"who\",\"room\":\"elsewhere\"}");

        assertThat(all("no-fay"))
                .hasSize(5)
                .allSatisfy(f -> assertThat(f.has("requestId")).as(f.toString()).isFalse());
        assertThat(last("no-fay", "ack").keySet()).containsExactly("type", "clientMsgId", "id", "ts");
        assertThat(last("no-fay", "error").keySet()).containsExactly("type", "code", "message", "requestAction");
    }
}
