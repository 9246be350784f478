package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.switchboard.core.auth.Identity;
import dev.switchboard.core.aws.DynamoChatStore;
import dev.switchboard.core.fanout.ConnectionPoster.PostStatus;
import dev.switchboard.core.fanout.FanOut;
import dev.switchboard.protocol.Notification;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A fan-out that meets a connection during its {@code $connect}: the connection is registered, API Gateway
 * has not opened it yet and answers 410 to a post "before the connection was established"
 * (https://repost.aws/knowledge-center/410-gone-api-gateway). The connection must survive: once open, its
 * requests are served. Deleting it (the fan-out's cleanup of gone connections) left an open socket whose
 * every request was refused {@code not_connected}, as a CLI end-to-end test once saw for an {@code inbox}
 * right after its {@code $connect}. The fan-out is wired as in production ({@code Switchboard}): its gone
 * connections go to {@link DynamoChatStore#removeGone}; the poster answers as API Gateway would.
 */
class GoneWhileConnectingTest {

    static final String TABLE = "switchboard-gone-while-connecting";

    static DynamoDbLocalFixture dynamo;
    static ScheduledExecutorService timer;
    /** Connections API Gateway has opened: a post to any other is answered 410. */
    static final Set<String> open = ConcurrentHashMap.newKeySet();

    static final Map<String, List<JsonObject>> posted = new ConcurrentHashMap<>();
    /** What happens to a connection once a post to it has been answered 410, before the fan-out sees the answer. */
    static final Map<String, Runnable> openAfter410 = new ConcurrentHashMap<>();

    static ChatService chat;

    @BeforeAll
    static void start() {
        dynamo = new DynamoDbLocalFixture().createTable(TABLE);
        timer = Executors.newSingleThreadScheduledExecutor();
        DynamoChatStore store = new DynamoChatStore(dynamo.client(), TABLE, 4, 7, Clock.systemUTC());
        FanOut fanOut = new FanOut(
                (id, frame) -> {
                    if (!open.contains(id)) {
                        Runnable opening = openAfter410.remove(id);
                        if (opening != null) {
                            // API Gateway has answered 410; the handshake completes before the fan-out hears it
                            CompletableFuture.runAsync(opening)
                                    .orTimeout(60, TimeUnit.SECONDS)
                                    .join();
                        }
                        return CompletableFuture.completedFuture(PostStatus.GONE);
                    }
                    posted.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>())
                            .add(JsonParser.parseString(new String(frame, StandardCharsets.UTF_8))
                                    .getAsJsonObject());
                    return CompletableFuture.completedFuture(PostStatus.DELIVERED);
                },
                gone -> store.removeGone(gone.connectionIds(), gone.room(), gone.postedFromMillis()),
                8,
                timer,
                1,
                1);
        chat = new ChatService(
                store,
                fanOut,
                Optional.empty(),
                Config.fromEnv(Map.of(Config.TABLE, TABLE, Config.MANAGEMENT_ENDPOINT, "http://unused")),
                Clock.systemUTC());
    }

    @AfterAll
    static void stop() {
        timer.shutdownNow();
        dynamo.close();
    }

    static List<String> typesPostedTo(String connectionId) {
        return posted.getOrDefault(connectionId, List.of()).stream()
                .map(f -> f.get("type").getAsString()
                        + (f.has("code") ? " " + f.get("code").getAsString() : ""))
                .toList();
    }

    @Test
    void aNotificationToTheUser_duringTheConnectionsConnect_leavesItRegistered_andItsFirstRequestIsServed() {
        // $connect has registered the connection; the handshake has not completed yet
        chat.connect("gwc-new", new Identity("gwc-una", false), System.currentTimeMillis());
        chat.notify(new Notification(null, "gwc-una", false, "Invoice paid", "#1042"), "sns-gwc-1", 0);

        open.add("gwc-new"); // the handshake completes
        chat.handle("gwc-new", "{\"action\":\"badge\"}");

        assertThat(typesPostedTo("gwc-new")).containsExactly("badge");
    }

    /**
     * The narrow race: the post is answered 410 while the connection is in its $connect, then API Gateway opens
     * it and its first frame is handled, and only then does the fan-out remove what it found gone. The frame came
     * after the post, so it proves nothing about the 410: the connection stays and its next request is served.
     * (It was deleted while the cleanup took any connection that had sent a frame for an open one.)
     */
    @Test
    void aFirstFrameHandledBetweenThe410AndTheCleanup_leavesTheConnectionRegistered() {
        chat.connect("gwc-race", new Identity("gwc-rhea", false), System.currentTimeMillis());
        openAfter410.put("gwc-race", () -> {
            open.add("gwc-race"); // the handshake completes
            chat.handle("gwc-race", "{\"action\":\"badge\"}");
        });

        chat.notify(new Notification(null, "gwc-rhea", false, "Invoice paid", "#1045"), "sns-gwc-4", 0);

        assertThat(openAfter410)
                .as("the post met the connection while connecting")
                .doesNotContainKey("gwc-race");
        chat.handle("gwc-race", "{\"action\":\"badge\"}");
        assertThat(typesPostedTo("gwc-race")).containsExactly("badge", "badge");
    }

    @Test
    void aYoungConnectionThatHasSentAFrame_andThenWentAway_isStillRemovedByTheFanOut() {
        chat.connect("gwc-sent", new Identity("gwc-sven", false), System.currentTimeMillis());
        open.add("gwc-sent");
        chat.handle("gwc-sent", "{\"action\":\"badge\"}");
        open.remove("gwc-sent"); // the socket closed; its $disconnect has not come (yet)
        long handled = System.currentTimeMillis();
        // the post after it on the clock, as it is in time: a frame in the post's millisecond proves nothing
        await().atMost(Duration.ofSeconds(10)).until(() -> System.currentTimeMillis() > handled);

        chat.notify(new Notification(null, "gwc-sven", false, "Invoice paid", "#1044"), "sns-gwc-3", 0);

        open.add("gwc-sent"); // a request that was on its way when the socket closed
        chat.handle("gwc-sent", "{\"action\":\"badge\"}");
        assertThat(typesPostedTo("gwc-sent")).containsExactly("badge", "error not_connected");
    }

    @Test
    void aConnectionGoneLongAfterItsConnect_isStillRemovedByTheFanOut() {
        long connectedAt = System.currentTimeMillis() - 10 * 60_000; // connected 10 minutes ago, gone since
        chat.connect("gwc-old", new Identity("gwc-olga", false), connectedAt);
        chat.notify(new Notification(null, "gwc-olga", false, "Invoice paid", "#1043"), "sns-gwc-2", 0);

        open.add("gwc-old"); // a request that was on its way when the socket closed
        chat.handle("gwc-old", "{\"action\":\"badge\"}");

        assertThat(typesPostedTo("gwc-old")).containsExactly("error not_connected");
    }
}
