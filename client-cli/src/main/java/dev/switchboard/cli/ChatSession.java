package dev.switchboard.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import dev.switchboard.protocol.ServerFrame;
import java.net.URI;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A connection that survives drops: on close it reconnects with exponential backoff and jitter,
 * rejoins its rooms and asks each for {@code history after=<last id seen>}, de-duplicating by id,
 * so every message is shown exactly once across reconnects. With a renewable token (a token file
 * or command) it sends {@code refresh} with a newly read token before the current one expires, and
 * whenever the server answers {@code token_expired}. A reconnect the server refuses (401/403)
 * ends the retries: {@link #stopped()} then holds why.
 *
 * <p>API Gateway handles the frames of one connection concurrently, in no guaranteed order
 * (docs/PROTOCOL.md, "Order"): a {@code history} or {@code send} sent right behind its {@code join}
 * can run first and be refused {@code not_member}. So a room's history is asked for only once the
 * join is confirmed (the joiner's own {@code presence} join for that room), and {@link #join}
 * returns only then, so what the user types next is sent to a room the connection is in. Each
 * {@code history} request carries a {@code requestId} ({@link HistoryRequests}): its page, or its error,
 * is matched to it whatever else is in flight for the room. Every other request carries one too
 * ({@link SentRequests}): an error names the request it refuses ({@link #requestOf}), and a refused
 * {@code join} ends {@link #join} at once instead of after {@link #JOIN_WAIT}. A server that does not echo
 * {@code requestId} gets the behaviour from before it: errors unnamed, a refused join waited out.
 */
final class ChatSession implements AutoCloseable {

    /** How the endpoint (with the current token) is found: read again at every connect. */
    interface Endpoint {
        URI get() throws CliException;
    }

    /** Reads the current token again; null when the token cannot be renewed. */
    interface Tokens {
        String read() throws CliException;
    }

    private final Endpoint endpoint;
    private final Tokens tokens;
    private final CompletableFuture<CliException> stopped = new CompletableFuture<>();
    private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "switchboard-refresh");
        thread.setDaemon(true);
        return thread;
    });
    private volatile long tokenExp;
    private volatile ScheduledFuture<?> nextRefresh;
    private final Consumer<JsonObject> onFrame;
    private final Consumer<String> onStatus;
    private final Set<String> rooms = new LinkedHashSet<>();
    private final Map<String, String> lastIdByRoom = new HashMap<>();
    private final Set<String> seen = new HashSet<>();
    /** History requests in flight, matched to their pages and errors by requestId. */
    private final HistoryRequests historyRequests = new HistoryRequests();
    /** Every request sent, by requestId: what an answer or error answers. */
    private final SentRequests sent = new SentRequests();
    /** Per room being joined, the requestId of its latest join: only that join's refusal fails the wait. */
    private final Map<String, String> joinRequest = new HashMap<>();
    /** Rooms whose join is not confirmed yet, with the history request to send once it is (or null). */
    private final Map<String, Request.History> historyOnJoin = new HashMap<>();

    private final Map<String, CompletableFuture<Void>> joining = new HashMap<>();
    /** Per room, completed the first time the server confirms a join of it, however late. */
    private final Map<String, CompletableFuture<Void>> firstJoin = new java.util.concurrent.ConcurrentHashMap<>();

    private final boolean initialHistory;
    private volatile Connection connection;
    private volatile boolean closing;
    private Thread reader;

    ChatSession(URI endpoint, boolean initialHistory, Consumer<JsonObject> onFrame, Consumer<String> onStatus) {
        this(() -> endpoint, null, initialHistory, onFrame, onStatus);
    }

    /** @param tokens null when the token cannot be read again (no refresh) */
    ChatSession(
            Endpoint endpoint,
            Tokens tokens,
            boolean initialHistory,
            Consumer<JsonObject> onFrame,
            Consumer<String> onStatus) {
        this.endpoint = endpoint;
        this.tokens = tokens;
        this.initialHistory = initialHistory;
        this.onFrame = onFrame;
        this.onStatus = onStatus;
    }

    /** Connects (failing with a clear error if the first attempt fails) and joins the rooms. */
    void start(List<String> initialRooms) throws CliException {
        connection = new Connection();
        URI uri = endpoint.get();
        connection.open(uri);
        scheduleRefresh(tokenOf(uri));
        reader = new Thread(this::read, "switchboard-reader");
        reader.setDaemon(true);
        reader.start();
        for (String room : initialRooms) {
            join(room);
        }
    }

    /**
     * Joins a room and waits (up to {@link #JOIN_WAIT}) for the server to confirm it and, when this
     * session shows history, for the room's recent history asked for then: what the user does next
     * (a send, a /history) cannot overtake either.
     *
     * @return false when the server refused the join (an error with its requestId: {@code forbidden},
     *     {@code too_many_rooms}, {@code rate_limited}, ...): the room is not one of {@link #rooms()} and is
     *     not joined again on reconnect; true when it was confirmed or the wait ended without an answer
     */
    boolean join(String room) {
        CompletableFuture<Void> confirmed;
        synchronized (this) {
            rooms.add(room);
            confirmed = sendJoin(connection, room, initialHistory ? new Request.History(room, null, 20) : null);
        }
        try {
            confirmed.get(JOIN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            onStatus.accept("no confirmation of joining " + room + " within " + JOIN_WAIT.toSeconds()
                    + " s; messages to it may be refused until it arrives (try /join " + room + " again)");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            return false; // refused: refuseJoin said so
        }
        return true;
    }

    /** How long {@link #join} waits for the server's confirmation. */
    static final Duration JOIN_WAIT = Duration.ofSeconds(10);

    /** Sends a join; {@code history} (or null) goes out once the join is confirmed. Holds the lock. */
    private CompletableFuture<Void> sendJoin(Connection to, String room, Request.History history) {
        CompletableFuture<Void> confirmed = new CompletableFuture<>();
        CompletableFuture<Void> previous = joining.put(room, confirmed);
        if (previous != null) {
            confirmed.whenComplete((ok, failure) -> previous.complete(null));
        }
        historyOnJoin.put(room, history);
        SentRequests.Sent join = sent.add(new Request.Join(room));
        joinRequest.put(room, join.requestId());
        to.send(Json.write(join.request(), join.requestId()));
        return confirmed;
    }

    /**
     * An error for the latest join of a room: the server refused it, nothing was stored, so the room is
     * dropped (not rejoined on reconnect), {@link #join} stops waiting, and a status line says so (also
     * for a rejoin after a reconnect, which nobody waits for). The error itself is shown as every error is.
     */
    private void refuseJoin(Request.Join join, String requestId, JsonObject error) {
        CompletableFuture<Void> confirmed;
        synchronized (this) {
            if (!requestId.equals(joinRequest.get(join.room()))) {
                return; // an earlier join of the room, answered already or replaced by a newer one
            }
            joinRequest.remove(join.room());
            historyOnJoin.remove(join.room());
            rooms.remove(join.room());
            confirmed = joining.remove(join.room());
        }
        onStatus.accept("not in " + join.room() + ": the server refused the join (" + SendCommand.str(error, "code")
                + "); /join " + join.room() + " to try again");
        if (confirmed != null) {
            confirmed.completeExceptionally(new IllegalStateException("join refused"));
        }
    }

    /** A presence frame of a room being joined confirms the join: only members receive a room's presence. */
    private void confirmJoin(JsonObject frame) {
        if (!"presence".equals(SendCommand.type(frame)) || !"join".equals(SendCommand.str(frame, "event"))) {
            return;
        }
        String room = SendCommand.str(frame, "room");
        CompletableFuture<Void> confirmed;
        synchronized (this) {
            confirmed = joining.remove(room);
            if (confirmed == null) {
                return;
            }
            joinRequest.remove(room);
            joined(room).complete(null);
            Request.History history = historyOnJoin.remove(room);
            if (history != null) {
                sendHistory(history, HistoryRequests.Purpose.JOIN, confirmed);
                return;
            }
        }
        confirmed.complete(null);
    }

    /**
     * Completes when the server first confirms a join of {@code room}, even after {@link #join} stopped
     * waiting for it (a cold start on a busy server can take longer than {@link #JOIN_WAIT}).
     */
    CompletableFuture<Void> joined(String room) {
        return firstJoin.computeIfAbsent(room, r -> new CompletableFuture<>());
    }

    synchronized void leave(String room) {
        rooms.remove(room);
        send(new Request.Leave(room));
    }

    synchronized Set<String> rooms() {
        return Set.copyOf(rooms);
    }

    /** {@code /history}: the newest {@code limit} messages of the room, printed even if already shown. */
    void history(String room, int limit) {
        sendHistory(new Request.History(room, null, limit), HistoryRequests.Purpose.USER, null);
    }

    /** Sends {@code history} with a requestId of its own, registered first so its answer always finds it. */
    private void sendHistory(Request.History history, HistoryRequests.Purpose purpose, CompletableFuture<Void> joined) {
        HistoryRequests.Pending pending = historyRequests.add(history.room(), purpose, joined);
        sent.add(
                pending.requestId(),
                history,
                switch (purpose) {
                    case USER -> "/history " + history.room();
                    case JOIN -> "history of " + history.room();
                    case MORE -> "more history of " + history.room();
                });
        connection.send(Json.write(history, pending.requestId()));
    }

    private static String requestId(JsonObject frame) {
        JsonElement id = frame.get("requestId");
        return id != null && id.isJsonPrimitive() ? id.getAsString() : null;
    }

    /**
     * Sends one request on the current connection, with a {@code requestId} of its own that its answers
     * and errors echo ({@link #requestOf}).
     *
     * @return false when it was not sent: the connection is down and the session is reconnecting (the
     *     caller says so; a {@code send} may be sent again with the same clientMsgId, which the server
     *     acknowledges once)
     */
    boolean send(Request request) {
        SentRequests.Sent next = sent.add(request);
        return connection.send(Json.write(request, next.requestId()));
    }

    /**
     * How the chat names the request a frame answers, by the frame's {@code requestId}: {@code /who ops},
     * {@code /inbox 10}, {@code joining hr}, {@code message to lobby} ({@link SentRequests#describe}).
     *
     * @return null when the frame has no {@code requestId} (a server that does not echo it, or a frame
     *     no request of this session caused) or one this session no longer remembers
     */
    String requestOf(JsonObject frame) {
        SentRequests.Sent request = sent.get(requestId(frame));
        return request == null ? null : request.what();
    }

    /** Drops the socket as a network failure would (tests). */
    void dropConnection() {
        connection.abort();
    }

    private void read() {
        while (!closing) {
            JsonObject frame;
            try {
                frame = connection.frames.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (frame == null) {
                continue;
            }
            if (frame == Connection.CLOSED) {
                if (!closing) {
                    reconnect();
                }
                continue;
            }
            try {
                deliver(frame, false);
            } catch (RuntimeException e) {
                // this thread is the session's only reader: ending it would end every reconnect, silently
                onStatus.accept("could not handle a frame from the server (" + e + "); carrying on");
            }
        }
    }

    /** Why the session gave up reconnecting (the server refused the credentials); not done while it is working. */
    CompletableFuture<CliException> stopped() {
        return stopped;
    }

    private static String tokenOf(URI uri) {
        String query = uri.getRawQuery();
        if (query != null) {
            for (String pair : query.split("&")) {
                if (pair.startsWith("token=")) {
                    return java.net.URLDecoder.decode(pair.substring(6), java.nio.charset.StandardCharsets.UTF_8);
                }
            }
        }
        return null;
    }

    /**
     * A JWT's {@code exp} (epoch s), read without verifying it: only to know when to refresh (the
     * server verifies every token). 0 when it cannot be read.
     */
    static long expiry(String token) {
        try {
            JsonObject claims = unverifiedClaims(token);
            return claims.has("exp") ? claims.get("exp").getAsLong() : 0;
        } catch (RuntimeException e) {
            return 0;
        }
    }

    /** A JWT's {@code sub} claim, read without verifying it (only to recognise one's own receipts); null when absent. */
    static String subject(String token) {
        try {
            JsonObject claims = unverifiedClaims(token);
            return claims.has("sub") ? claims.get("sub").getAsString() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * A JWT's claims set (its base64url payload, RFC 7519 section 7.2), not verified.
     *
     * @throws RuntimeException when {@code token} is not a JWT with a JSON object payload
     */
    private static JsonObject unverifiedClaims(String token) {
        String[] parts = token.split("\\.");
        return com.google.gson.JsonParser.parseString(
                        new String(Base64.getUrlDecoder().decode(parts[1]), java.nio.charset.StandardCharsets.UTF_8))
                .getAsJsonObject();
    }

    /** Plans the next refresh: a quarter of the remaining life before exp, at most a minute before, at least 1 s from now. */
    private void scheduleRefresh(String token) {
        if (tokens == null || token == null || closing) {
            return;
        }
        long exp = expiry(token);
        if (exp == 0) {
            return;
        }
        tokenExp = exp;
        long left = exp * 1000 - System.currentTimeMillis();
        long delay = Math.max(1000, left - Math.min(60_000, left / 4));
        planRefresh(delay);
    }

    private synchronized void planRefresh(long delayMillis) {
        if (nextRefresh != null) {
            nextRefresh.cancel(false);
        }
        if (!refresher.isShutdown()) {
            nextRefresh = refresher.schedule(this::refreshNow, delayMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** Reads the token again; sends refresh when it is newer than the current one, else looks again in 5 s. */
    private void refreshNow() {
        if (closing || stopped.isDone()) {
            return;
        }
        String token;
        try {
            token = tokens.read();
        } catch (CliException e) {
            onStatus.accept("cannot read a new token: " + e.getMessage() + "; trying again in 5 s");
            planRefresh(5000);
            return;
        }
        if (token == null || token.isBlank() || expiry(token) <= tokenExp) {
            if (!waitingForToken) {
                waitingForToken = true; // said once per token, not every 5 s
                onStatus.accept("the token expires soon and no newer one is available yet: put a fresh one where "
                        + "--token-file/--token-command reads it (looking every 5 s)");
            }
            planRefresh(5000);
            return;
        }
        waitingForToken = false;
        pendingToken = token;
        boolean sent;
        try {
            sent = send(new Request.Refresh(token));
        } catch (RuntimeException e) {
            sent = false;
        }
        if (!sent) {
            // the socket is closing: the reconnect uses the newly read token anyway; look again soon
            planRefresh(5000);
            return;
        }
        tokenExp = expiry(token);
    }

    private volatile String pendingToken;
    private volatile boolean waitingForToken;

    private void deliver(JsonObject frame, boolean again) {
        confirmJoin(frame);
        String type = frame.has("type") ? frame.get("type").getAsString() : "";
        if (type.equals("refreshed")) {
            onStatus.accept("token refreshed");
            scheduleRefresh(pendingToken);
            return;
        }
        if (type.equals("error")
                && frame.has("code")
                && frame.get("code").getAsString().equals("token_expired")
                && tokens != null) {
            tokenExp = 0; // whatever the last token said, the server holds an expired one: any readable token will do
            planRefresh(0);
        }
        if (type.equals("error")) {
            // a refused history request is answered: a join waiting for its page is done (the error is shown)
            HistoryRequests.Pending refused = historyRequests.refused(requestId(frame));
            if (refused != null && refused.joined() != null) {
                refused.joined().complete(null);
            }
        }
        if (type.equals("history")) {
            String room = frame.get("room").getAsString();
            HistoryRequests.Pending answered = historyRequests.answered(requestId(frame), room);
            // the page asked for on joining is not the one the user asked for with /history
            boolean asked = answered != null && answered.purpose() == HistoryRequests.Purpose.USER;
            for (JsonElement element : frame.getAsJsonArray("messages")) {
                ServerFrame.HistoryItem item = Json.GSON.fromJson(element, ServerFrame.HistoryItem.class);
                deliver(
                        Json.GSON
                                .toJsonTree(
                                        new ServerFrame.Message(room, item.id(), item.from(), item.text(), item.ts()))
                                .getAsJsonObject(),
                        asked);
            }
            if (frame.has("next")) {
                // the page was cut to fit 128 KB (or is one of several after a reconnect): fetch the rest
                sendHistory(
                        new Request.History(room, frame.get("next").getAsString(), 100),
                        asked ? HistoryRequests.Purpose.USER : HistoryRequests.Purpose.MORE,
                        null);
            }
            if (answered != null && answered.joined() != null) {
                answered.joined().complete(null);
            }
            return;
        }
        if (type.equals("message")) {
            String id = frame.get("id").getAsString();
            if (!seen.add(id) && !again) {
                return; // arrived live and again in history around a reconnect
            }
            String room = frame.get("room").getAsString();
            String last = lastIdByRoom.get(room);
            if (last == null || id.compareTo(last) > 0) {
                lastIdByRoom.put(room, id);
            }
        }
        onFrame.accept(frame);
        if (type.equals("error")) {
            // after the error is shown, so that the status line saying what it did follows it
            SentRequests.Sent request = sent.get(requestId(frame));
            if (request != null && request.request() instanceof Request.Join join) {
                refuseJoin(join, request.requestId(), frame);
            }
        }
    }

    /** One status line per attempt: why the last one failed and when the next is. */
    private void reconnect() {
        String why = "connection lost";
        for (int attempt = 0; !closing; attempt++) {
            long cap = Math.min(30_000, 250L << Math.min(attempt, 7));
            long delay = ThreadLocalRandom.current().nextLong(cap / 2, cap + 1);
            onStatus.accept(String.format("%s; reconnecting in %.1f s", why, delay / 1000.0));
            try {
                Thread.sleep(delay);
            } catch (InterruptedException e) {
                return;
            }
            Connection next = new Connection();
            URI uri;
            try {
                uri = endpoint.get();
                next.open(uri);
            } catch (CliException e) {
                if (e.exitCode == ExitCode.REJECTED || e.exitCode == ExitCode.USAGE) {
                    // retrying the same refused credentials would never end: stop and say why
                    onStatus.accept(
                            e.getMessage() + "; stopped reconnecting"
                                    + (tokens == null
                                            ? ": start again with a fresh --token or SWITCHBOARD_TOKEN (or use --token-file/--token-command)"
                                            : ": put a valid token where --token-file/--token-command reads it and start again"));
                    stopped.complete(e);
                    return;
                }
                why = "reconnect attempt " + (attempt + 1) + " failed: " + e.getMessage();
                continue;
            }
            synchronized (this) {
                connection = next;
                historyOnJoin.clear();
                joinRequest.clear();
                historyRequests.clear(); // sent on the lost connection: never answered
                for (String room : rooms) {
                    String after = lastIdByRoom.get(room);
                    // Not waited for here (this is the reader thread, which receives the confirmation).
                    sendJoin(next, room, new Request.History(room, after, 100));
                }
            }
            onStatus.accept("reconnected");
            scheduleRefresh(tokenOf(uri));
            return;
        }
    }

    @Override
    public void close() {
        closing = true;
        refresher.shutdownNow();
        if (connection != null) {
            connection.close();
        }
        if (reader != null) {
            reader.interrupt();
        }
    }
}
