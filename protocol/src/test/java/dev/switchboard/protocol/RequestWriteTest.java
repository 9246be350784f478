package dev.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What clients write ({@link Json#write(Request)}) is what the server reads ({@link RequestParser}). */
class RequestWriteTest {

    final RequestParser parser = new RequestParser(4000, 100);

    @Test
    void everyRequest_roundTripsThroughTheParser() {
        List<Request> requests = List.of(
                new Request.Join("lobby"),
                new Request.Leave("lobby"),
                new Request.Send("lobby", "hi \"there\" <b>é😀", "c-42"),
                new Request.Send("lobby", "no id", null),
                new Request.Direct("bob", "psst", "c-43"),
                new Request.History("lobby", "01KAX3T8Y9ZC4Q2D7N6B5V8M1P", 50),
                new Request.History("lobby", null, 20),
                new Request.Who("lobby", null),
                new Request.Who("lobby", "cursor"),
                new Request.Ping(),
                new Request.Refresh("eyJhbGciOiJIUzI1NiJ9.e30.sig"),
                new Request.Broadcast("lobby", null, false, "Deploy", "v2", "b-1"),
                new Request.Broadcast(null, "bob", false, "Invoice", "", null),
                new Request.Broadcast(null, null, true, "Maintenance", "22:00", "b-2"),
                new Request.Typing("lobby"),
                new Request.Read("lobby", "01KAX3T8Y9ZC4Q2D7N6B5V8M1P"),
                new Request.Edit("lobby", "01KAX3T8Y9ZC4Q2D7N6B5V8M1P", "fixed", "e-1"),
                new Request.Edit("lobby", "01KAX3T8Y9ZC4Q2D7N6B5V8M1P", "fixed", null),
                new Request.Delete("lobby", "01KAX3T8Y9ZC4Q2D7N6B5V8M1P", "d-1"),
                new Request.Badge(),
                new Request.Mark(List.of("01KAX3T8Y9ZC4Q2D7N6B5V8M1P", "01KAX3T8Y9ZC4Q2D7N6B5V8M1Q"), InboxState.READ),
                new Request.Mark(List.of("01KAX3T8Y9ZC4Q2D7N6B5V8M1P"), InboxState.SEEN),
                new Request.Inbox(null, 20),
                new Request.Inbox("01KAX3T8Y9ZC4Q2D7N6B5V8M1P", 50));
        for (Request request : requests) {
            assertThat(parser.parse(Json.write(request)))
                    .as(Json.write(request))
                    .isEqualTo(request);
        }
    }

    @Test
    void anEnum_goesOutAsItsWireName() {
        assertThat(Json.write(new Request.Mark(List.of("01KAX3T8Y9ZC4Q2D7N6B5V8M1P"), InboxState.READ)))
                .contains("\"state\":\"read\"");
    }

    @Test
    void theActionComesFirst_andNullsAreLeftOut() {
        String json = Json.write(new Request.Send("lobby", "hi", null));

        assertThat(json).startsWith("{\"action\":\"send\",");
        assertThat(JsonParser.parseString(json).getAsJsonObject().has("clientMsgId"))
                .isFalse();
        assertThat(json).doesNotContain("\\u003c"); // no HTML escaping: the text goes out as typed
    }

    @Test
    void aBroadcast_nestsItsAudienceUnderTarget() {
        JsonObject json = JsonParser.parseString(Json.write(new Request.Broadcast(null, "bob", false, "t", "b", null)))
                .getAsJsonObject();

        assertThat(json.getAsJsonObject("target").keySet()).containsExactly("user");
        assertThat(json.has("user")).isFalse();
    }

    @Test
    void aNotification_roundTripsThroughItsParser() {
        for (Notification n : List.of(
                new Notification("lobby", null, false, "Deploy done", "v2.3 is live"),
                new Notification(null, "bob", false, "Invoice paid", "#1042"),
                new Notification(null, null, true, "Maintenance", ""))) {
            assertThat(Notification.parse(Json.write(n))).isEqualTo(n);
        }
    }

    @Test
    void aServerFrame_readsBackIntoItsRecord() {
        ServerFrame.Ack ack = new ServerFrame.Ack("c-1", "01KAX3T8Y9ZC4Q2D7N6B5V8M1P", 1732400000000L);

        assertThat(Json.read(Json.write(ack), ServerFrame.Ack.class)).isEqualTo(ack);
    }
}
