package dev.switchboard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.ServerFrame;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A join refused after a reconnect (the token no longer grants the room), matched to its request by
 * requestId: nobody waits for a rejoin, so the session itself says the room is gone, and does not join it
 * again on the next reconnect. Before, the refusal was an unnamed error and the room stayed in the session,
 * refused again at every reconnect.
 */
class ChatSessionJoinTest {

    ScriptedServer server;
    ChatSession session;
    final BlockingQueue<String> statuses = new LinkedBlockingQueue<>();
    final BlockingQueue<JsonObject> shown = new LinkedBlockingQueue<>();

    @BeforeEach
    void start() throws Exception {
        server = new ScriptedServer();
    }

    @AfterEach
    void stop() throws Exception {
        if (session != null) {
            session.close();
        }
        server.close();
    }

    static String requestId(ScriptedServer.Received received) {
        assertThat(received.frame().has("requestId"))
                .as("the join carries a requestId: " + received.frame())
                .isTrue();
        return received.frame().get("requestId").getAsString();
    }

    /** Confirms the next join (the joiner's presence join, with the join's requestId). */
    ScriptedServer.Received confirmNextJoin() throws Exception {
        ScriptedServer.Received join = server.nextAction("join");
        String room = join.frame().get("room").getAsString();
        ScriptedServer.send(
                join.session(),
                Json.write(new ServerFrame.Presence(room, "join", "ann").withRequestId(requestId(join))));
        return join;
    }

    static String room(ScriptedServer.Received join) {
        return join.frame().get("room").getAsString();
    }

    String awaitStatus(String prefix) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(ScriptedServer.WAIT_SECONDS);
        while (true) {
            String status = statuses.poll(Math.max(0, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            assertThat(status).as("a status starting '" + prefix + "'").isNotNull();
            if (status.startsWith(prefix)) {
                return status;
            }
        }
    }

    @Test
    void aRejoinRefusedAfterAReconnect_dropsTheRoom_andTheNextReconnectDoesNotAskAgain() throws Exception {
        session = new ChatSession(server.uri("user=ann"), false, shown::add, statuses::add);
        CompletableFuture<Void> started = CompletableFuture.runAsync(() -> {
            try {
                session.start(List.of("lobby", "ops"));
            } catch (CliException e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(room(confirmNextJoin())).isEqualTo("lobby");
        Session first = confirmNextJoin().session();
        started.get(ScriptedServer.WAIT_SECONDS, TimeUnit.SECONDS);

        // the connection drops; the session rejoins both rooms, and the server refuses ops now
        first.close(1001, "going away", Callback.NOOP);
        ScriptedServer.Received lobby = server.nextAction("join");
        ScriptedServer.Received ops = server.nextAction("join");
        if (room(lobby).equals("ops")) {
            ScriptedServer.Received swap = lobby;
            lobby = ops;
            ops = swap;
        }
        ScriptedServer.send(
                ops.session(),
                Json.write(new ServerFrame.Error(
                                ErrorCode.FORBIDDEN,
                                "your token does not grant 'join' in room 'ops': ask for a token whose 'rooms' claim "
                                        + "grants it",
                                "join")
                        .withRequestId(requestId(ops))));
        ScriptedServer.send(
                lobby.session(),
                Json.write(new ServerFrame.Presence("lobby", "join", "ann").withRequestId(requestId(lobby))));

        assertThat(awaitStatus("not in "))
                .isEqualTo("not in ops: the server refused the join (forbidden); /join ops to try again");
        assertThat(session.rooms()).containsExactly("lobby");

        // the next drop rejoins lobby alone: a reconnect sends its joins before it says "reconnected", so a
        // ping sent after that comes right behind them
        lobby.session().close(1001, "going away", Callback.NOOP);
        assertThat(room(confirmNextJoin())).isEqualTo("lobby");
        awaitStatus("reconnected");
        session.send(new dev.switchboard.protocol.Request.Ping());
        // (the rejoin's history request goes out once its join is confirmed, in any order with the ping: skipped)
        ScriptedServer.Received next = server.next(
                f -> List.of("join", "ping").contains(f.get("action").getAsString()));
        assertThat(next.frame().get("action").getAsString())
                .as("no rejoin of ops: " + next.frame())
                .isEqualTo("ping");
    }
}
