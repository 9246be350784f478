package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Notification;
import dev.switchboard.protocol.Request;
import dev.switchboard.protocol.RequestParser;
import java.net.URI;
import org.junit.jupiter.api.Test;

/**
 * The frames the benchmarks send, now written by the protocol module (issue 16 item 2: no module builds protocol JSON
 * by string concatenation): the same bytes the hand-built strings had, so figures measured before stay comparable,
 * and a request without a clientMsgId carries no {@code "clientMsgId":null} the parser would refuse.
 */
class TargetTest {

    @Test
    void switchboardTarget_sendsTheSameJoinAndSendFrames_asBefore() {
        Target target = Target.switchboard(URI.create("ws://localhost:8080/local"), "bench-1000");

        assertThat(target.memberSetup()).containsExactly("{\"action\":\"join\",\"room\":\"bench-1000\"}");
        assertThat(target.message("t-42"))
                .isEqualTo("{\"action\":\"send\",\"room\":\"bench-1000\",\"text\":\"t-42\",\"clientMsgId\":\"t-42\"}");
        assertThat(new RequestParser(4000, 100).parse(target.message("t-42")))
                .isEqualTo(new Request.Send("bench-1000", "t-42", "t-42"));
    }

    @Test
    void requestsWithoutOptionalFields_leaveThemOut() {
        // ColdStartBenchmark's send and PrimitivesCostBenchmark's edit and delete have no clientMsgId
        assertThat(Json.write(new Request.Send("cold", "cold 3", null)))
                .isEqualTo("{\"action\":\"send\",\"room\":\"cold\",\"text\":\"cold 3\"}");
        assertThat(Json.write(new Request.Delete("r", "01KAX3T8Y9ZC4Q2D7N6B5V8M1P", null)))
                .isEqualTo("{\"action\":\"delete\",\"room\":\"r\",\"id\":\"01KAX3T8Y9ZC4Q2D7N6B5V8M1P\"}");
        assertThat(Json.write(new Notification(null, null, true, "idle-bench", "to everyone")))
                .isEqualTo("{\"target\":{\"all\":true},\"title\":\"idle-bench\",\"body\":\"to everyone\"}");
    }
}
