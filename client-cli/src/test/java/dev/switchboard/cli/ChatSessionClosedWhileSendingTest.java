package dev.switchboard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.ServerFrame;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The session's reader answers some frames with a request of its own (a confirmed join asks for the room's
 * history); when the connection has closed in the meantime that send fails ({@code IOException: Output
 * closed}). Before, the exception ended the reader thread, and with it every reconnect: the chat stayed
 * silent for good (a fresh-clone run saw it in ChatSessionJoinTest). The reader now carries on, sees the
 * close and reconnects.
 */
class ChatSessionClosedWhileSendingTest {

    ScriptedServer server;
    ChatSession session;
    final BlockingQueue<String> statuses = new LinkedBlockingQueue<>();

    @AfterEach
    void stop() throws Exception {
        if (session != null) {
            session.close();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aJoinConfirmedAfterTheConnectionClosed_doesNotEndTheReader_theSessionReconnects() throws Exception {
        server = new ScriptedServer();
        CountDownLatch readerHeld = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        session = new ChatSession(
                server.uri("user=ann"),
                true, // a confirmed join asks for the room's history: the reader's own send
                frame -> {
                    if ("pong".equals(SendCommand.type(frame))) {
                        readerHeld.countDown();
                        try {
                            release.await(ScriptedServer.WAIT_SECONDS, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                },
                statuses::add);
        session.start(List.of());
        CompletableFuture<Boolean> joined = CompletableFuture.supplyAsync(() -> session.join("lobby"));
        ScriptedServer.Received join = server.nextAction("join");
        Session first = join.session();

        // the reader is held on a pong while the confirmation and then the close arrive behind it
        ScriptedServer.send(first, Json.write(new ServerFrame.Pong()));
        assertThat(readerHeld.await(ScriptedServer.WAIT_SECONDS, TimeUnit.SECONDS))
                .as("the reader took the pong")
                .isTrue();
        ScriptedServer.send(
                first,
                Json.write(new ServerFrame.Presence("lobby", "join", "ann")
                        .withRequestId(join.frame().get("requestId").getAsString())));
        first.close(1001, "going away", Callback.NOOP);
        // the client's JDK WebSocket answers the Close by itself (its listener only queues): once the server's
        // session is closed, the client's output is closed and the reader's history request must fail
        await("the close handshake completed")
                .atMost(Duration.ofSeconds(ScriptedServer.WAIT_SECONDS))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> !first.isOpen());
        release.countDown();

        ScriptedServer.Received rejoin = server.nextAction("join");
        assertThat(rejoin.session()).as("a new connection").isNotSameAs(first);
        assertThat(rejoin.frame().get("room").getAsString()).isEqualTo("lobby");
        assertThat(statuses).anyMatch(s -> s.startsWith("connection lost"));
        assertThat(joined.get(ScriptedServer.WAIT_SECONDS, TimeUnit.SECONDS)).isTrue();
    }
}
