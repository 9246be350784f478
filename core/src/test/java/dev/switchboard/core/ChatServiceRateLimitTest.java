package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.switchboard.core.auth.Identity;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The send limit as the protocol shows it: error frames, nothing stored, other actions untouched. */
class ChatServiceRateLimitTest {

    @RegisterExtension
    static final ChatServiceFixture fixture = new ChatServiceFixture("switchboard-chat-rate");

    /** A chat service whose clock stands still, so only the burst counts. */
    static ChatService service(Map<String, String> extra) {
        return fixture.service(extra, Clock.fixed(Instant.ofEpochMilli(1_764_000_000_000L), ZoneOffset.UTC));
    }

    static List<JsonObject> framesOf(String connectionId, String type) {
        return fixture.framesOf(connectionId, type);
    }

    @Test
    void sendsOverTheBurst_getRateLimitedErrors_areNotStored() {
        ChatService chat = service(Map.of(Config.SEND_RATE_PER_SECOND, "5", Config.SEND_BURST, "6"));
        chat.connect("c-ann", new Identity("ann", false), 0);
        chat.connect("c-ben", new Identity("ben", false), 0);
        chat.handle("c-ann", "{\"action\":\"join\",\"room\":\"r\"}");
        chat.handle("c-ben", "{\"action\":\"join\",\"room\":\"r\"}");
        for (int i = 0; i < 7; i++) {
            chat.handle(
                    "c-ann",
                    "{\"action\":\"send\",\"room\":\"r\",\"text\":\"m" + i + "\",\"clientMsgId\":\"a" + i + "\"}");
        }
        // the join took one token of six
        assertThat(framesOf("c-ann", "ack")).hasSize(5);
        List<JsonObject> errors = framesOf("c-ann", "error");
        assertThat(errors).hasSize(2).allSatisfy(e -> {
            assertThat(e.get("code").getAsString()).isEqualTo("rate_limited");
            assertThat(e.get("requestAction").getAsString()).isEqualTo("send");
            assertThat(e.get("retryAfterMs").getAsLong()).isEqualTo(200); // 5/s: one token per 200 ms
            assertThat(e.get("message").getAsString()).contains("retry in 200 ms");
        });
        assertThat(framesOf("c-ben", "message")).hasSize(5);

        // the limit is per connection: ben has his own bucket, and the refused sends were not stored
        chat.handle("c-ben", "{\"action\":\"history\",\"room\":\"r\"}");
        assertThat(framesOf("c-ben", "history").get(0).getAsJsonArray("messages"))
                .hasSize(5);
    }

    @Test
    void everyAction_takesAToken_joinLeaveHistoryWhoPingAndDirectAreRefusedOnceTheBucketIsEmpty() {
        ChatService chat = service(Map.of(Config.SEND_RATE_PER_SECOND, "5", Config.SEND_BURST, "2"));
        chat.connect("c-eve", new Identity("eve", false), 0);
        chat.connect("c-fay", new Identity("fay", false), 0);
        chat.handle("c-eve", "{\"action\":\"join\",\"room\":\"q\"}");
        chat.handle("c-eve", "{\"action\":\"ping\"}");
        assertThat(framesOf("c-eve", "pong")).hasSize(1);
        List<String> refused = List.of(
                "{\"action\":\"ping\"}",
                "{\"action\":\"join\",\"room\":\"q2\"}",
                "{\"action\":\"leave\",\"room\":\"q\"}",
                "{\"action\":\"history\",\"room\":\"q\"}",
                "{\"action\":\"who\",\"room\":\"q\"}",
                "{\"action\":\"send\",\"room\":\"q\",\"text\":\"x\"}",
                "{\"action\":\"direct\",\"to\":\"fay\",\"text\":\"psst\"}");
        refused.forEach(frame -> chat.handle("c-eve", frame));
        assertThat(framesOf("c-eve", "error"))
                .extracting(e -> e.get("requestAction").getAsString() + ":"
                        + e.get("code").getAsString())
                .containsExactly(
                        "ping:rate_limited",
                        "join:rate_limited",
                        "leave:rate_limited",
                        "history:rate_limited",
                        "who:rate_limited",
                        "send:rate_limited",
                        "direct:rate_limited");
        // nothing of it happened: still one pong, no members frame, no history, no direct, still in q and not in q2
        assertThat(framesOf("c-eve", "pong")).hasSize(1);
        assertThat(framesOf("c-eve", "members")).isEmpty();
        assertThat(framesOf("c-eve", "history")).isEmpty();
        assertThat(framesOf("c-fay", "direct")).isEmpty();
        chat.handle("c-fay", "{\"action\":\"join\",\"room\":\"q\"}");
        chat.handle("c-fay", "{\"action\":\"who\",\"room\":\"q\"}");
        assertThat(framesOf("c-fay", "members").get(0).getAsJsonArray("users"))
                .extracting(u -> u.getAsString())
                .containsExactly("eve", "fay");
    }

    @Test
    void refresh_takesAToken_tooAndARefusedOneNeverReachesTheVerifier() {
        ChatService chat = service(Map.of(Config.SEND_RATE_PER_SECOND, "5", Config.SEND_BURST, "2"));
        chat.connect("c-gus", new Identity("gus", false), 0);
        java.util.concurrent.atomic.AtomicInteger verified = new java.util.concurrent.atomic.AtomicInteger();
        dev.switchboard.core.auth.TokenVerifier verifier = token -> {
            verified.incrementAndGet();
            return new Identity("gus", false);
        };
        chat.refresh("c-gus", "{\"action\":\"refresh\",\"token\":\"t1\"}", verifier);
        chat.handle("c-gus", "{\"action\":\"ping\"}");
        chat.refresh("c-gus", "{\"action\":\"refresh\",\"token\":\"t2\"}", verifier);
        assertThat(framesOf("c-gus", "refreshed")).hasSize(1);
        assertThat(framesOf("c-gus", "error"))
                .extracting(e -> e.get("requestAction").getAsString() + ":"
                        + e.get("code").getAsString())
                .containsExactly("refresh:rate_limited");
        assertThat(verified).as("a refused refresh costs no signature check").hasValue(1);
    }

    @Test
    void rateZero_turnsTheLimitOff() {
        ChatService chat = service(Map.of(Config.SEND_RATE_PER_SECOND, "0"));
        chat.connect("c-cat", new Identity("cat", false), 0);
        chat.handle("c-cat", "{\"action\":\"join\",\"room\":\"free\"}");
        for (int i = 0; i < 40; i++) {
            chat.handle("c-cat", "{\"action\":\"send\",\"room\":\"free\",\"text\":\"m" + i + "\"}");
        }
        assertThat(framesOf("c-cat", "ack")).hasSize(40);
        assertThat(framesOf("c-cat", "error")).isEmpty();
    }

    @Test
    void anUnregisteredConnection_isToldToReconnect_notRateLimited() {
        ChatService chat = service(Map.of());
        chat.handle("c-nobody", "{\"action\":\"send\",\"room\":\"r\",\"text\":\"hi\"}");
        assertThat(framesOf("c-nobody", "error"))
                .singleElement()
                .satisfies(e -> assertThat(e.get("code").getAsString()).isEqualTo("not_connected"));
    }

    @Test
    void defaults_areTenPerSecondWithBurstsOfTwenty_andBadValuesAreRefused() {
        Config defaults = Config.fromEnv(Map.of(Config.TABLE, "t", Config.MANAGEMENT_ENDPOINT, "http://x"));
        assertThat(defaults.sendRate()).get().satisfies(r -> {
            assertThat(r.perSecond()).isEqualTo(10);
            assertThat(r.burst()).isEqualTo(20);
        });
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Config.fromEnv(Map.of(
                        Config.TABLE, "t", Config.MANAGEMENT_ENDPOINT, "http://x", Config.SEND_RATE_PER_SECOND, "-1")))
                .hasMessageContaining(Config.SEND_RATE_PER_SECOND);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Config.fromEnv(
                        Map.of(Config.TABLE, "t", Config.MANAGEMENT_ENDPOINT, "http://x", Config.SEND_BURST, "0")))
                .hasMessageContaining(Config.SEND_BURST);
    }
}
