package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The per-user connection cap ({@code SWITCHBOARD_MAX_CONNECTIONS_PER_USER}, template
 * {@code MaxConnectionsPerUser}) through the local cloud: the handshake above it fails with HTTP 429,
 * concurrent handshakes cannot overshoot it, a closed connection frees its slot, and a connection
 * that vanished without {@code $disconnect} does not hold its slot forever.
 */
class ConnectionCapEndToEndTest {

    static final int CAP = 2;

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.with(
            b -> b.devAuth(true).environment(Map.of("SWITCHBOARD_MAX_CONNECTIONS_PER_USER", Integer.toString(CAP))));

    static void assertWorks(WsClient client) throws InterruptedException {
        client.send(Json.write(new Request.Ping()));
        assertThat(client.nextOfType("pong")).isNotNull();
    }

    @Test
    void aConnectionAboveTheCap_isRefusedWith429_andASlotFreesAfterADisconnect() throws Exception {
        WsClient first = WsClient.connect(local.userUri("capped"));
        try (WsClient second = WsClient.connect(local.userUri("capped"))) {
            assertThat(WsClient.refusedWith(local.userUri("capped"))).isEqualTo(429);
            // other users are not affected
            try (WsClient other = WsClient.connect(local.userUri("uncapped"))) {
                assertWorks(other);
            }
            // the refused handshake stored nothing
            assertThat(local.table().connectionsOf("capped")).hasSize(CAP);

            first.close();
            assertThat(first.awaitClose()).isEqualTo(1000);
            // $disconnect runs after the close: wait for the slot, never for a fixed time
            // (a boolean condition: the value-and-predicate form goes through Hamcrest, and an older Hamcrest on the
            // test classpath made its first mismatch a NoSuchMethodError)
            java.util.concurrent.atomic.AtomicReference<WsClient> slot =
                    new java.util.concurrent.atomic.AtomicReference<>();
            Awaitility.await()
                    .atMost(WsClient.WAIT)
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> {
                        slot.set(WsClient.tryConnect(local.userUri("capped"))
                                .handle((c, e) -> c)
                                .get());
                        return slot.get() != null;
                    });
            WsClient third = slot.get();
            try (third) {
                assertWorks(third);
                assertWorks(second);
                assertThat(WsClient.refusedWith(local.userUri("capped"))).isEqualTo(429);
            }
        }
    }

    @Test
    void concurrentHandshakes_ofOneUser_neverExceedTheCap() throws Exception {
        int tries = 6;
        List<CompletableFuture<WsClient>> attempts = new ArrayList<>();
        for (int i = 0; i < tries; i++) {
            attempts.add(WsClient.tryConnect(local.userUri("stampede")));
        }
        List<WsClient> open = new ArrayList<>();
        List<Integer> refused = new ArrayList<>();
        for (CompletableFuture<WsClient> attempt : attempts) {
            try {
                open.add(attempt.get(30, TimeUnit.SECONDS));
            } catch (java.util.concurrent.ExecutionException e) {
                refused.add(WsClient.handshakeStatus(e.getCause()));
            }
        }
        try {
            assertThat(open).hasSize(CAP);
            assertThat(refused).hasSize(tries - CAP).containsOnly(429);
            assertThat(local.table().connectionsOf("stampede")).hasSize(CAP);
        } finally {
            open.forEach(WsClient::close);
        }
    }

    @Test
    void aConnectionGoneWithoutDisconnect_doesNotHoldItsSlotForever() throws Exception {
        try (WsClient kept = WsClient.connect(local.userUri("haunted"));
                WsClient lost = WsClient.connect(local.userUri("haunted"))) {
            assertThat(WsClient.refusedWith(local.userUri("haunted"))).isEqualTo(429);
            String lostId = local.table().connectionsOf("haunted").stream()
                    .map(item -> item.get("connectionId").s())
                    .toList()
                    .get(0);
            // its item disappears (TTL, or a 410 during a fan-out) and no $disconnect frees the slot
            local.table().deleteConnectionItemOnly(lostId);
            try (WsClient replacement = WsClient.connect(local.userUri("haunted"))) {
                assertWorks(replacement);
                assertThat(WsClient.refusedWith(local.userUri("haunted"))).isEqualTo(429);
            }
        }
    }
}
