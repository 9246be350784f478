package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.auth.Identity;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Typing, receipts and edits in the chat service with a clock the test moves (issue 17): the typing
 * window, typing above the presence cap, a receipt that does not move, an edit's answer and copies.
 */
class ChatServicePrimitivesTest {

    @RegisterExtension
    static final ChatServiceFixture fixture = new ChatServiceFixture("switchboard-chat-primitives");

    /** A clock the test sets; the service reads it for every window decision. */
    static final class MovableClock extends Clock {
        final AtomicLong millis = new AtomicLong(1_764_000_000_000L);

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }
    }

    final MovableClock clock = new MovableClock();
    // a cap of 2: the third member makes a room "big"
    final ChatService chat =
            fixture.service(Map.of(Config.SEND_RATE_PER_SECOND, "0", Config.PRESENCE_MAX_MEMBERS, "2"), clock);

    void member(String connectionId, String user, String room) {
        chat.connect(connectionId, new Identity(user, false), clock.millis());
        chat.handle(connectionId, "{\"action\":\"join\",\"room\":\"" + room + "\"}");
    }

    @Test
    void typing_isAnnouncedOncePerWindow_toTheOthersOnly() {
        member("t-ann", "tann", "typing-room");
        member("t-bo", "tbo", "typing-room");
        String typing = "{\"action\":\"typing\",\"room\":\"typing-room\"}";

        chat.handle("t-ann", typing);
        clock.millis.addAndGet(2_999);
        chat.handle("t-ann", typing); // inside the 3 s window: folded
        assertThat(fixture.framesOf("t-bo", "typing")).hasSize(1);
        clock.millis.addAndGet(1);
        chat.handle("t-ann", typing); // the window has ended: announced again

        assertThat(fixture.framesOf("t-bo", "typing")).hasSize(2).allSatisfy(f -> {
            assertThat(f.get("user").getAsString()).isEqualTo("tann");
            assertThat(f.get("room").getAsString()).isEqualTo("typing-room");
        });
        assertThat(fixture.framesOf("t-ann", "typing"))
                .as("the typer hears nothing of its own typing")
                .isEmpty();
        assertThat(fixture.framesOf("t-ann", "error")).isEmpty();
    }

    @Test
    void typing_inARoomOverThePresenceCap_postsNothing_butANonMemberIsRefused() {
        member("b-1", "big1", "typing-big");
        member("b-2", "big2", "typing-big");
        member("b-3", "big3", "typing-big");
        int before = fixture.posts("b-2").size() + fixture.posts("b-3").size();

        chat.handle("b-1", "{\"action\":\"typing\",\"room\":\"typing-big\"}");

        assertThat(fixture.posts("b-2").size() + fixture.posts("b-3").size()).isEqualTo(before);
        chat.connect("b-out", new Identity("outsider", false), clock.millis());
        chat.handle("b-out", "{\"action\":\"typing\",\"room\":\"typing-big\"}");
        assertThat(fixture.framesOf("b-out", "error"))
                .singleElement()
                .satisfies(e -> assertThat(e.get("code").getAsString()).isEqualTo("not_member"));
    }

    @Test
    void read_answersThePosition_andAnOlderReceiptNeitherMovesItNorTellsTheRoom() {
        member("r-ann", "rann", "read-room");
        member("r-bo", "rbo", "read-room");
        chat.handle("r-ann", "{\"action\":\"send\",\"room\":\"read-room\",\"text\":\"one\",\"clientMsgId\":\"1\"}");
        clock.millis.addAndGet(10);
        chat.handle("r-ann", "{\"action\":\"send\",\"room\":\"read-room\",\"text\":\"two\",\"clientMsgId\":\"2\"}");
        String first = fixture.framesOf("r-ann", "ack").get(0).get("id").getAsString();
        String second = fixture.framesOf("r-ann", "ack").get(1).get("id").getAsString();

        chat.handle("r-bo", "{\"action\":\"read\",\"room\":\"read-room\",\"id\":\"" + second + "\"}");
        assertThat(fixture.framesOf("r-ann", "receipt"))
                .singleElement()
                .satisfies(r -> assertThat(r.get("id").getAsString()).isEqualTo(second));
        clock.millis.addAndGet(10_000); // well past the window: an older receipt would be announced if it moved
        chat.handle("r-bo", "{\"action\":\"read\",\"room\":\"read-room\",\"id\":\"" + first + "\"}");

        assertThat(fixture.framesOf("r-bo", "receipt"))
                .extracting(r -> r.get("id").getAsString())
                .containsExactly(second, second);
        assertThat(fixture.framesOf("r-ann", "receipt")).hasSize(1);
    }

    @Test
    void edit_isAcknowledgedWithTheMessagesId_andReachesTheOthers_butNotSomeoneElsesMessage() {
        member("e-ann", "eann", "edit-room");
        member("e-bo", "ebo", "edit-room");
        chat.handle("e-ann", "{\"action\":\"send\",\"room\":\"edit-room\",\"text\":\"tpyo\",\"clientMsgId\":\"m\"}");
        String id = fixture.framesOf("e-ann", "ack").get(0).get("id").getAsString();
        clock.millis.addAndGet(5);

        chat.handle("e-bo", "{\"action\":\"edit\",\"room\":\"edit-room\",\"id\":\"" + id + "\",\"text\":\"mine now\"}");
        chat.handle(
                "e-ann",
                "{\"action\":\"edit\",\"room\":\"edit-room\",\"id\":\"" + id
                        + "\",\"text\":\"typo\",\"clientMsgId\":\"e\"}");

        assertThat(fixture.framesOf("e-bo", "error"))
                .singleElement()
                .satisfies(e -> assertThat(e.get("code").getAsString()).isEqualTo("forbidden"));
        assertThat(fixture.framesOf("e-ann", "ack").get(1).get("id").getAsString())
                .isEqualTo(id);
        assertThat(fixture.framesOf("e-ann", "ack").get(1).get("ts").getAsLong())
                .isEqualTo(clock.millis());
        assertThat(fixture.framesOf("e-bo", "edited")).singleElement().satisfies(e -> {
            assertThat(e.get("text").getAsString()).isEqualTo("typo");
            assertThat(e.get("editedAt").getAsLong()).isEqualTo(clock.millis());
        });
        assertThat(fixture.framesOf("e-ann", "edited"))
                .as("the author has the ack")
                .isEmpty();
    }
}
