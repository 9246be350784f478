package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.switchboard.core.auth.Identity;
import dev.switchboard.protocol.Notification;
import dev.switchboard.protocol.ServerFrame;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The inbox (docs/PROTOCOL.md, "Inbox") through {@link ChatService} on DynamoDB Local: what is
 * stored, paging, counts, marks (idempotent, own items only) and bad input. Posts are recorded.
 */
class ChatServiceInboxTest {

    /** Publish times near now: items older than the retention (2 days here) are expired. */
    static final long NOW = System.currentTimeMillis();

    @RegisterExtension
    static final ChatServiceFixture fixture = new ChatServiceFixture("switchboard-inbox");

    static ChatService service(Clock clock) {
        return fixture.service(Map.of(Config.INBOX_RETENTION_DAYS, "2", Config.SEND_RATE_PER_SECOND, "0"), clock);
    }

    static List<JsonObject> framesOf(String connectionId, String type) {
        return fixture.framesOf(connectionId, type);
    }

    static JsonObject last(String connectionId, String type) {
        return fixture.last(connectionId, type);
    }

    static List<String> ids(JsonObject inbox) {
        List<String> ids = new ArrayList<>();
        inbox.getAsJsonArray("items")
                .forEach(i -> ids.add(i.getAsJsonObject().get("id").getAsString()));
        return ids;
    }

    static String mark(String state, String... ids) {
        JsonArray array = new JsonArray();
        for (String id : ids) {
            array.add(id);
        }
        return "{\"action\":\"mark\",\"state\":\"" + state + "\",\"ids\":" + array + "}";
    }

    @Test
    void notificationAndDirect_toAnOfflineUser_areInTheInboxAtConnect_newestFirst_unread() {
        ChatService chat = service(Clock.systemUTC());
        chat.connect("off-a", new Identity("off-alice", false), 0);
        chat.notify(new Notification(null, "off-bob", false, "Invoice paid", "#1042"), "sns-off-1", NOW);
        chat.handle("off-a", "{\"action\":\"direct\",\"to\":\"off-bob\",\"text\":\"psst\",\"clientMsgId\":\"c1\"}");
        assertThat(framesOf("off-a", "ack")).hasSize(1);
        assertThat(framesOf("off-a", "error")).isEmpty();

        chat.connect("off-b", new Identity("off-bob", false), 0);
        chat.handle("off-b", "{\"action\":\"badge\"}");
        assertThat(last("off-b", "badge").get("unread").getAsLong()).isEqualTo(2);
        chat.handle("off-b", "{\"action\":\"inbox\"}");
        JsonObject page = last("off-b", "inbox");
        assertThat(page.get("unread").getAsLong()).isEqualTo(2);
        assertThat(page.get("unseen").getAsLong()).isEqualTo(2);
        assertThat(page.get("more").getAsBoolean()).isFalse();
        JsonArray items = page.getAsJsonArray("items");
        assertThat(items).hasSize(2);
        JsonObject direct =
                items.get(0).getAsJsonObject(); // newest first: the DM was sent after the notification's publish time
        assertThat(direct.get("kind").getAsString()).isEqualTo("direct");
        assertThat(direct.get("from").getAsString()).isEqualTo("off-alice");
        assertThat(direct.get("text").getAsString()).isEqualTo("psst");
        assertThat(direct.get("id").getAsString())
                .isEqualTo(framesOf("off-a", "ack").get(0).get("id").getAsString());
        JsonObject notification = items.get(1).getAsJsonObject();
        assertThat(notification.get("kind").getAsString()).isEqualTo("notification");
        assertThat(notification.get("title").getAsString()).isEqualTo("Invoice paid");
        assertThat(notification.get("ts").getAsLong()).isEqualTo(NOW);
        for (JsonElement item : items) {
            assertThat(item.getAsJsonObject().get("seen").getAsBoolean()).isFalse();
            assertThat(item.getAsJsonObject().get("read").getAsBoolean()).isFalse();
        }
    }

    @Test
    void snsRedelivery_storesOneItem_andCountsItOnce_butIsDeliveredLiveAgain() {
        ChatService chat = service(Clock.systemUTC());
        chat.connect("re-b", new Identity("re-bob", false), 0);
        Notification n = new Notification(null, "re-bob", false, "Deploy done", "v2.3");
        chat.notify(n, "sns-re-1", NOW);
        chat.notify(n, "sns-re-1", NOW);

        assertThat(framesOf("re-b", "notification"))
                .hasSize(2)
                .allSatisfy(f -> assertThat(f.get("inbox").getAsBoolean()).isTrue());
        assertThat(framesOf("re-b", "notification").get(1))
                .isEqualTo(framesOf("re-b", "notification").get(0));
        chat.handle("re-b", "{\"action\":\"inbox\"}");
        assertThat(ids(last("re-b", "inbox"))).hasSize(1);
        assertThat(last("re-b", "inbox").get("unread").getAsLong()).isEqualTo(1);
    }

    @Test
    void retriedDirect_isOneInboxItem_withTheFirstId_andIsNotDeliveredTwice() {
        ChatService chat = service(Clock.systemUTC());
        chat.connect("rd-a", new Identity("rd-alice", false), 0);
        chat.connect("rd-b", new Identity("rd-bob", false), 0);
        String direct = "{\"action\":\"direct\",\"to\":\"rd-bob\",\"text\":\"psst\",\"clientMsgId\":\"rd-1\"}";
        chat.handle("rd-a", direct);
        // the same clientMsgId again (a lost ack), even with another text: a retry of the first
        chat.handle("rd-a", direct.replace("psst", "psst!"));

        List<JsonObject> acks = framesOf("rd-a", "ack");
        assertThat(acks).hasSize(2);
        assertThat(acks.get(1)).isEqualTo(acks.get(0));
        assertThat(framesOf("rd-b", "direct"))
                .as("the first delivery completed: the retry is acknowledged, not delivered")
                .singleElement()
                .satisfies(f -> assertThat(f.get("id").getAsString())
                        .isEqualTo(acks.get(0).get("id").getAsString()));
        chat.handle("rd-b", "{\"action\":\"inbox\"}");
        JsonObject page = last("rd-b", "inbox");
        assertThat(ids(page)).containsExactly(acks.get(0).get("id").getAsString());
        assertThat(page.getAsJsonArray("items")
                        .get(0)
                        .getAsJsonObject()
                        .get("text")
                        .getAsString())
                .isEqualTo("psst");
        assertThat(page.get("unread").getAsLong()).isEqualTo(1);

        // another clientMsgId is another message; the same one to another user too
        chat.handle("rd-a", direct.replace("rd-1", "rd-2"));
        chat.handle("rd-a", direct.replace("rd-bob", "rd-carol"));
        List<String> ackIds = framesOf("rd-a", "ack").stream()
                .map(a -> a.get("id").getAsString())
                .toList();
        assertThat(ackIds).hasSize(4);
        assertThat(ackIds.subList(1, 4)).as("the other two are new messages").doesNotHaveDuplicates();
        chat.handle("rd-b", "{\"action\":\"badge\"}");
        assertThat(last("rd-b", "badge").get("unread").getAsLong()).isEqualTo(2);
    }

    @Test
    void retriedDirect_toAnOfflineUser_isStoredOnce_andAcknowledgedWithTheFirstId() {
        ChatService chat = service(Clock.systemUTC());
        chat.connect("ro-a", new Identity("ro-alice", false), 0);
        String direct = "{\"action\":\"direct\",\"to\":\"ro-bob\",\"text\":\"later\",\"clientMsgId\":\"ro-1\"}";
        chat.handle("ro-a", direct);
        chat.handle("ro-a", direct);
        chat.handle("ro-a", direct);
        assertThat(framesOf("ro-a", "ack"))
                .hasSize(3)
                .extracting(a -> a.get("id").getAsString())
                .containsOnly(framesOf("ro-a", "ack").get(0).get("id").getAsString());

        chat.connect("ro-b", new Identity("ro-bob", false), 0);
        chat.handle("ro-b", "{\"action\":\"inbox\"}");
        assertThat(ids(last("ro-b", "inbox"))).hasSize(1);
        assertThat(last("ro-b", "inbox").get("unread").getAsLong()).isEqualTo(1);
    }

    @Test
    void roomNotification_isLiveOnly() {
        ChatService chat = service(Clock.systemUTC());
        chat.connect("room-b", new Identity("room-bob", false), 0);
        chat.handle("room-b", "{\"action\":\"join\",\"room\":\"inbox-room\"}");
        chat.notify(new Notification("inbox-room", null, false, "Room news", ""), "sns-room-1", NOW);
        assertThat(framesOf("room-b", "notification"))
                .singleElement()
                .satisfies(f -> assertThat(f.has("inbox")).isFalse());
        chat.handle("room-b", "{\"action\":\"inbox\"}");
        assertThat(ids(last("room-b", "inbox"))).isEmpty();
    }

    @Test
    void mark_isIdempotent_reachesEveryConnectionOfTheUser_andOnlyTheirs() {
        ChatService chat = service(Clock.systemUTC());
        chat.connect("mk-b1", new Identity("mk-bob", false), 0);
        chat.connect("mk-b2", new Identity("mk-bob", false), 0);
        chat.connect("mk-c", new Identity("mk-carol", false), 0);
        for (int i = 0; i < 3; i++) {
            chat.notify(new Notification(null, "mk-bob", false, "n" + i, ""), "sns-mk-" + i, NOW + i);
        }
        chat.notify(new Notification(null, "mk-carol", false, "carol's", ""), "sns-mk-c", NOW);
        chat.handle("mk-b1", "{\"action\":\"inbox\"}");
        List<String> bobs = ids(last("mk-b1", "inbox"));
        assertThat(bobs).hasSize(3);

        chat.handle("mk-b1", mark("read", bobs.get(0), bobs.get(1)));
        JsonObject marked = last("mk-b2", "marked"); // the other tab hears of it
        assertThat(marked.get("state").getAsString()).isEqualTo("read");
        assertThat(marked.get("unread").getAsLong()).isEqualTo(1);
        assertThat(marked.get("unseen").getAsLong()).isEqualTo(1);
        assertThat(last("mk-b1", "marked")).isEqualTo(marked);
        assertThat(framesOf("mk-c", "marked")).isEmpty();

        // the same mark again: nothing changes, nothing is taken off twice, only the caller hears
        chat.handle("mk-b2", mark("read", bobs.get(0), bobs.get(1)));
        assertThat(last("mk-b2", "marked").get("unread").getAsLong()).isEqualTo(1);
        assertThat(framesOf("mk-b1", "marked")).hasSize(1);
        // seen after read changes nothing either
        chat.handle("mk-b2", mark("seen", bobs.get(0)));
        assertThat(last("mk-b2", "marked").get("unseen").getAsLong()).isEqualTo(1);

        chat.handle("mk-b1", mark("seen", bobs.get(2)));
        assertThat(last("mk-b1", "marked").get("unseen").getAsLong()).isZero();
        assertThat(last("mk-b1", "marked").get("unread").getAsLong()).isEqualTo(1);
        chat.handle("mk-b1", "{\"action\":\"inbox\"}");
        JsonArray items = last("mk-b1", "inbox").getAsJsonArray("items");
        assertThat(items.get(0).getAsJsonObject().get("read").getAsBoolean()).isTrue();
        assertThat(items.get(2).getAsJsonObject().get("read").getAsBoolean()).isFalse();
        assertThat(items.get(2).getAsJsonObject().get("seen").getAsBoolean()).isTrue();

        // carol cannot mark bob's items, and learns nothing about them
        chat.handle("mk-c", mark("read", bobs.get(2)));
        JsonObject error = last("mk-c", "error");
        assertThat(error.get("code").getAsString()).isEqualTo("not_found");
        assertThat(error.get("message").getAsString()).contains(bobs.get(2)).contains("page your inbox");
        chat.handle("mk-b1", "{\"action\":\"badge\"}");
        assertThat(last("mk-b1", "badge").get("unread").getAsLong()).isEqualTo(1);
    }

    @Test
    void mark_withOneUnknownId_marksNothing() {
        ChatService chat = service(Clock.systemUTC());
        chat.connect("uk-b", new Identity("uk-bob", false), 0);
        chat.notify(new Notification(null, "uk-bob", false, "t", ""), "sns-uk-1", NOW);
        chat.handle("uk-b", "{\"action\":\"inbox\"}");
        String id = ids(last("uk-b", "inbox")).get(0);
        chat.handle("uk-b", mark("read", id, "01KAX3T8Y9ZC4Q2D7N6B5V8M1P"));
        assertThat(last("uk-b", "error").get("code").getAsString()).isEqualTo("not_found");
        chat.handle("uk-b", "{\"action\":\"badge\"}");
        assertThat(last("uk-b", "badge").get("unread").getAsLong()).isEqualTo(1);
    }

    @Test
    void inbox_pagesNewestFirst_withACursor_toTheEnd() {
        ChatService chat = service(Clock.systemUTC());
        chat.connect("pg-b", new Identity("pg-bob", false), 0);
        for (int i = 0; i < 7; i++) {
            chat.notify(new Notification(null, "pg-bob", false, "n" + i, ""), "sns-pg-" + i, NOW + i * 1000L);
        }
        List<String> seen = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
            chat.handle(
                    "pg-b",
                    "{\"action\":\"inbox\",\"limit\":3" + (after == null ? "" : ",\"after\":\"" + after + "\"") + "}");
            JsonObject page = last("pg-b", "inbox");
            assertThat(page.has("unread")).as("counts on the first page only").isEqualTo(after == null);
            seen.addAll(ids(page));
            after = page.has("next") ? page.get("next").getAsString() : null;
            assertThat(page.get("more").getAsBoolean()).isEqualTo(after != null);
            pages++;
        } while (after != null && pages < 10);
        assertThat(pages).isEqualTo(3);
        assertThat(seen).hasSize(7).doesNotHaveDuplicates();
        assertThat(seen).isSortedAccordingTo(java.util.Comparator.reverseOrder());
    }

    @Test
    void inboxPage_isCutToFitOneFrame() {
        ChatService chat = service(Clock.systemUTC());
        chat.connect("big-b", new Identity("big-bob", false), 0);
        for (int i = 0; i < 12; i++) {
            chat.notify(
                    new Notification(null, "big-bob", false, "big " + i, "é".repeat(Notification.MAX_BODY)),
                    "sns-big-" + i,
                    NOW + i);
        }
        chat.handle("big-b", "{\"action\":\"inbox\",\"limit\":50}");
        JsonObject page = last("big-b", "inbox");
        assertThat(page.toString().getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(ServerFrame.MAX_BYTES);
        assertThat(page.get("more").getAsBoolean()).isTrue();
        List<String> first = ids(page);
        assertThat(first).isNotEmpty().hasSizeLessThan(12);
        chat.handle(
                "big-b",
                "{\"action\":\"inbox\",\"limit\":50,\"after\":\""
                        + page.get("next").getAsString() + "\"}");
        assertThat(ids(last("big-b", "inbox")))
                .doesNotContainAnyElementsOf(first)
                .isNotEmpty();
    }

    @Test
    void expiredItems_leaveThePage_andTheCounts_atTheEndOfTheirDay() {
        Instant sent = Instant.parse("2026-11-01T10:00:00Z");
        service(Clock.fixed(sent, ZoneOffset.UTC))
                .notify(new Notification(null, "exp-bob", false, "old", ""), "sns-exp-1", sent.toEpochMilli());
        // retention 2 days: kept until the end of 3 November (UTC)
        ChatService lastDay = service(Clock.fixed(Instant.parse("2026-11-03T23:59:00Z"), ZoneOffset.UTC));
        lastDay.connect("exp-b1", new Identity("exp-bob", false), 0);
        lastDay.handle("exp-b1", "{\"action\":\"inbox\"}");
        assertThat(ids(last("exp-b1", "inbox"))).hasSize(1);
        assertThat(last("exp-b1", "inbox").get("unread").getAsLong()).isEqualTo(1);

        ChatService after = service(Clock.fixed(Instant.parse("2026-11-04T00:00:01Z"), ZoneOffset.UTC));
        after.connect("exp-b2", new Identity("exp-bob", false), 0);
        after.handle("exp-b2", "{\"action\":\"inbox\"}");
        assertThat(ids(last("exp-b2", "inbox"))).isEmpty();
        assertThat(last("exp-b2", "inbox").get("unread").getAsLong()).isZero();
    }

    @Test
    void badInput_getsClearErrors_andChangesNothing() {
        ChatService chat = service(Clock.systemUTC());
        chat.connect("bad-b", new Identity("bad-bob", false), 0);
        String[][] cases = {
            {"{\"action\":\"inbox\",\"limit\":0}", "from 1 to 50"},
            {"{\"action\":\"inbox\",\"limit\":51}", "from 1 to 50"},
            {"{\"action\":\"inbox\",\"after\":\"not-a-cursor\"}", "'next' of an inbox frame"},
            {"{\"action\":\"mark\",\"ids\":[],\"state\":\"read\"}", "1 to 50"},
            {"{\"action\":\"mark\",\"ids\":[\"x\"],\"state\":\"read\"}", "item ids"},
            {"{\"action\":\"mark\",\"ids\":[\"01KAX3T8Y9ZC4Q2D7N6B5V8M1P\"],\"state\":\"gone\"}", "\"seen\" or \"read\""
            },
            {mark("read", fiftyOneIds()), "at most 50"},
        };
        for (String[] c : cases) {
            chat.handle("bad-b", c[0]);
            JsonObject error = last("bad-b", "error");
            assertThat(error.get("code").getAsString()).as(c[0]).isEqualTo("bad_request");
            assertThat(error.get("message").getAsString()).as(c[0]).contains(c[1]);
        }
        assertThat(framesOf("bad-b", "error")).hasSize(cases.length);
    }

    static String[] fiftyOneIds() {
        String[] ids = new String[51];
        for (int i = 0; i < ids.length; i++) {
            String digits = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
            ids[i] = "01KAX3T8Y9ZC4Q2D7N6B5V8M" + digits.charAt(i / 32) + digits.charAt(i % 32);
        }
        return ids;
    }
}
