package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.switchboard.local.WsClient;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Another system publishes to the SNS topic with the unmodified AWS SDK; connected users get it. */
class NotificationEndToEndTest {

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.devAuth();

    void publish(String message) {
        local.publish(message);
    }

    @Test
    void notification_reachesRoomMembers_aUsersConnections_andEveryone() throws Exception {
        try (WsClient erin = WsClient.connect(local.userUri("erin"));
                WsClient frank = WsClient.connect(local.userUri("frank"))) {
            ChatEndToEndTest.join(erin, "ops", "erin");

            publish("{\"target\":{\"room\":\"ops\"},\"title\":\"Deploy done\",\"body\":\"v2.3 is live\"}");
            JsonObject toRoom = erin.nextOfType("notification");
            assertThat(toRoom.get("title").getAsString()).isEqualTo("Deploy done");
            assertThat(toRoom.get("body").getAsString()).isEqualTo("v2.3 is live");

            publish("{\"target\":{\"user\":\"frank\"},\"title\":\"Invoice paid\",\"body\":\"#1042\"}");
            assertThat(frank.nextOfType("notification").get("title").getAsString())
                    .isEqualTo("Invoice paid");

            publish("{\"target\":{\"all\":true},\"title\":\"Maintenance\",\"body\":\"at 22:00 UTC\"}");
            assertThat(erin.nextOfType("notification").get("title").getAsString())
                    .isEqualTo("Maintenance");
            assertThat(frank.nextOfType("notification").get("title").getAsString())
                    .isEqualTo("Maintenance");

            // the room notification went to the room only: frank (not a member) saw just his two
            assertThat(frank.frames.poll(200, TimeUnit.MILLISECONDS)).isNull();
        }
    }
}
