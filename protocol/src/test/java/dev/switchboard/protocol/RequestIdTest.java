package dev.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The optional {@code requestId} of every request (docs/PROTOCOL.md, "Matching answers to requests"):
 * the parser reads and checks it, errors of a parsed frame echo it (and a send's {@code clientMsgId}),
 * and frames carry it only when it is set, so clients that send none see the frames they always saw.
 */
class RequestIdTest {

    final RequestParser parser = new RequestParser(100, 100);

    static JsonObject json(String text) {
        return JsonParser.parseString(text).getAsJsonObject();
    }

    @ParameterizedTest
    @ValueSource(strings = {"r-1", "a", "550e8400-e29b-41d4-a716-446655440000", "A.b_C-9"})
    void parseFrame_readsAValidRequestId_besideTheRequest(String id) {
        RequestParser.Parsed parsed =
                parser.parseFrame("{\"action\":\"history\",\"room\":\"r\",\"requestId\":\"" + id + "\"}");

        assertThat(parsed.requestId()).isEqualTo(id);
        assertThat(parsed.request()).isEqualTo(new Request.History("r", null, 50));
    }

    @Test
    void parseFrame_withoutRequestId_hasNone() {
        assertThat(parser.parseFrame("{\"action\":\"ping\"}").requestId()).isNull();
        assertThat(parser.parseFrame("{\"action\":\"ping\",\"requestId\":null}").requestId())
                .isNull();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "\"\"",
                "\"a b\"",
                "\"r/1\"",
                "\"é\"",
                "\"0123456789012345678901234567890123456789012345678901234567890123x\"",
                "17",
                "true",
                "{}",
                "[\"r-1\"]"
            })
    void parseFrame_refusesAnInvalidRequestId_asBadRequestNamingTheFieldAndTheRule(String id) {
        ProtocolException e = catchThrowableOfType(
                ProtocolException.class,
                () -> parser.parseFrame(
                        "{\"action\":\"send\",\"room\":\"r\",\"text\":\"hi\",\"clientMsgId\":\"c-1\",\"requestId\":"
                                + id + "}"));

        assertThat(e).as(id).isNotNull();
        assertThat(e.frame().code()).isEqualTo("bad_request");
        assertThat(e.frame().requestAction()).isEqualTo("send");
        assertThat(e.frame().message()).contains("'requestId'").contains("1-64").contains("A-Z a-z 0-9 . _ -");
        assertThat(e.frame().requestId()).as("an invalid id is not echoed").isNull();
        assertThat(e.frame().clientMsgId()).isEqualTo("c-1");
    }

    @Test
    void sixtyFourCharacters_isTheLongestRequestId() {
        String id = "x".repeat(64);

        assertThat(parser.parseFrame("{\"action\":\"ping\",\"requestId\":\"" + id + "\"}")
                        .requestId())
                .isEqualTo(id);
        assertThat(RequestParser.isValidRequestId(id + "x")).isFalse();
    }

    @Test
    void anErrorOfAParsedFrame_echoesItsRequestId_andASendsClientMsgId() {
        ProtocolException tooLong = catchThrowableOfType(
                ProtocolException.class,
                () -> parser.parse("{\"action\":\"send\",\"room\":\"r\",\"text\":\"" + "x".repeat(101)
                        + "\",\"clientMsgId\":\"c-9\",\"requestId\":\"r-9\"}"));
        ProtocolException noRoom = catchThrowableOfType(
                ProtocolException.class, () -> parser.parse("{\"action\":\"who\",\"requestId\":\"r-10\"}"));
        ProtocolException unknown = catchThrowableOfType(
                ProtocolException.class,
                () -> parser.parse("{\"action\":\"dance\",\"requestId\":\"r-11\",\"clientMsgId\":\"c-11\"}"));

        assertThat(tooLong.frame().code()).isEqualTo("too_large");
        assertThat(tooLong.frame().requestId()).isEqualTo("r-9");
        assertThat(tooLong.frame().clientMsgId()).isEqualTo("c-9");
        assertThat(noRoom.frame().requestId()).isEqualTo("r-10");
        assertThat(noRoom.frame().clientMsgId()).isNull();
        assertThat(unknown.frame().requestId()).isEqualTo("r-11");
        assertThat(unknown.frame().clientMsgId())
                .as("only send, direct, edit, delete and broadcast have a clientMsgId")
                .isNull();
        JsonObject frame = json(Json.write(tooLong.frame()));
        assertThat(frame.get("requestId").getAsString()).isEqualTo("r-9");
        assertThat(frame.get("clientMsgId").getAsString()).isEqualTo("c-9");
    }

    @Test
    void aFrameThatIsNotAJsonObject_hasNothingToEcho() {
        ProtocolException e = catchThrowableOfType(
                ProtocolException.class, () -> parser.parse("{\"action\":\"ping\",\"requestId\":\"r-1\""));

        assertThat(e.frame().code()).isEqualTo("bad_json");
        assertThat(json(Json.write(e.frame())).keySet()).containsExactly("type", "code", "message");
    }

    @Test
    void write_putsTheRequestIdLast_andTheParserReadsItBack() {
        Request.History history = new Request.History("lobby", "01KAX3T8Y9ZC4Q2D7N6B5V8M1P", 100);

        String text = Json.write(history, "h-2");

        assertThat(text)
                .isEqualTo("{\"action\":\"history\",\"room\":\"lobby\",\"after\":\"01KAX3T8Y9ZC4Q2D7N6B5V8M1P\","
                        + "\"limit\":100,\"requestId\":\"h-2\"}");
        assertThat(parser.parseFrame(text)).isEqualTo(new RequestParser.Parsed(history, "h-2"));
        assertThat(Json.write(history, null)).isEqualTo(Json.write(history)).doesNotContain("requestId");
    }

    @Test
    void answerFrames_carryTheRequestId_onlyWhenSet() {
        List<ServerFrame.Answer> answers = List.of(
                new ServerFrame.Ack("c-1", "01KAX3T8Y9ZC4Q2D7N6B5V8M1P", 5L),
                new ServerFrame.History("r", List.of(), false, null),
                new ServerFrame.Members("r", List.of("ann"), 1, null),
                new ServerFrame.Inbox(List.of(), false, null, 0L, 0L),
                new ServerFrame.Presence("r", "join", "ann"),
                new ServerFrame.Unread("r", 2, "01KAX3T8Y9ZC4Q2D7N6B5V8M1P"),
                new ServerFrame.Receipt("r", "ann", "01KAX3T8Y9ZC4Q2D7N6B5V8M1P"),
                new ServerFrame.Refreshed(1L, List.of()),
                new ServerFrame.Badge(1, 2),
                new ServerFrame.Marked("read", List.of("01KAX3T8Y9ZC4Q2D7N6B5V8M1P"), 0, 0),
                new ServerFrame.Pong(),
                new ServerFrame.Error(ErrorCode.NOT_MEMBER, "join 'r' first", "history"));
        for (ServerFrame.Answer answer : answers) {
            JsonObject without = json(Json.write(answer));
            JsonObject with = json(Json.write(answer.withRequestId("r-7")));

            assertThat(without.has("requestId")).as(answer.type()).isFalse();
            assertThat(with.get("requestId").getAsString()).as(answer.type()).isEqualTo("r-7");
            assertThat(with.keySet()).as("the same frame plus requestId, last").endsWith("requestId");
            with.remove("requestId");
            assertThat(with).as(answer.type()).isEqualTo(without);
            assertThat(Json.read(Json.write(answer.withRequestId("r-7")), answer.getClass()))
                    .isEqualTo(answer.withRequestId("r-7"));
        }
    }

    @Test
    void aCorrelatedError_namesRequestIdAndClientMsgId_afterItsOtherFields() {
        ServerFrame.Error error =
                new ServerFrame.Error(ErrorCode.RATE_LIMITED, "retry in 100 ms", "send", 100).correlated("r-3", "c-3");

        assertThat(Json.write(error))
                .isEqualTo(
                        "{\"type\":\"error\",\"code\":\"rate_limited\",\"message\":\"retry in 100 ms\","
                                + "\"requestAction\":\"send\",\"retryAfterMs\":100,\"requestId\":\"r-3\",\"clientMsgId\":\"c-3\"}");
    }

    @Test
    void historyPages_cutToFitWithTheRequestId() {
        // two messages that fill 128 KB but for 20 bytes: a requestId's 79 bytes do not fit beside them
        int length = 60_000;
        length += (ServerFrame.MAX_BYTES - 20 - Json.bytes(twoMessages(length)).length) / 2;
        ServerFrame.History plain = HistoryPages.fit("r", twoMessages(length).messages(), false, null);
        assertThat(ServerFrame.MAX_BYTES - Json.bytes(plain).length)
                .as("the test's premise")
                .isBetween(0, 30);

        ServerFrame.History page =
                HistoryPages.fit("r", twoMessages(length).messages(), false, null, "r-" + "9".repeat(62));

        assertThat(plain.messages()).hasSize(2);
        assertThat(page.messages()).hasSize(1);
        assertThat(page.more()).isTrue();
        assertThat(page.requestId()).isEqualTo("r-" + "9".repeat(62));
        assertThat(Json.bytes(page).length).isLessThanOrEqualTo(ServerFrame.MAX_BYTES);
    }

    static ServerFrame.History twoMessages(int length) {
        String text = "x".repeat(length);
        return new ServerFrame.History(
                "r",
                List.of(
                        new ServerFrame.HistoryItem("01KAX3T8Y9ZC4Q2D7N6B5V8M1A", "ann", text, 1L),
                        new ServerFrame.HistoryItem("01KAX3T8Y9ZC4Q2D7N6B5V8M1B", "ann", text, 2L)),
                false,
                null);
    }
}
