package dev.switchboard.tests.e2e;

import static dev.switchboard.tests.e2e.ChatEndToEndTest.join;
import static dev.switchboard.tests.e2e.RoomPermissionsEndToEndTest.token;
import static dev.switchboard.tests.e2e.TokenLifetimeEndToEndTest.refresh;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The template's ExpiredConnectionsFunction, run by its {@code Schedule} event (here every 10 s instead
 * of every minute), closes the socket of a connection whose token expired (exp + a 1 s leeway) with
 * {@code DeleteConnection}; API Gateway then runs {@code $disconnect}, so the room hears the leave.
 * A connection that refreshed in time, and one with a long token, stay open.
 */
class ExpiredConnectionSweepEndToEndTest {

    static final long LEEWAY_SECONDS = 1;
    /**
     * Long enough for three handshakes, joins and a refresh on a loaded 2-core machine (15 s was not:
     * the sweep rightly closed a connection whose token expired before its join was answered).
     */
    static final long SHORT = 30;

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.with(b -> b.devAuth(false)
            .jwtSecret(RoomPermissionsEndToEndTest.SECRET)
            .schedulePeriod(Duration.ofSeconds(10))
            .environment(Map.of("SWITCHBOARD_TOKEN_LEEWAY_SECONDS", Long.toString(LEEWAY_SECONDS))));

    /** Cold function instances take seconds on a loaded machine: warm them before a short token's clock starts. */
    @BeforeAll
    static void warmUp() throws Exception {
        try (WsClient client = WsClient.connect(local.tokenUri(token("sweep-warm-up", null, 600)))) {
            join(client, "lobby", "sweep-warm-up");
            refresh(client, token("sweep-warm-up", null, 600));
        }
    }

    @Test
    void anExpiredConnection_isClosedByTheSweep_andItsRoomHearsTheLeave_whileRefreshedAndLongOnesStayOpen()
            throws Exception {
        long minted = System.currentTimeMillis();
        try (WsClient expiring = WsClient.connect(local.tokenUri(token("sweep-expiring", null, SHORT)));
                WsClient refreshed = WsClient.connect(local.tokenUri(token("sweep-refreshed", null, 2 * SHORT)));
                WsClient watcher = WsClient.connect(local.tokenUri(token("sweep-watcher", null, 600)))) {
            join(watcher, "lobby", "sweep-watcher");
            join(expiring, "lobby", "sweep-expiring");
            join(refreshed, "lobby", "sweep-refreshed");
            assertThat(refresh(refreshed, token("sweep-refreshed", null, 600))
                            .get("type")
                            .getAsString())
                    .isEqualTo("refreshed");

            // closed by the server (the client never closes it), and not before exp + leeway
            int code = expiring.closeCode.get(SHORT + LEEWAY_SECONDS + 90, TimeUnit.SECONDS);
            long closedAfterSeconds = (System.currentTimeMillis() - minted) / 1000;
            System.out.printf(
                    "sweep e2e: token of %d s (+%d s leeway) closed after %d s with %d%n",
                    SHORT, LEEWAY_SECONDS, closedAfterSeconds, code);
            assertThat(closedAfterSeconds).isGreaterThanOrEqualTo(SHORT + LEEWAY_SECONDS - 1);
            assertThat(code).isEqualTo(1000);
            // $disconnect ran: the room hears the leave
            watcher.next(f -> ChatEndToEndTest.presence(f, "leave", "sweep-expiring"));

            // the refreshed and the long-lived connections were left alone by the same runs
            for (WsClient open : new WsClient[] {refreshed, watcher}) {
                open.send(Json.write(new Request.Ping()));
                assertThat(open.nextOfType("pong")).isNotNull();
                assertThat(open.closeCode).isNotDone();
            }
        }
    }
}
