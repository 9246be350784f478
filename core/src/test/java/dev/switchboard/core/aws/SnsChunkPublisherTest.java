package dev.switchboard.core.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.protocol.ShardChunk;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sns.model.PublishBatchRequestEntry;

class SnsChunkPublisherTest {

    static List<ShardChunk> shards(int count, int frameChars) {
        String frame = "{\"type\":\"notification\",\"body\":\"" + "x".repeat(frameChars) + "\"}";
        return IntStream.range(0, count).mapToObj(i -> new ShardChunk(i, frame)).toList();
    }

    static long bytes(List<PublishBatchRequestEntry> batch) {
        return batch.stream()
                .mapToLong(e -> e.message().getBytes(StandardCharsets.UTF_8).length
                        + e.messageAttributes().entrySet().stream()
                                .mapToLong(a -> a.getKey().length()
                                        + a.getValue().dataType().length()
                                        + a.getValue().stringValue().length())
                                .sum())
                .sum();
    }

    @Test
    void batches_ofSmallShards_holdTenEntriesEach_inShardOrder() {
        List<List<PublishBatchRequestEntry>> batches = SnsChunkPublisher.batches(shards(16, 20));

        assertThat(batches).extracting(List::size).containsExactly(10, 6);
        assertThat(batches.stream().flatMap(List::stream).map(PublishBatchRequestEntry::id))
                .containsExactlyElementsOf(
                        IntStream.range(0, 16).mapToObj(i -> "shard-" + i).toList());
    }

    @Test
    void batches_ofLargeShards_stayWithinSnsBatchBytes_soNoneIsRefusedAsBatchRequestTooLong() {
        // a 100 KB notification to everyone: ten shard chunks in one batch would be ~1 MB, which SNS
        // refuses whole (BatchRequestTooLong); two fit in 256 KiB, three do not
        List<List<PublishBatchRequestEntry>> batches = SnsChunkPublisher.batches(shards(10, 100_000));

        assertThat(batches).extracting(List::size).containsExactly(2, 2, 2, 2, 2);
        assertThat(batches).allSatisfy(b -> assertThat(bytes(b)).isLessThanOrEqualTo(SnsChunkPublisher.BATCH_BYTES));
        assertThat(batches.stream().mapToInt(List::size).sum()).isEqualTo(10);
    }

    @Test
    void batches_ofNothing_isNoRequest() {
        assertThat(SnsChunkPublisher.batches(List.of())).isEmpty();
    }
}
