package dev.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonParser;
import java.util.List;
import org.junit.jupiter.api.Test;

class FanOutChunkTest {

    @Test
    void chunk_roundTripsThroughItsSnsBody_withTheFrameAsText() {
        String frame =
                Json.write(new ServerFrame.Message("lobby", "01KAX3T8Y9ZC4Q2D7N6B5V8M1P", "alice", "hi \"you\"", 5L));
        FanOutChunk chunk = new FanOutChunk(List.of("c-1", "c-2"), frame);

        String body = chunk.toJson();

        assertThat(JsonParser.parseString(body).getAsJsonObject().get("frame").getAsString())
                .isEqualTo(frame);
        assertThat(FanOutChunk.fromJson(body)).isEqualTo(chunk);
    }

    @Test
    void shard_roundTripsThroughItsSnsBody() {
        ShardChunk shard = new ShardChunk(3, "{\"type\":\"pong\"}");

        assertThat(JsonParser.parseString(shard.toJson())
                        .getAsJsonObject()
                        .get("shard")
                        .getAsInt())
                .isEqualTo(3);
        assertThat(ShardChunk.fromJson(shard.toJson())).isEqualTo(shard);
        assertThat(ShardChunk.KIND).isNotEqualTo(FanOutChunk.KIND);
    }

    @Test
    void shard_carriesItsInboxFlag_onlyWhenSet() {
        String frame = Json.write(new ServerFrame.Notification("01KAX3T8Y9ZC4Q2D7N6B5V8M1P", "t", "b", 5L, true));
        ShardChunk stored = new ShardChunk(1, frame, true);
        ShardChunk live = new ShardChunk(1, frame);

        assertThat(JsonParser.parseString(stored.toJson())
                        .getAsJsonObject()
                        .get("inbox")
                        .getAsBoolean())
                .isTrue();
        assertThat(JsonParser.parseString(live.toJson()).getAsJsonObject().has("inbox"))
                .isFalse();
        assertThat(ShardChunk.fromJson(stored.toJson())).isEqualTo(stored);
        // a chunk of an earlier version (no inbox field) reads as live only
        assertThat(ShardChunk.fromJson("{\"shard\":1,\"frame\":\"{}\"}").inbox())
                .isNull();
    }
}
