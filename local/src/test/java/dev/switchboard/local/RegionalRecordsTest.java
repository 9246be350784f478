package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a local cloud sends its functions names the cloud's own region, as AWS's records name the
 * region they come from: with {@code --regions us-east-1,eu-west-1} the second cloud's sweep and
 * dead-letter records say eu-west-1.
 */
class RegionalRecordsTest {

    @Test
    void aScheduledEvent_namesTheCloudsRegion_inItsRegionAndItsRuleArn() {
        JsonObject event = JsonParser.parseString(LocalCloud.scheduledEvent(
                        new LocalTemplate.Schedule("ExpiredConnectionsFunction", "Sweep", Duration.ofSeconds(60), true),
                        "eu-west-1"))
                .getAsJsonObject();
        assertThat(event.get("region").getAsString()).isEqualTo("eu-west-1");
        assertThat(event.getAsJsonArray("resources").get(0).getAsString())
                .isEqualTo("arn:aws:events:eu-west-1:000000000000:rule/ExpiredConnectionsFunctionSweep");
        assertThat(event.get("detail-type").getAsString()).isEqualTo("Scheduled Event");
        assertThat(event.get("source").getAsString()).isEqualTo("aws.events");
    }

    @Test
    void anAsynchronousInvocationRecord_namesTheFunctionArnInTheCloudsRegion() {
        FunctionRuntime fn = new FunctionRuntime() {
            @Override
            public LocalTemplate.FunctionDef definition() {
                return new LocalTemplate.FunctionDef(
                        "Fn", "NotificationFunction", "x.Handler", "handleRequest", 3, 128, Map.of());
            }

            @Override
            public String invoke(String eventJson, String requestId, Runnable delivered) {
                throw new UnsupportedOperationException("not invoked: only its record is built");
            }
        };
        JsonObject record = JsonParser.parseString(AsyncInvoker.invocationRecord(
                        fn,
                        "eu-west-1",
                        "{\"Records\":[]}",
                        "11111111-2222-3333-4444-555555555555",
                        3,
                        new FunctionRuntime.InvocationException("boom", null, false),
                        true))
                .getAsJsonObject();
        JsonObject context = record.getAsJsonObject("requestContext");
        assertThat(context.get("functionArn").getAsString())
                .isEqualTo("arn:aws:lambda:eu-west-1:000000000000:function:NotificationFunction:$LATEST");
        assertThat(context.get("approximateInvokeCount").getAsInt()).isEqualTo(3);
        assertThat(context.get("condition").getAsString()).isEqualTo("RetriesExhausted");
    }
}
