package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.bench.SendCostBenchmark.Call;
import java.util.List;
import org.junit.jupiter.api.Test;

class SendCostBenchmarkTest {

    static Call call(String operation, long start, long end) {
        return new Call(operation, start, end, 0, 0, 0);
    }

    @Test
    void roundTrips_countRequestsThatOverlapAsOne() {
        List<Call> calls =
                List.of(call("UpdateItem", 0, 10), call("Query", 12, 30), call("TransactWriteItems", 11, 25));
        assertThat(SendCostBenchmark.roundTrips(calls)).isEqualTo(2);
        assertThat(SendCostBenchmark.describe(calls)).isEqualTo("UpdateItem → TransactWriteItems ∥ Query");
    }

    @Test
    void roundTrips_countRequestsOneAfterAnotherEach() {
        List<Call> calls = List.of(
                call("UpdateItem", 0, 10),
                call("GetItem", 10, 20),
                call("TransactWriteItems", 21, 30),
                call("Query", 31, 40));
        assertThat(SendCostBenchmark.roundTrips(calls)).isEqualTo(4);
        assertThat(SendCostBenchmark.describe(calls)).isEqualTo("UpdateItem → GetItem → TransactWriteItems → Query");
        assertThat(SendCostBenchmark.roundTrips(List.of())).isZero();
    }
}
