package dev.switchboard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.ServerFrame;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The chat session's history requests against a scripted server (docs/PROTOCOL.md, "Matching answers
 * to requests"): each goes out with a requestId of its own, and its page or error is matched by it, so
 * a rejoin's page and the user's {@code /history} of one room are told apart whatever order they come
 * in (by room alone, CliEndToEndTest once saw the user's page taken for the join's and not printed).
 */
class ChatSessionHistoryTest {

    static final String M1 = "01KAX3T8Y9ZC4Q2D7N6B5V8M1A";
    static final String M2 = "01KAX3T8Y9ZC4Q2D7N6B5V8M1B";

    ScriptedServer server;
    ChatSession session;
    final BlockingQueue<JsonObject> shown = new LinkedBlockingQueue<>();
    final List<String> statuses = new CopyOnWriteArrayList<>();

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

    /** What the session showed, up to and including the first frame of {@code type}. */
    List<JsonObject> shownUntil(String type) throws InterruptedException {
        List<JsonObject> frames = new ArrayList<>();
        while (true) {
            JsonObject frame = shown.poll(ScriptedServer.WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(frame).as("a " + type + " frame shown; so far " + frames).isNotNull();
            frames.add(frame);
            if (type.equals(frame.get("type").getAsString())) {
                return frames;
            }
        }
    }

    static String requestId(ScriptedServer.Received received) {
        assertThat(received.frame().has("requestId"))
                .as("a history request carries a requestId: " + received.frame())
                .isTrue();
        return received.frame().get("requestId").getAsString();
    }

    static ServerFrame.HistoryItem item(String id, String text) {
        return new ServerFrame.HistoryItem(id, "bob", text, 1L);
    }

    /** Starts the session (its join of {@code room} answered by the server's confirmation) on another thread. */
    CompletableFuture<Void> startSession(boolean initialHistory, String room) {
        session = new ChatSession(server.uri("user=ann"), initialHistory, shown::add, statuses::add);
        return CompletableFuture.runAsync(() -> {
            try {
                session.start(List.of(room));
            } catch (CliException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    static Session confirmJoin(ScriptedServer.Received join) throws Exception {
        String room = join.frame().get("room").getAsString();
        ScriptedServer.send(join.session(), Json.write(new ServerFrame.Presence(room, "join", "ann")));
        return join.session();
    }

    @Test
    void theUsersHistoryPage_isShownWhole_evenWhenItArrivesBeforeTheRejoinsPageForTheSameRoom() throws Exception {
        CompletableFuture<Void> started = startSession(false, "lobby");
        Session first = confirmJoin(server.nextAction("join"));
        started.get(ScriptedServer.WAIT_SECONDS, TimeUnit.SECONDS);
        ScriptedServer.send(first, Json.write(new ServerFrame.Message("lobby", M1, "bob", "one", 1L)));
        assertThat(shownUntil("message"))
                .last()
                .satisfies(m -> assertThat(m.get("id").getAsString()).isEqualTo(M1));

        // the connection drops: the session reconnects, rejoins, and asks for what it missed after M1
        first.close(1001, "going away", Callback.NOOP);
        Session second = confirmJoin(server.nextAction("join"));
        ScriptedServer.Received resume = server.nextAction("history");
        assertThat(resume.frame().get("after").getAsString()).isEqualTo(M1);
        // meanwhile the user types /history 5: a second request for the same room in flight
        session.history("lobby", 5);
        ScriptedServer.Received asked = server.nextAction("history");
        assertThat(asked.frame().has("after")).isFalse();
        assertThat(requestId(asked)).isNotEqualTo(requestId(resume));

        // answered in the other order: the user's page first, then the rejoin's
        ScriptedServer.send(
                second,
                Json.write(new ServerFrame.History("lobby", List.of(item(M1, "one"), item(M2, "two")), false, null)
                        .withRequestId(requestId(asked))));
        ScriptedServer.send(
                second,
                Json.write(new ServerFrame.History("lobby", List.of(item(M2, "two")), false, null)
                        .withRequestId(requestId(resume))));
        ScriptedServer.send(second, Json.write(new ServerFrame.Pong())); // the end of the script

        List<JsonObject> messages = shownUntil("pong").stream()
                .filter(f -> f.get("type").getAsString().equals("message"))
                .toList();
        assertThat(messages)
                .as("the user's page whole (M1 again: asked for), the rejoin's page without what is shown")
                .extracting(m -> m.get("id").getAsString())
                .containsExactly(M1, M2);
    }

    @Test
    void anErrorForTheJoinsHistoryRequest_completesTheJoin_andIsShown() throws Exception {
        CompletableFuture<Void> started = startSession(true, "ops");
        Session socket = confirmJoin(server.nextAction("join"));
        ScriptedServer.Received history = server.nextAction("history");

        ScriptedServer.send(
                socket,
                Json.write(new ServerFrame.Error(
                                ErrorCode.RATE_LIMITED, "too many requests: retry in 100 ms", "history", 100)
                        .withRequestId(requestId(history))));

        started.get(ScriptedServer.WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(statuses)
                .as("the join is done when its history request is answered, even by an error: it does "
                        + "not wait out the confirmation time")
                .noneMatch(s -> s.contains("no confirmation"));
        assertThat(shownUntil("error"))
                .last()
                .satisfies(e -> assertThat(e.get("code").getAsString()).isEqualTo("rate_limited"));
    }

    @Test
    void aPageWithoutRequestId_fromAServerThatDoesNotEchoIt_stillCompletesTheJoin() throws Exception {
        CompletableFuture<Void> started = startSession(true, "old");
        Session socket = confirmJoin(server.nextAction("join"));
        server.nextAction("history");

        ScriptedServer.send(socket, Json.write(new ServerFrame.History("old", List.of(item(M1, "one")), false, null)));

        started.get(ScriptedServer.WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(statuses).noneMatch(s -> s.contains("no confirmation"));
        assertThat(shownUntil("message"))
                .last()
                .satisfies(m -> assertThat(m.get("id").getAsString()).isEqualTo(M1));
    }
}
