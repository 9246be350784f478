package dev.switchboard.core;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.switchboard.core.aws.DynamoChatStore;
import dev.switchboard.core.fanout.ConnectionPoster.PostStatus;
import dev.switchboard.core.fanout.FanOut;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A {@link ChatService} on embedded DynamoDB Local (the table as template.yaml declares it), whose
 * {@code @connections} poster records every frame instead of sending it: the unit tests of the chat
 * service read what each connection was posted. One table per test class, made before its
 * {@code @BeforeAll} methods and dropped after its {@code @AfterAll} methods:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final ChatServiceFixture fixture = new ChatServiceFixture("switchboard-my-test");
 * ChatService chat = fixture.service(Map.of(Config.SEND_RATE_PER_SECOND, "0"));
 * fixture.framesOf("c-ann", "ack");
 * }</pre>
 *
 * Tests of one class share the table and the recorded posts: each uses its own connection ids.
 */
public final class ChatServiceFixture implements BeforeAllCallback, AfterAllCallback {

    private final String table;
    private final Map<String, List<byte[]>> posted = new ConcurrentHashMap<>();
    private volatile DynamoDbLocalFixture dynamo;
    private volatile ScheduledExecutorService pool;

    /** @param table the DynamoDB table's name, one per test class */
    public ChatServiceFixture(String table) {
        this.table = table;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        dynamo = new DynamoDbLocalFixture().createTable(table);
        pool = Executors.newSingleThreadScheduledExecutor();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        pool.shutdownNow();
        dynamo.close();
    }

    /** A chat service with the system clock; {@code env} adds to or overrides the table and endpoint variables. */
    public ChatService service(Map<String, String> env) {
        return service(env, Clock.systemUTC());
    }

    /**
     * A chat service whose store and rate limits read {@code clock} (a fixed clock makes only the burst
     * count). Every post is answered {@code DELIVERED} at once.
     */
    public ChatService service(Map<String, String> env, Clock clock) {
        Map<String, String> all =
                new HashMap<>(Map.of(Config.TABLE, table, Config.MANAGEMENT_ENDPOINT, "http://unused"));
        all.putAll(env);
        DynamoChatStore store = new DynamoChatStore(dynamo.client(), table, 4, 7, clock);
        FanOut fanOut = new FanOut(
                (id, frame) -> {
                    posted.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>())
                            .add(frame);
                    return CompletableFuture.completedFuture(PostStatus.DELIVERED);
                },
                id -> {},
                8,
                pool,
                1,
                1);
        return new ChatService(store, fanOut, Optional.empty(), Config.fromEnv(all), clock);
    }

    /** The frames posted to {@code connectionId} so far, as sent (UTF-8 JSON), oldest first. */
    public List<byte[]> posts(String connectionId) {
        return posted.getOrDefault(connectionId, List.of());
    }

    /** The frames of {@code type} posted to {@code connectionId} so far, oldest first. */
    public List<JsonObject> framesOf(String connectionId, String type) {
        return posts(connectionId).stream()
                .map(frame -> JsonParser.parseString(new String(frame, StandardCharsets.UTF_8))
                        .getAsJsonObject())
                .filter(f -> f.get("type").getAsString().equals(type))
                .toList();
    }

    /** The newest frame of {@code type} posted to {@code connectionId}; fails the test when there is none. */
    public JsonObject last(String connectionId, String type) {
        List<JsonObject> frames = framesOf(connectionId, type);
        org.assertj.core.api.Assertions.assertThat(frames)
                .as(type + " frames of " + connectionId)
                .isNotEmpty();
        return frames.get(frames.size() - 1);
    }

    /** The DynamoDB Local client, to look at the table. */
    public DynamoDbLocalFixture dynamo() {
        return dynamo;
    }
}
