package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.switchboard.core.auth.Identity;
import dev.switchboard.protocol.Notification;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The switch that stores room-wide and all-user notifications in inboxes too
 * ({@code SWITCHBOARD_INBOX_NOTIFICATIONS}, docs/PROTOCOL.md "Inbox"): who gets an item, once per user
 * however many connections, once per notification however often SNS delivers it. Rooms are read two
 * members a page, so the writes follow the pages. Its own table: an all-user notification reaches every
 * connected user of the table.
 */
class ChatServiceInboxNotificationsTest {

    static final long NOW = System.currentTimeMillis();

    @RegisterExtension
    static final ChatServiceFixture fixture = new ChatServiceFixture("switchboard-inbox-notifications");

    static ChatService service(String targets) {
        return fixture.service(
                Map.of(
                        Config.INBOX_NOTIFICATIONS,
                        targets,
                        Config.FANOUT_CHUNK_SIZE,
                        "2",
                        Config.SEND_RATE_PER_SECOND,
                        "0"),
                Clock.systemUTC());
    }

    static JsonObject inboxOf(ChatService chat, String connectionId) {
        chat.handle(connectionId, "{\"action\":\"inbox\"}");
        List<JsonObject> pages = fixture.framesOf(connectionId, "inbox");
        return pages.get(pages.size() - 1);
    }

    static int items(JsonObject inbox) {
        return inbox.getAsJsonArray("items").size();
    }

    @Test
    void roomNotification_withRoomInboxes_isStoredOnceForEachUserInTheRoom_andForNoOneElse() {
        ChatService chat = service("user,room");
        String[][] members = {
            {"r-b1", "r-bob"}, {"r-b2", "r-bob"}, {"r-c", "r-carol"}, {"r-d", "r-dan"}, {"r-e", "r-eve"}
        };
        for (String[] m : members) {
            chat.connect(m[0], new Identity(m[1], false), 0);
            chat.handle(m[0], "{\"action\":\"join\",\"room\":\"stored-room\"}");
        }
        chat.connect("r-f", new Identity("r-fay", false), 0); // connected, not in the room
        Notification news = new Notification("stored-room", null, false, "Room news", "for the room");
        chat.notify(news, "sns-room-1", NOW);
        chat.notify(news, "sns-room-1", NOW); // an SNS redelivery

        for (String[] m : members) {
            assertThat(fixture.framesOf(m[0], "notification"))
                    .as(m[0])
                    .hasSize(2)
                    .allSatisfy(f -> assertThat(f.get("inbox").getAsBoolean()).isTrue());
        }
        for (String connection : List.of("r-b1", "r-c", "r-d", "r-e")) {
            JsonObject inbox = inboxOf(chat, connection);
            assertThat(items(inbox)).as(connection).isEqualTo(1);
            assertThat(inbox.get("unread").getAsLong()).as(connection).isEqualTo(1);
            JsonObject item = inbox.getAsJsonArray("items").get(0).getAsJsonObject();
            assertThat(item.get("id").getAsString())
                    .isEqualTo(fixture.framesOf(connection, "notification")
                            .get(0)
                            .get("id")
                            .getAsString());
            assertThat(item.get("title").getAsString()).isEqualTo("Room news");
        }
        assertThat(items(inboxOf(chat, "r-f"))).isZero();
        assertThat(fixture.framesOf("r-f", "notification")).isEmpty();
    }

    @Test
    void allNotification_withAllInboxes_isStoredForEachConnectedUser_notForUsersWithoutAConnection() {
        ChatService chat = service("user,room,all");
        chat.connect("a-g1", new Identity("a-gus", false), 0);
        chat.connect("a-g2", new Identity("a-gus", false), 0);
        chat.connect("a-h", new Identity("a-hal", false), 0);
        chat.connect("a-i", new Identity("a-ida", false), 0);
        chat.disconnect("a-i"); // offline when it is published: Switchboard has no list of every user
        chat.notify(new Notification(null, null, true, "Maintenance", "at 22:00 UTC"), "sns-all-1", NOW);
        chat.notify(new Notification(null, null, true, "Maintenance", "at 22:00 UTC"), "sns-all-1", NOW);

        assertThat(fixture.framesOf("a-g2", "notification"))
                .hasSize(2)
                .allSatisfy(f -> assertThat(f.get("inbox").getAsBoolean()).isTrue());
        assertThat(items(inboxOf(chat, "a-g1"))).isEqualTo(1);
        assertThat(items(inboxOf(chat, "a-h"))).isEqualTo(1);
        chat.connect("a-i2", new Identity("a-ida", false), 0);
        assertThat(items(inboxOf(chat, "a-i2"))).isZero();
    }

    @Test
    void none_storesNoNotification_butDirectMessagesStill() {
        ChatService chat = service("none");
        chat.connect("n-j", new Identity("n-jo", false), 0);
        chat.notify(new Notification(null, "n-jo", false, "Invoice paid", ""), "sns-none-1", NOW);
        assertThat(fixture.framesOf("n-j", "notification"))
                .singleElement()
                .satisfies(f -> assertThat(f.has("inbox")).isFalse());
        chat.handle("n-j", "{\"action\":\"direct\",\"to\":\"n-jo\",\"text\":\"note to self\",\"clientMsgId\":\"n1\"}");
        JsonObject inbox = inboxOf(chat, "n-j");
        assertThat(items(inbox)).isEqualTo(1);
        assertThat(inbox.getAsJsonArray("items")
                        .get(0)
                        .getAsJsonObject()
                        .get("kind")
                        .getAsString())
                .isEqualTo("direct");
    }
}
