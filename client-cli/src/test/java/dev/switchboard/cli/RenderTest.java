package dev.switchboard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

/** Render: what a person sees of each event, one line each. */
class RenderTest {

    @Test
    void render_showsEditsTombstonesTypingAndUnread() {
        Render render = new Render(false);
        JsonObject edited = JsonParser.parseString("{\"type\":\"edited\",\"room\":\"r\",\"id\":\"x\",\"from\":\"ada\","
                        + "\"text\":\"fixed\",\"ts\":0,\"editedAt\":1}")
                .getAsJsonObject();
        assertThat(render.line(edited)).endsWith("[r] ada (edited): fixed");
        JsonObject tombstone = JsonParser.parseString(
                        "{\"type\":\"message\",\"room\":\"r\",\"id\":\"x\",\"from\":\"ada\","
                                + "\"ts\":0,\"editedAt\":1,\"deleted\":true}")
                .getAsJsonObject();
        assertThat(render.line(tombstone)).endsWith("[r] ada: (deleted)");
        assertThat(render.line(JsonParser.parseString("{\"type\":\"typing\",\"room\":\"r\",\"user\":\"bo\"}")
                        .getAsJsonObject()))
                .isEqualTo("* bo is typing in r…");
        assertThat(render.line(JsonParser.parseString("{\"type\":\"unread\",\"room\":\"r\",\"count\":100}")
                        .getAsJsonObject()))
                .isEqualTo("* 99+ unread in r since you last read");
        String id = dev.switchboard.protocol.MessageIds.derived(1_764_000_000_000L, "m");
        assertThat(render.line(JsonParser.parseString(
                                "{\"type\":\"receipt\",\"room\":\"r\",\"user\":\"bo\",\"id\":\"" + id + "\"}")
                        .getAsJsonObject()))
                .isEqualTo("* bo has read r up to "
                        + java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss")
                                .withZone(java.time.ZoneId.systemDefault())
                                .format(java.time.Instant.ofEpochMilli(1_764_000_000_000L)));
    }

    @Test
    void members_saysWhenThePageLeavesPeopleOut_withTheRoomsCount() {
        Render render = new Render(false);
        assertThat(render.line(JsonParser.parseString(
                                "{\"type\":\"members\",\"room\":\"r\",\"users\":[\"ann\",\"bob\"],\"count\":2}")
                        .getAsJsonObject()))
                .isEqualTo("members of r: ann, bob");
        assertThat(render.line(JsonParser.parseString("{\"type\":\"members\",\"room\":\"r\",\"users\":[\"ann\"],"
                                + "\"count\":250,\"next\":\"c1\"}")
                        .getAsJsonObject()))
                .isEqualTo("members of r: ann … and more (250 connections in all)");
        assertThat(render.line(JsonParser.parseString("{\"type\":\"members\",\"room\":\"r\",\"users\":[\"ann\"],"
                                + "\"count\":10000,\"next\":\"c1\"}")
                        .getAsJsonObject()))
                .isEqualTo("members of r: ann … and more (10000 or more connections in all)");
        assertThat(render.line(JsonParser.parseString(
                                "{\"type\":\"members\",\"room\":\"r\",\"users\":[\"cy\"],\"next\":\"c2\"}")
                        .getAsJsonObject()))
                .isEqualTo("members of r: cy … and more");
    }
}
