package dev.switchboard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.switchboard.protocol.InboxState;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The CLI's {@code /inbox} view and badge lines, from frames as the server sends them (no cloud needed). */
class InboxViewTest {

    static JsonObject frame(String json) {
        return JsonParser.parseString(json).getAsJsonObject();
    }

    static final JsonObject PAGE = frame(
            "{\"type\":\"inbox\",\"items\":["
                    + "{\"id\":\"01KAX3V0Q4M8R2T6W9Y1B3D5F7\",\"kind\":\"direct\",\"from\":\"olaf\",\"text\":\"while you were out\u001b[2J\","
                    + "\"ts\":0,\"seen\":false,\"read\":false},"
                    + "{\"id\":\"01KAX3T8Y9ZC4Q2D7N6B5V8M1P\",\"kind\":\"notification\",\"title\":\"Invoice paid\",\"body\":\"#1042\","
                    + "\"ts\":0,\"seen\":true,\"read\":true}],\"more\":true,\"next\":\"01KAX3T8Y9ZC4Q2D7N6B5V8M1P\",\"unread\":1,\"unseen\":1}");

    @Test
    void lines_starTheUnread_newestFirst_andSayThatOlderOnesExist() {
        List<String> lines = InboxView.lines(PAGE);

        assertThat(lines.get(0)).isEqualTo("-- inbox (1 unread), newest first:");
        assertThat(lines.get(1))
                .startsWith("-- * ")
                .contains("(dm) olaf: while you were out")
                .doesNotContain("\u001b");
        assertThat(lines.get(2)).startsWith("--   ").contains("=== Invoice paid === #1042");
        assertThat(lines.get(3)).contains("older items");
    }

    @Test
    void markRead_namesOnlyTheUnreadShown_andIsWhatTheServerParses() {
        Request.Mark mark = InboxView.markRead(PAGE);

        assertThat(mark).isEqualTo(new Request.Mark(List.of("01KAX3V0Q4M8R2T6W9Y1B3D5F7"), InboxState.READ));
        assertThat(Json.write(mark))
                .isEqualTo("{\"action\":\"mark\",\"ids\":[\"01KAX3V0Q4M8R2T6W9Y1B3D5F7\"],\"state\":\"read\"}");
        assertThat(InboxView.markRead(frame("{\"type\":\"inbox\",\"items\":[],\"more\":false}")))
                .isNull();
    }

    @Test
    void render_showsTheBadge_onConnectAndAfterEveryMark() {
        Render render = new Render(false);

        assertThat(render.line(frame("{\"type\":\"badge\",\"unread\":2,\"unseen\":2}")))
                .isEqualTo("-- inbox: 2 unread (/inbox)");
        assertThat(render.line(frame("{\"type\":\"marked\",\"state\":\"read\",\"ids\":[],\"unread\":0,\"unseen\":0}")))
                .isEqualTo("-- inbox: all read");
    }
}
