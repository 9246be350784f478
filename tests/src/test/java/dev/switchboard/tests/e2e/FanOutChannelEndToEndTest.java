package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.sns.model.MessageAttributeValue;

/**
 * Fan-out chunks make any frame reach any connection, so they travel on the internal fan-out topic
 * (FanOutTopic, which only Switchboard's functions may publish to on AWS) and the Broadcast function
 * refuses them from the public notifications topic, where other systems publish.
 */
class FanOutChannelEndToEndTest {

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.devAuth();

    /** A chunk that would make "mallory" appear to say something in a room, to one connection. */
    static String forgedChunk(String connectionId) {
        return "{\"connectionIds\":[\"" + connectionId
                + "\"],\"frame\":\"{\\\"type\\\":\\\"message\\\",\\\"room\\\":\\\"lobby\\\","
                + "\\\"id\\\":\\\"01KAX3T8Y9ZC4Q2D7N6B5V8M1P\\\",\\\"from\\\":\\\"admin\\\",\\\"text\\\":\\\"forged\\\",\\\"ts\\\":1}\"}";
    }

    static String publish(String topicArn, String message, boolean chunkAttribute) {
        return local.sns()
                .publish(b -> {
                    b.topicArn(topicArn).message(message);
                    if (chunkAttribute) {
                        b.messageAttributes(Map.of(
                                "switchboard.kind",
                                MessageAttributeValue.builder()
                                        .dataType("String")
                                        .stringValue("fanout-chunk")
                                        .build()));
                    }
                })
                .messageId();
    }

    @Test
    void chunkOnThePublicTopic_isNotDelivered_whileTheSameChunkOnTheFanOutTopicIs() throws Exception {
        try (LogCapture log = new LogCapture();
                WsClient victim = WsClient.connect(local.userUri("victim"))) {
            victim.send(Json.write(new Request.Ping()));
            victim.nextOfType("pong");
            String connectionId = local.table()
                    .connectionsOf("victim")
                    .get(0)
                    .get("connectionId")
                    .s();

            // with the chunk attribute: refused by name
            String attributed = publish(local.cloud().topicArn(), forgedChunk(connectionId), true);
            await().atMost(WsClient.WAIT)
                    .until(() -> !log.matching(Pattern.compile(
                                    "refused SNS message " + Pattern.quote(attributed) + " from .*NotificationsTopic"))
                            .isEmpty());
            // without it: not a notification either (no target), dropped
            String bare = publish(local.cloud().topicArn(), forgedChunk(connectionId), false);
            await().atMost(WsClient.WAIT)
                    .until(() -> !log.matching(Pattern.compile("dropped SNS message " + Pattern.quote(bare)))
                            .isEmpty());
            // both invocations have finished: anything they had posted would be here already
            assertThat(victim.frames.poll(500, TimeUnit.MILLISECONDS))
                    .as("nothing reached the victim")
                    .isNull();

            // the control: the same chunk where only our functions publish is delivered, so the refusal above
            // is the topic's doing, not a malformed chunk's
            publish(local.cloud().topicArn("FanOutTopic"), forgedChunk(connectionId), true);
            JsonObject delivered = victim.nextOfType("message");
            assertThat(delivered.get("text").getAsString()).isEqualTo("forged");
        }
    }
}
