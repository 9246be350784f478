package dev.switchboard.local.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.junit.jupiter.api.Test;

/**
 * The readout of a scripted scenario against a hand calculation: one message to a room of 100
 * (1 frame in, 99 member posts and the acknowledgement out), 100 connections open for a minute,
 * one Message function invocation of 45.3 ms at 1024 MB, the capacity DynamoDB reported in the
 * function's EMF record, and one SNS publish of 70,000 bytes.
 */
class CostReadoutTest {

    static final String EMF = "{\"_aws\":{\"Timestamp\":1,\"CloudWatchMetrics\":[{\"Namespace\":\"Switchboard\","
            + "\"Metrics\":[{\"Name\":\"ConsumedWriteCapacityUnits\",\"Unit\":\"Count\"},"
            + "{\"Name\":\"ConsumedReadCapacityUnits\",\"Unit\":\"Count\"},{\"Name\":\"MessagesSent\",\"Unit\":\"Count\"},"
            + "{\"Name\":\"Frames\",\"Unit\":\"Count\"}],\"Dimensions\":[[\"Service\"]]}]},\"Service\":\"switchboard\","
            + "\"ConsumedWriteCapacityUnits\":2.0,\"ConsumedReadCapacityUnits\":1.5,\"MessagesSent\":1.0,\"Frames\":1.0}";

    @Test
    void readout_ofAScriptedScenario_matchesTheHandCalculation() {
        Usage usage = new Usage();
        MetricsBoard metrics = new MetricsBoard();
        usage.apiMessage(200); // the send frame: 1 unit
        for (int i = 0; i < 100; i++) {
            usage.apiMessage(300); // 99 members + the ack: 100 units
            usage.connectionOpened("c" + i, 0);
            usage.connectionClosed("c" + i, 60_000); // 1 minute each
        }
        usage.invocation("MessageFunction", 1024, 45_300_000); // billed 46 ms
        usage.snsPublish(70_000); // 2 chunks of 64 KB
        assertThat(metrics.accept(EMF)).isTrue();
        assertThat(metrics.accept("2026-11-30 INFO not a metric")).isFalse();

        CostReadout.Cost cost = new CostReadout(usage, metrics).cost(60_000);

        assertThat(usage.apiMessageUnits()).isEqualTo(101);
        assertThat(cost.apiMessages()).isCloseTo(101 * 1.00 / 1e6, within(1e-12)); // $0.000101
        assertThat(cost.apiConnectionMinutes()).isCloseTo(100 * 0.25 / 1e6, within(1e-12)); // $0.000025
        assertThat(cost.lambdaRequests()).isCloseTo(0.20 / 1e6, within(1e-12)); // $0.0000002
        // 46 ms x 1 GB = 0.046 GB-s x $0.0000133334
        assertThat(usage.functions().get("MessageFunction").billedMillis()).isEqualTo(46);
        assertThat(cost.lambdaDuration()).isCloseTo(0.046 * 0.0000133334, within(1e-15));
        assertThat(cost.dynamoDbWrites()).isCloseTo(2 * 0.625 / 1e6, within(1e-12)); // $0.00000125
        assertThat(cost.dynamoDbReads()).isCloseTo(1.5 * 0.125 / 1e6, within(1e-12)); // $0.0000001875
        assertThat(usage.snsPublishUnits()).isEqualTo(2);
        assertThat(cost.snsPublishes()).isCloseTo(2 * 0.50 / 1e6, within(1e-12)); // $0.000001
        // 0.000101 + 0.000025 + 0.0000002 + 0.000000613336 + 0.00000125 + 0.0000001875 + 0.000001
        assertThat(cost.total()).isCloseTo(0.000129250836, within(1e-12));

        JsonObject json = JsonParser.parseString(new CostReadout(usage, metrics).json(60_000))
                .getAsJsonObject();
        assertThat(json.getAsJsonObject("costUsd").get("perMessageSent").getAsDouble())
                .isCloseTo(0.000129250836, within(1e-12));
        assertThat(json.getAsJsonObject("usage")
                        .get("apiGatewayConnectionMinutes")
                        .getAsDouble())
                .isEqualTo(100.0);
        assertThat(json.getAsJsonObject("prices").get("asOf").getAsString()).isEqualTo(Prices.AS_OF);
    }

    @Test
    void json_namesBreakdownsAsTheDocsWriteThem_withoutHtmlEscapes() {
        MetricsBoard metrics = new MetricsBoard();
        assertThat(metrics.accept("{\"_aws\":{\"Timestamp\":1,\"CloudWatchMetrics\":[{\"Namespace\":\"Switchboard\","
                        + "\"Metrics\":[{\"Name\":\"Frames\",\"Unit\":\"Count\"}],"
                        + "\"Dimensions\":[[\"Service\",\"Action\"]]}]},\"Service\":\"switchboard\",\"Action\":\"send\","
                        + "\"Frames\":1.0}"))
                .isTrue();

        String json = new CostReadout(new Usage(), metrics).json(0);

        // gson's default escaped '=' as \u003d: a reader grepping the endpoint for the docs' name found nothing
        assertThat(json).contains("\"Frames{Action=send}\"").doesNotContain("\\u003d");
        assertThat(JsonParser.parseString(json)
                        .getAsJsonObject()
                        .getAsJsonObject("metrics")
                        .getAsJsonObject("Frames{Action=send}")
                        .get("sum")
                        .getAsDouble())
                .isEqualTo(1.0);
    }

    @Test
    void apiMessages_areBilledIn32KbUnits_andSnsPublishesIn64KbUnits() {
        Usage usage = new Usage();
        usage.apiMessage(0);
        usage.apiMessage(32 * 1024);
        usage.apiMessage(32 * 1024 + 1);
        usage.apiMessage(128 * 1024);
        assertThat(usage.apiMessages()).isEqualTo(4);
        assertThat(usage.apiMessageUnits()).isEqualTo(1 + 1 + 2 + 4);
        usage.snsPublish(64 * 1024);
        usage.snsPublish(64 * 1024 + 1);
        assertThat(usage.snsPublishUnits()).isEqualTo(1 + 2);
    }

    @Test
    void connectionsCalls_peakIsTheMostWithinOneClockSecond() {
        Usage usage = new Usage();
        usage.connectionsCall(1_000);
        usage.connectionsCall(1_500);
        usage.connectionsCall(1_999);
        usage.connectionsCall(2_000);
        assertThat(usage.connectionsCalls()).isEqualTo(4);
        assertThat(usage.peakConnectionsCallsPerSecond()).isEqualTo(3);
    }

    @Test
    void metricsBoard_keepsBreakdownRecordsApart_andLatencyMaximum() {
        MetricsBoard board = new MetricsBoard();
        board.accept("{\"_aws\":{\"Timestamp\":1,\"CloudWatchMetrics\":[{\"Namespace\":\"Switchboard\",\"Metrics\":"
                + "[{\"Name\":\"Frames\",\"Unit\":\"Count\"}],\"Dimensions\":[[\"Service\",\"Action\"]]}]},"
                + "\"Service\":\"s\",\"Action\":\"send\",\"Frames\":1.0}");
        board.accept("{\"_aws\":{\"Timestamp\":1,\"CloudWatchMetrics\":[{\"Namespace\":\"Switchboard\",\"Metrics\":"
                + "[{\"Name\":\"FanOutLatency\",\"Unit\":\"Milliseconds\"}],\"Dimensions\":[[\"Service\"]]}]},"
                + "\"Service\":\"s\",\"FanOutLatency\":[12.5, 40.0]}");
        assertThat(board.total("Frames{Action=send}")).isEqualTo(1);
        assertThat(board.total("Frames")).isZero();
        assertThat(board.snapshot().get("FanOutLatency").max()).isEqualTo(40.0);
        assertThat(board.snapshot().get("FanOutLatency").count()).isEqualTo(2);
        assertThat(board.records()).isEqualTo(2);
    }
}
