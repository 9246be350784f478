package dev.switchboard.tests.e2e;

import static dev.switchboard.tests.e2e.ChatEndToEndTest.join;
import static dev.switchboard.tests.e2e.ChatEndToEndTest.send;
import static dev.switchboard.tests.e2e.RoomPermissionsEndToEndTest.error;
import static dev.switchboard.tests.e2e.RoomPermissionsEndToEndTest.token;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A token's lifetime bounds its connection, and {@code refresh} replaces the token: JWT mode, real
 * WebSocket clients, tokens minted with a few seconds of life and a leeway of 1 s so the test waits
 * seconds, not minutes.
 */
class TokenLifetimeEndToEndTest {

    static final long LEEWAY_SECONDS = 1;
    /**
     * The short token's life: long enough for a handshake, a join and a refresh on a loaded 2-core
     * machine (a cold function instance takes seconds), short enough to wait for.
     */
    static final long SHORT = 15;

    private static final AtomicInteger IDS = new AtomicInteger();

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.with(b -> b.devAuth(false)
            .jwtSecret(RoomPermissionsEndToEndTest.SECRET)
            .environment(Map.of("SWITCHBOARD_TOKEN_LEEWAY_SECONDS", Long.toString(LEEWAY_SECONDS))));

    /**
     * Cold function instances take seconds on a loaded machine: warm them before a short token's clock
     * starts, and the join and refresh paths too (their first run loads what a ping does not).
     */
    @BeforeAll
    static void warmUp() throws Exception {
        local.warmUp(local.tokenUri(token("warm-up", null, 600)));
        try (WsClient client = WsClient.connect(local.tokenUri(token("warm-up", null, 600)))) {
            join(client, "lobby", "warm-up");
            refresh(client, token("warm-up", null, 600));
        }
    }

    static String unique(String prefix) {
        return prefix + IDS.incrementAndGet();
    }

    /** Waits (polling the clock, no fixed sleep) until a token minted now for {@code seconds} is past exp + leeway. */
    static void awaitExpiry(long mintedAtMillis, long seconds) {
        long expSecond = (mintedAtMillis + seconds * 1000) / 1000;
        await().atMost(Duration.ofSeconds(seconds + LEEWAY_SECONDS + 10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> System.currentTimeMillis() / 1000 > expSecond + LEEWAY_SECONDS);
    }

    static JsonObject refresh(WsClient client, String token) throws InterruptedException {
        client.send(Json.write(new Request.Refresh(token)));
        return client.next(f -> f.has("type")
                && (f.get("type").getAsString().equals("refreshed")
                        || (f.get("type").getAsString().equals("error")
                                && "refresh".equals(f.get("requestAction").getAsString()))));
    }

    @Test
    void anExpiredToken_getsNoDeliveries_andEveryFrameButRefreshGetsTokenExpired_untilARefresh() throws Exception {
        String user = unique("exp");
        String talker = unique("talk");
        long minted = System.currentTimeMillis();
        try (WsClient expiring = WsClient.connect(local.tokenUri(token(user, null, SHORT)));
                WsClient other = WsClient.connect(local.tokenUri(token(talker, null, 600)))) {
            join(expiring, "lobby", user);
            join(other, "lobby", talker);
            send(other, "lobby", "before expiry", "b-1");
            assertThat(expiring.nextOfType("message").get("text").getAsString()).isEqualTo("before expiry");

            awaitExpiry(minted, SHORT);
            expiring.send(Json.write(new Request.Ping()));
            JsonObject expired = error(expiring, "ping");
            assertThat(expired.get("code").getAsString()).isEqualTo("token_expired");
            assertThat(expired.get("message").getAsString()).contains("refresh");
            // the ack comes once the room's fan-out has finished: by then the expired member was skipped
            send(other, "lobby", "after expiry", "b-2");
            expiring.send(Json.write(new Request.Join("lobby")));
            assertThat(error(expiring, "join").get("code").getAsString()).isEqualTo("token_expired");
            assertThat(expiring.frames).noneMatch(f -> f.contains("after expiry"));

            JsonObject refreshed = refresh(expiring, token(user, null, 600));
            assertThat(refreshed.get("type").getAsString()).isEqualTo("refreshed");
            assertThat(refreshed.get("expiresAt").getAsLong()).isGreaterThan(System.currentTimeMillis() / 1000 + 500);
            expiring.send(Json.write(new Request.Ping()));
            expiring.nextOfType("pong");
            send(other, "lobby", "after refresh", "b-3");
            assertThat(expiring.next(f ->
                                    f.has("text") && f.get("text").getAsString().startsWith("after"))
                            .get("text")
                            .getAsString())
                    .isEqualTo("after refresh");
        }
    }

    @Test
    void aRefreshBeforeExpiry_keepsTheConnectionWorking() throws Exception {
        String user = unique("keep");
        long minted = System.currentTimeMillis();
        try (WsClient client = WsClient.connect(local.tokenUri(token(user, null, SHORT)))) {
            join(client, "lobby", user);
            assertThat(refresh(client, token(user, null, 600)).get("type").getAsString())
                    .isEqualTo("refreshed");
            awaitExpiry(minted, SHORT);
            client.send(Json.write(new Request.Ping()));
            client.nextOfType("pong");
            send(client, "lobby", "still here", "k-1");
        }
    }

    @Test
    void aRoomRemovedFromTheClaim_stopsBeingDelivered_afterRefresh() throws Exception {
        String user = unique("rm");
        String talker = unique("rt");
        Map<String, List<String>> both = Map.of("keep", List.of("join"), "drop", List.of("join"));
        try (WsClient client = WsClient.connect(local.tokenUri(token(user, both, 600)));
                WsClient other =
                        WsClient.connect(local.tokenUri(token(talker, Map.of("*", List.of("join", "send")), 600)))) {
            join(client, "keep", user);
            join(client, "drop", user);
            join(other, "keep", talker);
            join(other, "drop", talker);
            send(other, "drop", "while granted", "d-1");
            assertThat(client.next(f -> f.has("text")).get("text").getAsString())
                    .isEqualTo("while granted");

            JsonObject refreshed = refresh(client, token(user, Map.of("keep", List.of("join")), 600));
            assertThat(refreshed.get("type").getAsString()).isEqualTo("refreshed");
            assertThat(refreshed.get("left").toString()).isEqualTo("[\"drop\"]");
            // the other members see it leave; the fan-out of the next message no longer reaches it
            other.next(f -> ChatEndToEndTest.presence(f, "leave", user)
                    && f.get("room").getAsString().equals("drop"));
            send(other, "drop", "after removal", "d-2");
            send(other, "keep", "still granted", "d-3");
            assertThat(client.next(f -> f.has("text")).get("text").getAsString())
                    .isEqualTo("still granted");
            assertThat(client.frames).noneMatch(f -> f.contains("after removal"));
            client.send(Json.write(new Request.Join("drop")));
            assertThat(error(client, "join").get("code").getAsString()).isEqualTo("forbidden");
        }
    }

    @Test
    void aRefreshWithAnotherUsersToken_isForbidden_andABadTokenUnauthorized_andNothingChanges() throws Exception {
        String user = unique("own");
        try (WsClient client = WsClient.connect(local.tokenUri(token(user, null, 600)))) {
            join(client, "lobby", user);
            JsonObject other =
                    refresh(client, token(unique("thief"), Map.of("*", List.of("join", "send", "history")), 600));
            assertThat(other.get("code").getAsString()).isEqualTo("forbidden");
            assertThat(other.get("message").getAsString()).contains("another user");
            JsonObject bad = refresh(client, "not.a.jwt");
            assertThat(bad.get("code").getAsString()).isEqualTo("unauthorized");
            JsonObject expired = refresh(client, token(user, null, -600));
            assertThat(expired.get("code").getAsString()).isEqualTo("unauthorized");
            // still the old grants: public rooms only
            client.send(Json.write(new Request.Join("secret")));
            assertThat(error(client, "join").get("code").getAsString()).isEqualTo("forbidden");
            assertThat(local.table().connectionsOf(user))
                    .singleElement()
                    .satisfies(item -> assertThat(item.get("user").s()).isEqualTo(user));
        }
    }
}
