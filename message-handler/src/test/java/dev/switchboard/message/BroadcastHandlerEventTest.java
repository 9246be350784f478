package dev.switchboard.message;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SNSEvent;
import com.amazonaws.services.lambda.runtime.tests.EventLoader;
import dev.switchboard.core.ChatService;
import dev.switchboard.core.ChatServiceFixture;
import dev.switchboard.core.auth.Identity;
import dev.switchboard.core.metrics.InvocationMetrics;
import dev.switchboard.core.metrics.Metric;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The SNS function from an event as SNS delivers it: {@code events/sns/sns_event.json}, verbatim from
 * aws/aws-lambda-java-libs (aws-lambda-java-tests/src/test/resources/sns_event.json), read with the
 * Lambda Java runtime's serialization ({@link EventLoader#loadSNSEvent}, joda-time timestamps included).
 * Its message, {@code {"id": 42, "name": "Bob"}}, is no notification of ours: dropped and counted, not
 * retried (SNS retrying it would not make it valid). A notification put into the loaded event's message
 * reaches the targeted room, with the same id each time SNS delivers it.
 */
class BroadcastHandlerEventTest {

    static final String FIXTURE = "events/sns/sns_event.json";

    @RegisterExtension
    static final ChatServiceFixture fixture = new ChatServiceFixture("switchboard-broadcast-events");

    final List<InvocationMetrics.Snapshot> published = new CopyOnWriteArrayList<>();

    @Test
    void theEvent_mapsToTheFieldsTheHandlerReads() {
        SNSEvent.SNS sns = EventLoader.loadSNSEvent(FIXTURE).getRecords().get(0).getSNS();
        assertThat(sns.getMessageId()).isEqualTo("dc918f50-80c6-56a2-ba33-d8a9bbf013ab");
        assertThat(sns.getTopicArn()).isEqualTo("arn:aws:sns:eu-central-1:123456789012:TopicSendToMe");
        assertThat(sns.getTimestamp().getMillis()).isEqualTo(1602173174656L); // 2020-10-08T16:06:14.656Z
        assertThat(sns.getMessageAttributes()).containsKey("name");
    }

    @Test
    void aMessageThatIsNoNotification_isDroppedAndCounted_notFailed() {
        ChatService chat = fixture.service(Map.of());
        BroadcastHandler handler = new BroadcastHandler(chat, Optional.empty(), new InvocationMetrics(published::add));

        handler.handleRequest(EventLoader.loadSNSEvent(FIXTURE), null);

        assertThat(published)
                .singleElement()
                .satisfies(s -> assertThat(s.values()).containsEntry(Metric.NOTIFICATIONS_DROPPED, 1.0));
    }

    @Test
    void aNotification_inTheEventsMessage_reachesTheRoom_andSnsRedeliveringIt_repeatsItsId() {
        ChatService chat = fixture.service(Map.of());
        chat.connect("c-ops", new Identity("opal", false), 0);
        chat.handle("c-ops", "{\"action\":\"join\",\"room\":\"ops\"}");
        SNSEvent event = EventLoader.loadSNSEvent(FIXTURE);
        SNSEvent.SNS sns = event.getRecords().get(0).getSNS();
        sns.setMessage("{\"target\":{\"room\":\"ops\"},\"title\":\"Deploy done\",\"body\":\"v2.3 is live\"}");
        // its "name" attribute stays: a publisher's own attributes are none of ours and change nothing
        BroadcastHandler handler = new BroadcastHandler(chat, Optional.empty());

        handler.handleRequest(event, null);
        handler.handleRequest(event, null); // SNS delivers at least once

        // the id comes from the SNS message id and the publish time, so a client drops the redelivered copy
        List<com.google.gson.JsonObject> notifications = fixture.framesOf("c-ops", "notification");
        assertThat(notifications).hasSize(2).allSatisfy(n -> {
            assertThat(n.get("title").getAsString()).isEqualTo("Deploy done");
            assertThat(n.get("ts").getAsLong()).isEqualTo(1602173174656L); // the SNS Timestamp
        });
        assertThat(notifications.get(1).get("id").getAsString())
                .isEqualTo(notifications.get(0).get("id").getAsString());
    }
}
