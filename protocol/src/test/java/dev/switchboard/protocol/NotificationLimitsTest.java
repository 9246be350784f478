package dev.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class NotificationLimitsTest {

    static String publish(String title, String body) {
        JsonObject target = new JsonObject();
        target.addProperty("room", "lobby");
        JsonObject message = new JsonObject();
        message.add("target", target);
        message.addProperty("title", title);
        message.addProperty("body", body);
        return message.toString();
    }

    @Test
    void parse_refusesA100KbBody_sayingTheLimitAndWhatToDo() {
        assertThatThrownBy(() -> Notification.parse(publish("Report", "x".repeat(100 * 1024))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "field 'body' is 102400 characters; at most 16000 are allowed so the frame fits API Gateway's "
                                + "128 KB message limit: shorten it or send a link");
    }

    @Test
    void parse_refusesALongTitle() {
        assertThatThrownBy(() -> Notification.parse(publish("t".repeat(201), "")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'title' is 201 characters; at most 200");
    }

    @Test
    void theLargestNotification_fitsOneFrame_evenWhenEveryCharacterIsEscaped() {
        // gson writes control characters as \\uXXXX: 6 bytes for each
        Notification largest = Notification.parse(
                publish("\u0001".repeat(Notification.MAX_TITLE), "\u0001".repeat(Notification.MAX_BODY)));
        byte[] frame = Json.write(new ServerFrame.Notification(
                        "01M88D2Y96QYF2D7R5NVE1KX4A", largest.title(), largest.body(), 1_795_578_495_921L))
                .getBytes(StandardCharsets.UTF_8);
        assertThat(frame.length).isGreaterThan(6 * Notification.MAX_BODY).isLessThanOrEqualTo(ServerFrame.MAX_BYTES);
    }
}
