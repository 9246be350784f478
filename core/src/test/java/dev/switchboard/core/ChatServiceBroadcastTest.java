package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.switchboard.core.auth.Identity;
import dev.switchboard.core.aws.DynamoChatStore;
import dev.switchboard.core.fanout.ConnectionPoster.PostStatus;
import dev.switchboard.core.fanout.FanOut;
import dev.switchboard.core.fanout.FanOutResult;
import dev.switchboard.protocol.FanOutChunk;
import dev.switchboard.protocol.Notification;
import dev.switchboard.protocol.ShardChunk;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Notifications from SNS: to everyone as one shard chunk per shard, each shard posted page by page
 * with its further pages handed on as chunks; and ids that an SNS redelivery repeats.
 */
class ChatServiceBroadcastTest {

    static final String TABLE = "switchboard-chat-broadcast";
    static final int SHARDS = 4;
    static final int CHUNK = 2;
    static final int CONNECTIONS = 11;
    static DynamoDbLocalFixture dynamo;
    static final ScheduledExecutorService pool = Executors.newSingleThreadScheduledExecutor();

    final Map<String, List<JsonObject>> posted = new ConcurrentHashMap<>();
    final List<FanOutChunk> chunks = new CopyOnWriteArrayList<>();
    final List<ShardChunk> shards = new CopyOnWriteArrayList<>();
    ChatService chat;

    @BeforeAll
    static void start() {
        dynamo = new DynamoDbLocalFixture().createTable(TABLE);
        ChatService chat = new ChatServiceBroadcastTest().service(Optional.empty());
        for (int i = 0; i < CONNECTIONS; i++) {
            chat.connect("c-" + i, new Identity("user" + i, false), 0);
        }
    }

    @AfterAll
    static void stop() {
        pool.shutdownNow();
        dynamo.close();
    }

    @BeforeEach
    void wire() {
        chat = service(Optional.of(new ChunkPublisher() {
            @Override
            public void publish(FanOutChunk chunk) {
                chunks.add(chunk);
            }

            @Override
            public void publishShards(List<ShardChunk> published) {
                shards.addAll(published);
            }
        }));
    }

    ChatService service(Optional<ChunkPublisher> publisher) {
        Map<String, String> env = new HashMap<>(Map.of(
                Config.TABLE,
                TABLE,
                Config.MANAGEMENT_ENDPOINT,
                "http://unused",
                Config.ALL_SHARDS,
                Integer.toString(SHARDS),
                Config.FANOUT_CHUNK_SIZE,
                Integer.toString(CHUNK)));
        Clock clock = Clock.fixed(Instant.ofEpochMilli(1_764_000_000_000L), ZoneOffset.UTC);
        DynamoChatStore store = new DynamoChatStore(dynamo.client(), TABLE, SHARDS, 7, clock);
        FanOut fanOut = new FanOut(
                (id, frame) -> {
                    posted.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>())
                            .add(JsonParser.parseString(new String(frame, StandardCharsets.UTF_8))
                                    .getAsJsonObject());
                    return CompletableFuture.completedFuture(PostStatus.DELIVERED);
                },
                id -> {},
                8,
                pool,
                1,
                1);
        return new ChatService(store, fanOut, publisher, Config.fromEnv(env), clock);
    }

    static Notification toAll() {
        return Notification.parse("{\"target\":{\"all\":true},\"title\":\"Maintenance\",\"body\":\"at 22:00 UTC\"}");
    }

    @Test
    void notifyAll_publishesOneShardChunkPerShard_andPostsNothingItself() {
        FanOutResult result = chat.notify(toAll(), "sns-1", 1_764_000_000_000L);

        assertThat(result).isEqualTo(FanOutResult.NONE);
        assertThat(posted).isEmpty();
        assertThat(shards).extracting(ShardChunk::shard).containsExactly(0, 1, 2, 3);
        assertThat(shards)
                .extracting(ShardChunk::frame)
                .containsOnly(shards.get(0).frame());
        assertThat(shards.get(0).frame()).contains("\"type\":\"notification\"").contains("Maintenance");
    }

    @Test
    void everyShard_postsItsFirstPage_andHandsOnTheRest_soEveryConnectionIsReachedOnce() {
        chat.notify(toAll(), "sns-2", 1_764_000_000_000L);
        int delivered = 0;
        for (ShardChunk shard : new ArrayList<>(shards)) {
            delivered += chat.deliverShard(shard).delivered();
        }
        for (FanOutChunk chunk : new ArrayList<>(chunks)) {
            delivered += chat.deliverChunk(chunk).delivered();
        }

        assertThat(delivered).isEqualTo(CONNECTIONS);
        assertThat(posted)
                .hasSize(CONNECTIONS)
                .allSatisfy((id, frames) -> assertThat(frames).hasSize(1));
        assertThat(chunks)
                .as("11 connections in 4 shards of pages of 2: some shard has a second page")
                .isNotEmpty()
                .allSatisfy(c -> assertThat(c.connectionIds()).hasSizeLessThanOrEqualTo(CHUNK));
    }

    @Test
    void deliverShard_refusesAShardThisConfigurationDoesNotHave() {
        assertThatThrownBy(() -> chat.deliverShard(new ShardChunk(SHARDS, "{}")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(Config.ALL_SHARDS);
    }

    @Test
    void theSameSnsMessage_givesTheSameFrame_andAnotherMessageAnotherId() {
        chat.notify(toAll(), "sns-3", 1_764_000_000_000L);
        chat.notify(toAll(), "sns-3", 1_764_000_000_000L);
        chat.notify(toAll(), "sns-4", 1_764_000_000_000L);

        assertThat(shards.get(0).frame()).isEqualTo(shards.get(SHARDS).frame());
        String id = JsonParser.parseString(shards.get(0).frame())
                .getAsJsonObject()
                .get("id")
                .getAsString();
        String other = JsonParser.parseString(shards.get(2 * SHARDS).frame())
                .getAsJsonObject()
                .get("id")
                .getAsString();
        assertThat(id).isNotEqualTo(other);
        assertThat(JsonParser.parseString(shards.get(0).frame())
                        .getAsJsonObject()
                        .get("ts")
                        .getAsLong())
                .as("the publish time, not the delivery's")
                .isEqualTo(1_764_000_000_000L);
    }

    @Test
    void withoutAFanOutTopic_notifyAll_postsToEveryShardItself() {
        ChatService alone = service(Optional.empty());

        FanOutResult result = alone.notify(toAll(), "sns-5", 1_764_000_000_000L);

        assertThat(result.delivered()).isEqualTo(CONNECTIONS);
        assertThat(posted).hasSize(CONNECTIONS);
    }
}
