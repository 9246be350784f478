package dev.switchboard.tests.e2e;

import static dev.switchboard.tests.e2e.ChatEndToEndTest.join;
import static dev.switchboard.tests.e2e.ChatEndToEndTest.send;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 17 items 2-4 through the local cloud and real WebSocket clients: edit and delete (live, in
 * history, refused on someone else's message, through the chunked fan-out of a big room), typing
 * (coalesced under a burst, nothing in a room over the presence cap) and read receipts (coalesced
 * under a burst, the last one always announced, unread counts on join). Counts are asserted after
 * waiting for quiet, never after a fixed sleep.
 */
class ChatPrimitivesEndToEndTest {

    /** The default presence window: typing and receipts are coalesced in it. */
    static final long WINDOW_MS = 3000;
    /** A small presence cap and fan-out chunk, so four members make a "big" room whose fan-out goes through chunks. */
    static final int PRESENCE_CAP = 3;

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.with(b -> b.devAuth(true)
            .environment(Map.of(
                    "SWITCHBOARD_PRESENCE_MAX_MEMBERS", Integer.toString(PRESENCE_CAP),
                    "SWITCHBOARD_FANOUT_CHUNK_SIZE", "2",
                    // bursts are the point here: the per-connection token bucket is tested elsewhere
                    "SWITCHBOARD_SEND_RATE_PER_SECOND", "0")));

    /** One handshake first: a cold connect function can take longer than a client waits on a loaded machine. */
    @BeforeAll
    static void warmUp() {
        try {
            WsClient.tryConnect(local.userUri("warm-up"))
                    .get(60, TimeUnit.SECONDS)
                    .close();
        } catch (Exception slow) {
            // the $connect invocation runs on; what matters is that it has run once
        }
    }

    static boolean typeIs(JsonObject f, String type) {
        return f.has("type") && f.get("type").getAsString().equals(type);
    }

    static boolean error(JsonObject f, String code, String action) {
        return typeIs(f, "error")
                && f.get("code").getAsString().equals(code)
                && f.get("requestAction").getAsString().equals(action);
    }

    /** Frames of {@code type} that arrive until {@code quietMillis} pass without any frame. */
    static List<JsonObject> framesOfType(WsClient client, String type, long quietMillis) throws InterruptedException {
        List<JsonObject> seen = new ArrayList<>();
        while (true) {
            String frame = client.frames.poll(quietMillis, TimeUnit.MILLISECONDS);
            if (frame == null) {
                return seen;
            }
            JsonObject f = JsonParser.parseString(frame).getAsJsonObject();
            if (typeIs(f, type)) {
                seen.add(f);
            }
        }
    }

    static JsonObject historyItem(WsClient client, String room, String id) throws InterruptedException {
        client.send(Json.write(new Request.History(room, null, 50)));
        JsonArray messages = client.next(
                        f -> typeIs(f, "history") && f.get("room").getAsString().equals(room))
                .getAsJsonArray("messages");
        for (JsonElement m : messages) {
            if (m.getAsJsonObject().get("id").getAsString().equals(id)) {
                return m.getAsJsonObject();
            }
        }
        throw new AssertionError("message " + id + " is not in the history page " + messages);
    }

    @Test
    void editAndDelete_reachEveryMemberLive_showInHistory_andAreRefusedOnSomeoneElsesMessage() throws Exception {
        String room = "prims-edit";
        try (WsClient alice = WsClient.connect(local.userUri("ed-alice"));
                WsClient bob = WsClient.connect(local.userUri("ed-bob"));
                WsClient carol = WsClient.connect(local.userUri("ed-carol"));
                WsClient dave = WsClient.connect(local.userUri("ed-dave"))) {
            join(alice, room, "ed-alice");
            join(bob, room, "ed-bob");
            join(carol, room, "ed-carol");
            join(dave, room, "ed-dave"); // four members: over the cap of 3, fan-out in chunks of 2
            String id = send(alice, room, "frist", "m-1");
            for (WsClient member : List.of(bob, carol, dave)) {
                member.next(
                        f -> typeIs(f, "message") && f.get("id").getAsString().equals(id));
            }

            // someone else's message: forbidden, nothing changes
            bob.send(Json.write(new Request.Edit(room, id, "bob was here", null)));
            assertThat(bob.next(f -> typeIs(f, "error")).get("code").getAsString())
                    .isEqualTo("forbidden");
            bob.send(Json.write(new Request.Delete(room, id, null)));
            assertThat(bob.next(f -> typeIs(f, "error")).get("code").getAsString())
                    .isEqualTo("forbidden");
            // an id the room does not have: not_found
            alice.send(Json.write(new Request.Edit(room, "01KAX3T8Y9ZC4Q2D7N6B5V8M1P", "x", null)));
            assertThat(alice.next(f -> error(f, "not_found", "edit"))
                            .get("message")
                            .getAsString())
                    .contains("01KAX3T8Y9ZC4Q2D7N6B5V8M1P");

            // the edit: acknowledged with the message's id, delivered to every other member (chunks included)
            alice.send(Json.write(new Request.Edit(room, id, "first", "e-1")));
            JsonObject ack = alice.next(f -> ChatEndToEndTest.ackFor(f, "e-1"));
            assertThat(ack.get("id").getAsString()).isEqualTo(id);
            long editedAt = ack.get("ts").getAsLong();
            for (WsClient member : List.of(bob, carol, dave)) {
                JsonObject edited = member.next(f -> typeIs(f, "edited"));
                assertThat(edited.get("id").getAsString()).isEqualTo(id);
                assertThat(edited.get("text").getAsString()).isEqualTo("first");
                assertThat(edited.get("from").getAsString()).isEqualTo("ed-alice");
                assertThat(edited.get("editedAt").getAsLong()).isEqualTo(editedAt);
            }
            // idempotent: the same edit again is acknowledged the same and changes nothing
            alice.send(Json.write(new Request.Edit(room, id, "first", "e-1")));
            assertThat(alice.next(f -> ChatEndToEndTest.ackFor(f, "e-1"))
                            .get("ts")
                            .getAsLong())
                    .isEqualTo(editedAt);
            assertThat(bob.next(f -> typeIs(f, "edited")).get("editedAt").getAsLong())
                    .isEqualTo(editedAt);

            JsonObject inHistory = historyItem(bob, room, id);
            assertThat(inHistory.get("text").getAsString()).isEqualTo("first");
            assertThat(inHistory.get("editedAt").getAsLong()).isEqualTo(editedAt);

            // the delete: a tombstone live and in history; the earlier versions are kept (with the message's TTL)
            alice.send(Json.write(new Request.Delete(room, id, "d-1")));
            long deletedAt =
                    alice.next(f -> ChatEndToEndTest.ackFor(f, "d-1")).get("ts").getAsLong();
            for (WsClient member : List.of(bob, carol, dave)) {
                JsonObject deleted = member.next(f -> typeIs(f, "deleted"));
                assertThat(deleted.get("id").getAsString()).isEqualTo(id);
                assertThat(deleted.get("deletedAt").getAsLong()).isEqualTo(deletedAt);
            }
            JsonObject tombstone = historyItem(carol, room, id);
            assertThat(tombstone.get("deleted").getAsBoolean()).isTrue();
            assertThat(tombstone.has("text")).isFalse();
            List<Map<String, software.amazon.awssdk.services.dynamodb.model.AttributeValue>> versions =
                    local.table().partition("MSGVER#" + room);
            assertThat(versions).extracting(v -> v.get("text").s()).containsExactly("frist", "first");
            assertThat(versions).allSatisfy(v -> assertThat(v).containsKey("expiresAt"));

            // a deleted message cannot be edited; deleting it again is acknowledged (idempotent)
            alice.send(Json.write(new Request.Edit(room, id, "back", null)));
            alice.next(f -> error(f, "not_found", "edit"));
            alice.send(Json.write(new Request.Delete(room, id, "d-2")));
            assertThat(alice.next(f -> ChatEndToEndTest.ackFor(f, "d-2"))
                            .get("ts")
                            .getAsLong())
                    .isEqualTo(deletedAt);
        }
    }

    @Test
    void typing_isCoalescedUnderABurst_reachesOnlyTheOthers_andNothingInARoomOverThePresenceCap() throws Exception {
        String small = "prims-typing";
        String big = "prims-typing-big";
        try (WsClient alice = WsClient.connect(local.userUri("ty-alice"));
                WsClient bob = WsClient.connect(local.userUri("ty-bob"));
                WsClient carol = WsClient.connect(local.userUri("ty-carol"));
                WsClient dave = WsClient.connect(local.userUri("ty-dave"))) {
            join(alice, small, "ty-alice");
            join(bob, small, "ty-bob");
            for (WsClient c : List.of(alice, bob, carol, dave)) {
                join(c, big, c == alice ? "ty-alice" : c == bob ? "ty-bob" : c == carol ? "ty-carol" : "ty-dave");
            }
            // let the joins' presence settle so it does not mix with what is counted below
            framesOfType(bob, "typing", WINDOW_MS + 1000);
            framesOfType(alice, "typing", 500);

            long started = System.nanoTime();
            int burst = 20;
            for (int i = 0; i < burst; i++) {
                alice.send(Json.write(new Request.Typing(small)));
                alice.send(Json.write(new Request.Typing(big)));
            }
            List<JsonObject> seen = framesOfType(bob, "typing", WINDOW_MS + 2000);
            double windows = (System.nanoTime() - started) / 1e6 / WINDOW_MS;
            System.out.printf(
                    "typing e2e: %d typing frames in %.1f windows -> %d events%n", burst, windows, seen.size());
            // without coalescing bob got 20 (and 20 more from the big room)
            assertThat(seen).isNotEmpty();
            assertThat(seen.size()).isLessThanOrEqualTo((int) Math.ceil(windows) + 1);
            assertThat(seen).allSatisfy(f -> {
                assertThat(f.get("room").getAsString()).isEqualTo(small); // never the big room's
                assertThat(f.get("user").getAsString()).isEqualTo("ty-alice");
            });
            assertThat(framesOfType(carol, "typing", 500)).isEmpty();
            assertThat(framesOfType(alice, "typing", 500))
                    .as("the typer hears nothing of its own typing")
                    .isEmpty();

            // a room one has not joined: refused
            carol.send(Json.write(new Request.Typing(small)));
            carol.next(f -> error(f, "not_member", "typing"));
        }
    }

    @Test
    void receipts_areMonotonic_coalescedUnderABurst_endOnTheLastOne_andJoinCountsUnread() throws Exception {
        String room = "prims-read";
        try (WsClient alice = WsClient.connect(local.userUri("rd-alice"));
                WsClient bob = WsClient.connect(local.userUri("rd-bob"))) {
            join(alice, room, "rd-alice");
            join(bob, room, "rd-bob");
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                ids.add(send(alice, room, "m" + i, "r-" + i));
            }
            String last = ids.get(ids.size() - 1);
            framesOfType(alice, "receipt", 500); // drain

            // bob reads them all in a burst, in any order the gateway hands them on
            long started = System.nanoTime();
            for (String id : ids) {
                bob.send(Json.write(new Request.Read(room, id)));
            }
            List<JsonObject> seen = framesOfType(alice, "receipt", 2 * WINDOW_MS + 2000);
            double windows = (System.nanoTime() - started) / 1e6 / WINDOW_MS;
            System.out.printf(
                    "receipt e2e: %d receipts in %.1f windows -> %d events%n", ids.size(), windows, seen.size());
            assertThat(seen).isNotEmpty();
            assertThat(seen.size()).isLessThanOrEqualTo((int) Math.ceil(windows) + 1);
            assertThat(seen)
                    .allSatisfy(f -> assertThat(f.get("user").getAsString()).isEqualTo("rd-bob"));
            // the last position is always announced, and announcements only move forward
            assertThat(seen.get(seen.size() - 1).get("id").getAsString()).isEqualTo(last);
            List<String> announced =
                    seen.stream().map(f -> f.get("id").getAsString()).toList();
            assertThat(announced).isSorted();

            // an older receipt does not move it back: the answer names where it stays
            bob.send(Json.write(new Request.Read(room, ids.get(0))));
            assertThat(bob.next(f -> typeIs(f, "receipt")
                                    && f.get("id").getAsString().equals(last))
                            .get("user")
                            .getAsString())
                    .isEqualTo("rd-bob");
            assertThat(framesOfType(alice, "receipt", WINDOW_MS + 1000)).isEmpty();
            // an id the room does not have
            bob.send(Json.write(new Request.Read(room, "01KAX3T8Y9ZC4Q2D7N6B5V8M1P")));
            bob.next(f -> error(f, "not_found", "read"));

            // three more while bob is away: his next join says so, before its confirmation
            bob.close();
            bob.awaitClose();
            for (int i = 0; i < 3; i++) {
                send(alice, room, "later" + i, "l-" + i);
            }
            try (WsClient again = WsClient.connect(local.userUri("rd-bob"))) {
                again.send(Json.write(new Request.Join(room)));
                JsonObject unread =
                        again.next(f -> typeIs(f, "unread") || ChatEndToEndTest.presence(f, "join", "rd-bob"));
                assertThat(unread.get("type").getAsString()).isEqualTo("unread");
                assertThat(unread.get("count").getAsInt()).isEqualTo(3);
                assertThat(unread.get("lastRead").getAsString()).isEqualTo(last);
            }
        }
    }
}
