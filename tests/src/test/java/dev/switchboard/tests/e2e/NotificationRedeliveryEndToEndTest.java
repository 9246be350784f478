package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import dev.switchboard.local.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What happens when a notification cannot be delivered at once: the Broadcast function fails the
 * invocation, SNS → Lambda's asynchronous retry delivers the same SNS message again, and the frame
 * it sends carries the same id (derived from the SNS message id), so clients drop the repeat.
 */
class NotificationRedeliveryEndToEndTest {

    @RegisterExtension
    static final LocalCloudExtension local =
            LocalCloudExtension.with(b -> b.devAuth(true).snsRetryBase(Duration.ofSeconds(2)));

    @AfterEach
    void clearFaults() {
        local.cloud().faults().clear();
    }

    static String connectionOf(String user) {
        return local.table().connectionsOf(user).get(0).get("connectionId").s();
    }

    @Test
    void notification_deliveredTwiceBySnsRetry_carriesOneId() throws Exception {
        String room = "redelivery";
        try (LogCapture log = new LogCapture();
                WsClient ann = WsClient.connect(local.userUri("ann"));
                WsClient bob = WsClient.connect(local.userUri("bob"))) {
            ChatEndToEndTest.join(ann, room, "ann");
            ChatEndToEndTest.join(bob, room, "bob");
            // bob's @connections posts fail until the first invocation has given up on him
            local.cloud().faults().failConnection(connectionOf("bob"), 500, Integer.MAX_VALUE);

            String messageId = local.publish(
                    "{\"target\":{\"room\":\"" + room + "\"},\"title\":\"Deploy done\",\"body\":\"v2.3\"}");
            Pattern failed = Pattern.compile("sns " + Pattern.quote(messageId) + " delivered=1 gone=0 failed=1");
            await().atMost(WsClient.WAIT).until(() -> !log.matching(failed).isEmpty());
            local.cloud().faults().clear(); // before the retry, 2 s after the failure

            JsonObject first = ann.nextOfType("notification");
            JsonObject repeat = ann.nextOfType("notification");
            JsonObject bobs = bob.nextOfType("notification");

            // the same frame, byte for byte: id and ts come from the SNS message, not from the attempt
            assertThat(repeat).isEqualTo(first);
            assertThat(bobs).isEqualTo(first);
            assertThat(first.get("id").getAsString()).matches("[0-9A-HJKMNP-TV-Z]{26}");
            // an invocation logs its line after its frames have arrived: wait for the second one's
            Pattern attempt =
                    Pattern.compile("sns " + Pattern.quote(messageId) + " (delivered=\\d+ gone=\\d+ failed=\\d+)");
            await().atMost(WsClient.WAIT).until(() -> log.matching(attempt).size() >= 2);
            List<String> attempts = new ArrayList<>();
            log.matching(attempt).forEach(m -> attempts.add(m.group(1)));
            assertThat(attempts).containsExactly("delivered=1 gone=0 failed=1", "delivered=2 gone=0 failed=0");
        }
    }
}
