package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Presence per user and coalesced, through the local cloud (default window, 3 s): join/leave
 * flapping by one user costs the room at most one presence event per window and ends with the
 * right state; a user's second connection neither joins nor leaves the room again; a user who
 * rejoins inside the window hears its own join once, and the others hear it when the window ends.
 */
class PresenceEndToEndTest {

    static final long WINDOW_MS = 3000;

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.devAuth();

    /** Presence frames about {@code user} that arrive within {@code millis} of quiet. */
    static List<String> presenceOf(WsClient client, String user, long quietMillis) throws InterruptedException {
        List<String> events = new ArrayList<>();
        while (true) {
            String frame = client.frames.poll(quietMillis, TimeUnit.MILLISECONDS);
            if (frame == null) {
                return events;
            }
            JsonObject f = JsonParser.parseString(frame).getAsJsonObject();
            if (f.has("type")
                    && f.get("type").getAsString().equals("presence")
                    && f.get("user").getAsString().equals(user)) {
                events.add(f.get("event").getAsString());
            }
        }
    }

    @Test
    void joinLeaveFlapping_costsAtMostOnePresenceEventPerWindow_andEndsRight() throws Exception {
        try (WsClient watcher = WsClient.connect(local.userUri("watcher"));
                WsClient flapper = WsClient.connect(local.userUri("flapper"))) {
            ChatEndToEndTest.join(watcher, "flap-room", "watcher");
            long started = System.nanoTime();
            int flaps = 10;
            // all at once, as a misbehaving client would (the order they are handled in is not fixed)
            for (int i = 0; i < flaps; i++) {
                flapper.send(Json.write(new Request.Join("flap-room")));
                flapper.send(Json.write(new Request.Leave("flap-room")));
            }
            for (int i = 0; i < 2 * flaps; i++) {
                flapper.next(); // one answer each: its presence confirmation or not_member
            }
            // and out for sure
            flapper.send(Json.write(new Request.Leave("flap-room")));
            flapper.next();
            // the last change is announced once its window ends: wait for quiet well past a window
            List<String> seen = presenceOf(watcher, "flapper", 2 * WINDOW_MS + 2000);
            double windows = (System.nanoTime() - started) / 1e6 / WINDOW_MS;
            System.out.printf(
                    "presence e2e: %d join/leave pairs in %.1f windows -> %d events %s%n",
                    flaps, windows, seen.size(), seen);
            // without coalescing the watcher saw 2 per pair (20)
            assertThat(seen.size()).isBetween(1, (int) Math.ceil(windows) + 1);
            assertThat(seen).last().isEqualTo("leave");
            // consecutive announcements differ: nothing announced twice in a row
            for (int i = 1; i < seen.size(); i++) {
                assertThat(seen.get(i)).isNotEqualTo(seen.get(i - 1));
            }
        }
    }

    @Test
    void aSecondConnectionOfAUser_neitherJoinsNorLeavesTheRoomAgain() throws Exception {
        try (WsClient watcher = WsClient.connect(local.userUri("watcher2"));
                WsClient phone = WsClient.connect(local.userUri("twotabs"))) {
            ChatEndToEndTest.join(watcher, "tabs-room", "watcher2");
            ChatEndToEndTest.join(phone, "tabs-room", "twotabs");
            watcher.next(f -> ChatEndToEndTest.presence(f, "join", "twotabs"));
            try (WsClient laptop = WsClient.connect(local.userUri("twotabs"))) {
                ChatEndToEndTest.join(laptop, "tabs-room", "twotabs"); // its own confirmation still comes
            }
            // the laptop closed; the phone is still in the room: the watcher hears nothing of it
            assertThat(presenceOf(watcher, "twotabs", WINDOW_MS + 2000)).isEmpty();
            phone.close();
            watcher.next(f -> ChatEndToEndTest.presence(f, "leave", "twotabs"));
        }
    }

    @Test
    void aRejoinInsideTheWindow_confirmsOnce_andIsAnnouncedToTheOthersWhenTheWindowEnds() throws Exception {
        try (WsClient watcher = WsClient.connect(local.userUri("watcher3"));
                WsClient alice = WsClient.connect(local.userUri("rejoiner"))) {
            ChatEndToEndTest.join(watcher, "rejoin-room", "watcher3");
            ChatEndToEndTest.join(alice, "rejoin-room", "rejoiner");
            watcher.next(f -> ChatEndToEndTest.presence(f, "join", "rejoiner"));
            alice.send(Json.write(new Request.Leave("rejoin-room")));
            alice.next(f -> ChatEndToEndTest.presence(f, "leave", "rejoiner"));
            // the leave is announced (at once, or when the join's window ends): a window opens with it
            watcher.next(f -> ChatEndToEndTest.presence(f, "leave", "rejoiner"));
            alice.send(Json.write(new Request.Join("rejoin-room")));
            // her confirmation comes at once; the announcement to the room waits for the window's end and
            // must not reach her a second time (it did: she heard her own join twice)
            assertThat(presenceOf(alice, "rejoiner", WINDOW_MS + 2000)).containsExactly("join");
            watcher.next(f -> ChatEndToEndTest.presence(f, "join", "rejoiner"));
        }
    }
}
