package dev.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestParserTest {

    final RequestParser parser = new RequestParser(100, 100);

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "{not json                                        | bad_json       | ",
                "hello                                            | bad_json       | ",
                "[1,2]                                            | bad_json       | ",
                "''                                               | bad_json       | ",
                "{}                                               | unknown_action | ",
                "{\"action\":7}                                   | unknown_action | ",
                "{\"action\":\"dance\"}                           | unknown_action | dance",
                "{\"action\":\"join\"}                            | bad_request    | join",
                "{\"action\":\"join\",\"room\":42}                | bad_request    | join",
                "{\"action\":\"join\",\"room\":\"a b\"}           | bad_request    | join",
                "{\"action\":\"send\",\"room\":\"r\"}             | bad_request    | send",
                "{\"action\":\"send\",\"room\":\"r\",\"text\":\" \"} | bad_request | send",
                "{\"action\":\"direct\",\"text\":\"x\"}           | bad_request    | direct",
                "{\"action\":\"history\",\"room\":\"r\",\"limit\":0}    | bad_request | history",
                "{\"action\":\"history\",\"room\":\"r\",\"limit\":1.5}  | bad_request | history",
                "{\"action\":\"history\",\"room\":\"r\",\"limit\":\"9\"} | bad_request | history",
                "{\"action\":\"history\",\"room\":\"r\",\"after\":5}     | bad_request | history",
                "{\"action\":\"history\",\"room\":\"r\",\"after\":\"01AB\"} | bad_request | history",
                "{\"action\":\"history\",\"room\":\"r\",\"after\":\"\"}  | bad_request | history",
                // lower case, a letter Crockford leaves out (U), a first character past a 48-bit time (8)
                "{\"action\":\"history\",\"room\":\"r\",\"after\":\"01kax3t8y9zc4q2d7n6b5v8m1p\"} | bad_request | history",
                "{\"action\":\"history\",\"room\":\"r\",\"after\":\"01KAX3T8Y9ZC4Q2D7N6B5V8M1U\"} | bad_request | history",
                "{\"action\":\"history\",\"room\":\"r\",\"after\":\"81KAX3T8Y9ZC4Q2D7N6B5V8M1P\"} | bad_request | history",
                // issue 17: typing, read, edit and delete name a room, and the last three a message id
                "{\"action\":\"typing\"}                           | bad_request | typing",
                "{\"action\":\"read\",\"room\":\"r\"}             | bad_request | read",
                "{\"action\":\"read\",\"room\":\"r\",\"id\":\"nope\"} | bad_request | read",
                "{\"action\":\"edit\",\"room\":\"r\",\"id\":\"01KAX3T8Y9ZC4Q2D7N6B5V8M1P\"} | bad_request | edit",
                "{\"action\":\"edit\",\"room\":\"r\",\"id\":\"01KAX3T8Y9ZC4Q2D7N6B5V8M1P\",\"text\":\"  \"} | bad_request | edit",
                "{\"action\":\"delete\",\"room\":\"r\"}           | bad_request | delete",
            })
    void badFrame_mapsToTypedError(String frame, String code, String requestAction) {
        ProtocolException e = catchThrowableOfType(ProtocolException.class, () -> parser.parse(frame));
        assertThat(e).as(frame).isNotNull();
        assertThat(e.frame().code()).isEqualTo(code);
        assertThat(e.frame().requestAction()).isEqualTo(requestAction);
        assertThat(Json.write(e.frame())).startsWith("{\"type\":\"error\",\"code\":\"" + code + "\"");
    }

    @Test
    void historyAfter_ofTwoThousandCharacters_isBadRequest_notPassedToTheStore() {
        ProtocolException e = catchThrowableOfType(
                ProtocolException.class,
                () -> parser.parse("{\"action\":\"history\",\"room\":\"r\",\"after\":\"" + "A".repeat(2000) + "\"}"));
        assertThat(e.frame().code()).isEqualTo("bad_request");
        assertThat(e.getMessage()).contains("message id");
    }

    @Test
    void messageIds_madeByTheGenerator_areValid() {
        MessageIds ids = new MessageIds();
        assertThat(MessageIds.isValid(ids.next(System.currentTimeMillis()))).isTrue();
        assertThat(MessageIds.isValid(ids.next(0))).isTrue();
        assertThat(MessageIds.isValid(ids.next((1L << 48) - 1))).isTrue();
    }

    @Test
    void tooLongText_isTooLarge() {
        ProtocolException e = catchThrowableOfType(
                ProtocolException.class,
                () -> parser.parse("{\"action\":\"send\",\"room\":\"r\",\"text\":\"" + "x".repeat(101) + "\"}"));
        assertThat(e.frame().code()).isEqualTo("too_large");
    }

    @Test
    void deeplyNestedJson_isBadJson_notAStackOverflow() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        ProtocolException e = catchThrowableOfType(ProtocolException.class, () -> parser.parse(deep));
        assertThat(e.frame().code()).isEqualTo("bad_json");
    }

    @Test
    void jsonNestedPastGsonsLimit_isBadJson_sayingItIsTooDeep_notThatItIsInvalid() {
        String deep = "{\"a\":".repeat(300) + "1" + "}".repeat(300);
        ProtocolException e = catchThrowableOfType(ProtocolException.class, () -> parser.parse(deep));
        assertThat(e.frame().code()).isEqualTo("bad_json");
        assertThat(e.frame().message()).contains("nested too deeply").doesNotContain("not valid JSON");
    }

    @Test
    void aBadIdOfRead_doesNotOfferTheNewestPage_whichOnlyHistoryHas() {
        ProtocolException e = catchThrowableOfType(
                ProtocolException.class, () -> parser.parse("{\"action\":\"read\",\"room\":\"r\",\"id\":\"bad\"}"));
        assertThat(e.frame().code()).isEqualTo("bad_request");
        assertThat(e.frame().message())
                .contains("field 'id' must be a message id")
                .doesNotContain("newest page");
    }

    @Test
    void validRequests_parse() {
        assertThat(parser.parse("{\"action\":\"send\",\"room\":\"lobby\",\"text\":\"hi\",\"clientMsgId\":\"c-1\"}"))
                .isEqualTo(new Request.Send("lobby", "hi", "c-1"));
        assertThat(
                        parser.parse(
                                "{\"action\":\"history\",\"room\":\"lobby\",\"after\":\"01KAX3T8Y9ZC4Q2D7N6B5V8M1P\",\"limit\":5}"))
                .isEqualTo(new Request.History("lobby", "01KAX3T8Y9ZC4Q2D7N6B5V8M1P", 5));
        assertThat(parser.parse("{\"action\":\"ping\"}")).isEqualTo(new Request.Ping());
    }

    @Test
    void messageIds_sortInCreationOrder_evenWithinOneMillisecond() {
        MessageIds ids = new MessageIds();
        String previous = ids.next(1000);
        for (int i = 0; i < 1000; i++) {
            String next = ids.next(1000 + i / 100);
            assertThat(next).hasSize(26).isGreaterThan(previous);
            previous = next;
        }
        assertThat(ids.next(999))
                .as("a clock going back never breaks the order")
                .isGreaterThan(previous);
    }
}
