package dev.switchboard.core;

import dev.switchboard.core.auth.AuthenticationException;
import dev.switchboard.core.auth.Identity;
import dev.switchboard.core.auth.Permission;
import dev.switchboard.core.auth.RoomGrants;
import dev.switchboard.core.auth.TokenVerifier;
import dev.switchboard.core.fanout.Deadline;
import dev.switchboard.core.fanout.FanOut;
import dev.switchboard.core.fanout.FanOutResult;
import dev.switchboard.core.metrics.InvocationMetrics;
import dev.switchboard.core.metrics.Metric;
import dev.switchboard.core.store.ChatStore;
import dev.switchboard.core.store.ChatStore.JoinOutcome;
import dev.switchboard.core.store.ChatStore.SaveOutcome;
import dev.switchboard.core.store.ChatStore.SendPermit;
import dev.switchboard.core.store.Connection;
import dev.switchboard.core.store.InboxCounts;
import dev.switchboard.core.store.InboxItem;
import dev.switchboard.core.store.Member;
import dev.switchboard.core.store.Page;
import dev.switchboard.core.store.SendRate;
import dev.switchboard.core.store.StoredMessage;
import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.FanOutChunk;
import dev.switchboard.protocol.HistoryPages;
import dev.switchboard.protocol.InboxPages;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.MessageIds;
import dev.switchboard.protocol.Notification;
import dev.switchboard.protocol.ProtocolException;
import dev.switchboard.protocol.Request;
import dev.switchboard.protocol.RequestParser;
import dev.switchboard.protocol.ServerFrame;
import dev.switchboard.protocol.ShardChunk;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chat protocol, independent of Lambda and of AWS: the handlers adapt events to these calls.
 * Replies go to the caller through the same fan-out path as everything else (on AWS a route's
 * answer is a post to {@code @connections}).
 */
public final class ChatService {

    private static final Logger LOG = LoggerFactory.getLogger(ChatService.class);
    private static final int WHO_PAGE = 100;
    /** {@code who} counts connections up to this many (a COUNT query reads what it counts); more shows as this number. */
    static final int WHO_COUNT_CAP = 10_000;

    private final ChatStore store;
    private final FanOut fanOut;
    private final Optional<ChunkPublisher> chunks;
    private final Config config;
    private final Clock clock;
    private final MessageIds ids = new MessageIds();
    private final RequestParser parser;
    private final Optional<SendRate> sendRate;
    private final MemberCursors cursors;
    /**
     * The deadline of the invocation this thread is serving ({@link Deadline#NONE} outside one): every
     * post a call makes is bounded by it, without threading a parameter through every action. Set and
     * cleared by the public entry points; posts capture it when they start, on the calling thread.
     */
    private final ThreadLocal<Deadline> deadline = ThreadLocal.withInitial(() -> Deadline.NONE);
    /**
     * The request this thread is answering (null outside one, or before its frame parsed): every frame
     * posted to the requesting connection for it echoes its {@code requestId}, and errors also its
     * {@code clientMsgId} (docs/PROTOCOL.md, "Matching answers to requests"). Set and cleared by
     * {@link #handle} and {@link #refresh}, as {@link #deadline} is.
     */
    private final ThreadLocal<RequestParser.Parsed> answering = new ThreadLocal<>();

    private final InvocationMetrics metrics;
    /**
     * Reads a room's first page while the message is being written (see {@link #send}). Daemon
     * threads, created on demand and ended after a minute idle: a frozen or ending JVM never waits.
     */
    private final ExecutorService readAhead = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "room-read-ahead");
        thread.setDaemon(true);
        return thread;
    });

    public ChatService(ChatStore store, FanOut fanOut, Optional<ChunkPublisher> chunks, Config config, Clock clock) {
        this(store, fanOut, chunks, config, clock, InvocationMetrics.discarding());
    }

    /** As above; counts frames, refusals, messages, chunks and notifications into {@code metrics}. */
    public ChatService(
            ChatStore store,
            FanOut fanOut,
            Optional<ChunkPublisher> chunks,
            Config config,
            Clock clock,
            InvocationMetrics metrics) {
        this.metrics = metrics;
        this.store = store;
        this.fanOut = fanOut;
        this.chunks = chunks;
        this.config = config;
        this.clock = clock;
        this.parser = new RequestParser(config.maxTextLength(), config.historyPageLimit());
        this.cursors = new MemberCursors(() -> store.sharedKey("who-cursor"));
        this.sendRate = config.sendRate();
    }

    /**
     * {@code $connect}: registers the connection with its token's expiry and room permissions.
     * Never posts: on AWS the socket is not open yet.
     *
     * @throws TooManyConnectionsException when the user already holds
     *     {@link Config#maxConnectionsPerUser()} live connections; nothing is kept then
     */
    public Connection connect(String connectionId, Identity identity, long connectedAtMillis) {
        Connection connection = new Connection(
                connectionId,
                identity.user(),
                identity.admin(),
                connectedAtMillis,
                clock.millis() / 1000 + config.connectionTtlSeconds(),
                identity.name(),
                identity.expiresAt(),
                identity.rooms());
        store.putConnection(connection);
        int cap = config.maxConnectionsPerUser();
        // stored first, then the slot: a concurrent connect freeing dead slots must see this one alive
        if (cap > 0 && !store.claimConnectionSlot(identity.user(), connectionId, connection.expiresAt(), cap)) {
            store.removeConnection(connectionId);
            throw new TooManyConnectionsException(identity.user(), cap);
        }
        metrics.count(Metric.CONNECTIONS_OPENED);
        return connection;
    }

    /**
     * The {@code refresh} action (routed to the function that verifies tokens): a fresh token for
     * the connection's own user replaces its expiry, permissions, admin flag and display name at
     * once. Rooms the new token no longer grants {@code join} in are left (the connection gets a
     * {@code presence} leave for each), so nothing more is delivered from them. Answers
     * {@code refreshed}, or an error frame: {@code unauthorized} (the token is not valid),
     * {@code forbidden} (another user's token), {@code not_connected}. Works after the old token
     * expired, until the connection is closed.
     *
     * @param body the client's frame, {@code {"action":"refresh","token":"JWT"}}
     */
    public void refresh(String connectionId, String body, TokenVerifier verifier) {
        try {
            RequestParser.Parsed parsed = parser.parseFrame(body == null ? "" : body);
            answering.set(parsed);
            Request request = parsed.request();
            if (!(request instanceof Request.Refresh refresh)) {
                throw new ProtocolException(
                        ErrorCode.BAD_REQUEST,
                        "this route takes only {\"action\":\"refresh\",\"token\":JWT}",
                        request.action());
            }
            // refresh counts against the connection's bucket like every action: a flood of refreshes would
            // otherwise cost a signature check (and a JWKS fetch) each, unbounded
            Connection current = permitted(connectionId, "refresh", "reconnect with the new token");
            Identity identity;
            try {
                identity = verifier.verify(refresh.token());
            } catch (AuthenticationException e) {
                throw new ProtocolException(
                        ErrorCode.UNAUTHORIZED,
                        "refresh refused: " + e.getMessage() + "; send a valid token for the same user",
                        "refresh");
            }
            if (!identity.user().equals(current.user())) {
                throw new ProtocolException(
                        ErrorCode.FORBIDDEN,
                        "the token is for another user: a connection's user never "
                                + "changes; refresh with a token for '" + current.user()
                                + "' or reconnect with the other one",
                        "refresh");
            }
            Connection updated = new Connection(
                    connectionId,
                    current.user(),
                    identity.admin(),
                    current.connectedAt(),
                    current.expiresAt(),
                    identity.name(),
                    identity.expiresAt(),
                    identity.rooms());
            if (!store.replaceToken(updated)) {
                throw new ProtocolException(
                        ErrorCode.NOT_CONNECTED, "this connection is no longer registered: reconnect", "refresh");
            }
            List<String> left = new ArrayList<>();
            for (String room : store.rooms(connectionId)) {
                if (allows(updated, room, Permission.JOIN)) {
                    store.extendMembership(connectionId, room, identity.expiresAt());
                } else if (store.leave(connectionId, room)) {
                    left.add(room);
                    reply(connectionId, new ServerFrame.Presence(room, "leave", current.user(), updated.name()));
                    presence(room, "leave", updated, null);
                }
            }
            LOG.info("refresh {} user={} exp={} left={}", connectionId, current.user(), identity.expiresAt(), left);
            reply(connectionId, new ServerFrame.Refreshed(identity.expiresAt(), left));
        } catch (ProtocolException e) {
            LOG.info(
                    "refused refresh from {}: {} {}",
                    connectionId,
                    e.frame().code(),
                    e.getMessage()); // the layout redacts
            reply(connectionId, e.frame());
        } finally {
            answering.remove();
        }
    }

    /** {@code $disconnect} without a deadline: see {@link #disconnect(String, Deadline)}. */
    public List<String> disconnect(String connectionId) {
        return disconnect(connectionId, Deadline.NONE);
    }

    /**
     * {@code $disconnect}: removes the connection and its memberships, tells the (small) rooms.
     *
     * @param until when the presence posts must be done by (the invocation's remaining time, see {@link Deadline#forInvocation})
     */
    public List<String> disconnect(String connectionId, Deadline until) {
        deadline.set(until);
        try {
            Optional<Connection> connection = store.connection(connectionId);
            List<String> rooms = store.removeConnection(connectionId);
            connection.ifPresent(c -> rooms.forEach(room -> presence(room, "leave", c, null)));
            metrics.count(Metric.CONNECTIONS_CLOSED);
            return rooms;
        } finally {
            deadline.remove();
        }
    }

    /**
     * Runs {@code call} (such as {@link #notify} or {@link #deliverChunk}) with every post it makes
     * bounded by {@code until}: retries stop before it, and what is unanswered then counts as failed.
     */
    public <T> T within(Deadline until, java.util.function.Supplier<T> call) {
        deadline.set(until);
        try {
            return call.get();
        } finally {
            deadline.remove();
        }
    }

    /** {@code $default} without a deadline (tests, tools): see {@link #handle(String, String, Deadline)}. */
    public void handle(String connectionId, String body) {
        handle(connectionId, body, Deadline.NONE);
    }

    /**
     * {@code $default}: one frame from a client. Bad input becomes an error frame to the caller.
     *
     * @param until when every post this frame causes must be answered by: retries stop before it and
     *              what is unanswered then counts as failed (the handler derives it from the Lambda
     *              {@code Context}'s remaining time, {@link Deadline#forInvocation})
     */
    public void handle(String connectionId, String body, Deadline until) {
        deadline.set(until);
        String action = null;
        try {
            RequestParser.Parsed parsed = parser.parseFrame(body == null ? "" : body);
            answering.set(parsed);
            Request request = parsed.request();
            action = request.action();
            // a parsed action is one of ours: a bounded set of dimension values
            metrics.count(Metric.FRAMES, Metric.ACTION, action);
            Connection caller = caller(connectionId, request);
            LogContext.put(LogContext.USER, caller.user());
            dispatch(caller, request);
        } catch (ProtocolException e) {
            if (action == null) {
                metrics.count(Metric.FRAMES, Metric.ACTION, "invalid");
            }
            metrics.count(Metric.FRAMES_REFUSED);
            if (e.frame().code().equals(ErrorCode.RATE_LIMITED.wire())) {
                metrics.count(Metric.RATE_LIMITED);
            } else if (e.frame().code().equals(ErrorCode.FORBIDDEN.wire())) {
                metrics.count(Metric.FORBIDDEN);
            }
            // the message may quote what the client sent (an unknown action, a credential): the log layout
            // redacts and escapes it, here and everywhere
            LOG.info(
                    "refused {} from {}: {} {}", action, connectionId, e.frame().code(), e.getMessage());
            reply(connectionId, e.frame());
        } finally {
            answering.remove();
            deadline.remove();
        }
    }

    /**
     * The calling connection, read once per frame, in the same request that takes one token from
     * the connection's bucket (see {@link ChatStore#takeSend}): every action counts — join, leave,
     * history, who and ping as well as send and direct — since each costs table reads or writes. A
     * refused request stores nothing and the connection stays open. The bucket is per connection;
     * a user's total is bounded by it times {@link Config#maxConnectionsPerUser()} (docs/SECURITY.md).
     */
    private Connection caller(String connectionId, Request request) {
        Connection connection = permitted(connectionId, request.action(), "reconnect");
        if (connection.tokenExpired(clock.millis() / 1000, config.tokenLeewaySeconds())) {
            throw new ProtocolException(
                    ErrorCode.TOKEN_EXPIRED,
                    "the connection's token expired at " + connection.tokenExpiresAt()
                            + " (epoch s): send {\"action\":\"refresh\",\"token\":NEW_JWT} before the connection is closed",
                    request.action());
        }
        return connection;
    }

    /** The connection, having taken a token from its bucket; {@code not_connected} or {@code rate_limited} otherwise. */
    private Connection permitted(String connectionId, String action, String whatToDoIfGone) {
        SendPermit permit = sendRate.isPresent()
                ? store.takeSend(connectionId, sendRate.get())
                : new SendPermit(store.connection(connectionId), 0);
        Connection connection = permit.connection()
                .orElseThrow(() -> new ProtocolException(
                        ErrorCode.NOT_CONNECTED,
                        "this connection is not registered (expired?): " + whatToDoIfGone,
                        action));
        if (!permit.allowed()) {
            SendRate rate = sendRate.get();
            throw new ProtocolException(
                    ErrorCode.RATE_LIMITED,
                    "too many requests: at most " + rate.perSecond()
                            + " a second per connection (bursts of " + rate.burst() + "); retry in "
                            + permit.retryAfterMillis() + " ms",
                    action,
                    permit.retryAfterMillis());
        }
        return connection;
    }

    private void dispatch(Connection connection, Request request) {
        // Java 17: no pattern switch yet
        if (request instanceof Request.Join join) {
            join(connection, join.room());
        } else if (request instanceof Request.Leave leave) {
            leave(connection, leave.room());
        } else if (request instanceof Request.Send send) {
            send(connection, send);
        } else if (request instanceof Request.Direct direct) {
            direct(connection, direct);
        } else if (request instanceof Request.History history) {
            history(connection, history);
        } else if (request instanceof Request.Who who) {
            who(connection, who);
        } else if (request instanceof Request.Broadcast broadcast) {
            broadcast(connection, broadcast);
        } else if (request instanceof Request.Typing typing) {
            typing(connection, typing.room());
        } else if (request instanceof Request.Read read) {
            read(connection, read);
        } else if (request instanceof Request.Edit edit) {
            replace(connection, edit.room(), edit.id(), edit.text(), edit.clientMsgId(), "edit");
        } else if (request instanceof Request.Delete delete) {
            replace(connection, delete.room(), delete.id(), null, delete.clientMsgId(), "delete");
        } else if (request instanceof Request.Inbox inbox) {
            inbox(connection, inbox);
        } else if (request instanceof Request.Mark mark) {
            mark(connection, mark);
        } else if (request instanceof Request.Badge) {
            InboxCounts counts = store.inboxCounts(connection.user());
            reply(connection.connectionId(), new ServerFrame.Badge(counts.unread(), counts.unseen()));
        } else if (request instanceof Request.Refresh) {
            // the template routes refresh to the function that verifies tokens; this one cannot
            throw new ProtocolException(
                    ErrorCode.BAD_REQUEST,
                    "refresh is not routed to its function: the template's "
                            + "'refresh' route must invoke ConnectFunction",
                    "refresh");
        } else {
            reply(connection.connectionId(), new ServerFrame.Pong());
        }
    }

    /** A public room, or one the connection's token grants {@code permission} in. */
    private boolean allows(Connection connection, String room, Permission permission) {
        for (String pattern : config.publicRooms()) {
            if (RoomGrants.matches(pattern, room)) {
                return true;
            }
        }
        return connection.rooms().allows(room, permission);
    }

    private void requirePermission(Connection connection, String room, Permission permission, String action) {
        if (!allows(connection, room, permission)) {
            throw new ProtocolException(
                    ErrorCode.FORBIDDEN,
                    "your token does not grant '" + permission.wire() + "' in room '" + room
                            + "': ask for a token whose '" + config.roomsClaim() + "' claim grants it",
                    action);
        }
    }

    private void join(Connection connection, String room) {
        LogContext.put(LogContext.ROOM, room);
        requirePermission(connection, room, Permission.JOIN, "join");
        JoinOutcome outcome = store.join(connection, room, config.maxRoomsPerConnection());
        if (outcome == JoinOutcome.JOINED || outcome == JoinOutcome.ALREADY_MEMBER) {
            unread(connection, room); // before the confirmation, so a client has it once the join is confirmed
        }
        switch (outcome) {
            case TOO_MANY_ROOMS ->
                throw new ProtocolException(
                        ErrorCode.TOO_MANY_ROOMS,
                        "a connection may be in at most " + config.maxRoomsPerConnection() + " rooms: leave one first",
                        "join");
            case NO_CONNECTION ->
                throw new ProtocolException(
                        ErrorCode.NOT_CONNECTED, "this connection is no longer registered: reconnect", "join");
            case ALREADY_MEMBER ->
                reply(
                        connection.connectionId(),
                        new ServerFrame.Presence(room, "join", connection.user(), connection.name()));
            case JOINED -> presence(room, "join", connection, connection.connectionId());
        }
    }

    /** Unread counts are capped here: a count reads what it counts (see {@link ChatStore#countUnread}). */
    static final int UNREAD_CAP = 100;

    /**
     * The joiner's unread count in the room, as an {@code unread} frame — only for a user who has sent
     * a read receipt there: without one there is no position to count from, and joins of users who
     * never use receipts cost no count. One GetItem, plus a count query of at most 200 messages.
     */
    private void unread(Connection connection, String room) {
        String lastRead = store.lastRead(room, connection.user());
        if (lastRead != null) {
            int count = store.countUnread(room, connection.user(), lastRead, UNREAD_CAP);
            reply(connection.connectionId(), new ServerFrame.Unread(room, count, lastRead));
        }
    }

    /**
     * {@code typing}: ephemeral — nothing is stored but the coalescing state — and coalesced: one
     * user's typing in one room reaches the room at most once per {@link Config#presenceWindowMillis()}
     * (the presence window, 3 s by default), so it never costs more posts than presence does. Only
     * the leading edge of a burst is announced: typing is an event, not a state that must converge,
     * and clients keep showing "typing…" for two windows after the last one. The window is kept in
     * DynamoDB with presence's state item (a conditional write), so it holds across function
     * instances. Rooms above {@link Config#presenceMaxMembers()} get nothing. No answer to the typer.
     */
    private void typing(Connection connection, String room) {
        requirePermission(connection, room, Permission.SEND, "typing");
        String subject = "typing#" + connection.user();
        long now = clock.millis();
        ChatStore.PresenceState state = store.presenceState(room, subject);
        if (state != null && now - state.atMillis() < config.presenceWindowMillis()) {
            return; // announced within the window: this one is folded into it (the cheap path of a burst)
        }
        Optional<List<Member>> members = store.membersIfAtMost(room, config.presenceMaxMembers());
        if (members.isEmpty()) {
            requireMember(connection, room, "typing"); // a big room: no typing events, but still refuse a non-member
            return;
        }
        if (members.get().stream().noneMatch(m -> m.connectionId().equals(connection.connectionId()))) {
            throw new ProtocolException(ErrorCode.NOT_MEMBER, "join '" + room + "' first", "typing");
        }
        ChatStore.PresenceState next =
                new ChatStore.PresenceState("typing", now, false, state == null ? 1 : state.version() + 1);
        if (!store.replacePresenceState(room, subject, state, next, now / 1000 + config.connectionTtlSeconds())) {
            return; // another invocation of the same burst won the window and announces it
        }
        List<Member> others = members.get().stream()
                .filter(m -> !connection.user().equals(m.user()))
                .toList();
        if (!others.isEmpty()) {
            FanOutResult result = fanOut.deliver(
                    others,
                    bytes(new ServerFrame.Typing(room, connection.user(), connection.name())),
                    deadline.get(),
                    room);
            LOG.debug("typing {} in {}: {}", connection.user(), room, result);
        }
    }

    /**
     * {@code read}: moves the user's read receipt forward (never back), answers the caller with a
     * {@code receipt} frame of the user's resulting position, and tells the room's other members
     * (rooms within the presence cap) with a coalesced {@code receipt}: at most one per user and room
     * per presence window, the last one of a burst always announced when the window ends.
     */
    private void read(Connection connection, Request.Read read) {
        String room = read.room();
        LogContext.put(LogContext.ROOM, room);
        requirePermission(connection, room, Permission.JOIN, "read");
        ChatStore.ReadOutcome outcome = store.recordRead(connection.connectionId(), room, connection.user(), read.id());
        switch (outcome.status()) {
            case NOT_MEMBER -> throw new ProtocolException(ErrorCode.NOT_MEMBER, "join '" + room + "' first", "read");
            case NO_MESSAGE ->
                throw new ProtocolException(
                        ErrorCode.NOT_FOUND,
                        "room '" + room + "' has no message '" + read.id()
                                + "' (or its retention ended): send the id of a message or history frame of this room",
                        "read");
            default -> {}
        }
        reply(connection.connectionId(), new ServerFrame.Receipt(room, connection.user(), outcome.lastRead()));
        if (outcome.status() == ChatStore.ReadStatus.MOVED) {
            coalescedReceipt(connection, room, false);
        }
    }

    /**
     * The receipt's announcement, coalesced as presence is ({@link #coalescedPresence}): the first
     * change in a window is announced at once; a change inside the window makes one invocation wait
     * for its end and announce the position then (the truth, read again), so a burst of receipts
     * costs the room at most one event per window and the last position is always announced.
     * State: presence's item under the subject {@code receipt#USER}, with the announced id as its event.
     */
    private void coalescedReceipt(Connection who, String room, boolean trailing) {
        String subject = "receipt#" + who.user();
        long window = config.presenceWindowMillis();
        for (int attempt = 0; attempt < 4; attempt++) {
            Optional<List<Member>> members = store.membersIfAtMost(room, config.presenceMaxMembers());
            if (members.isEmpty()) {
                return; // a big room: no receipt events
            }
            long now = clock.millis();
            ChatStore.PresenceState state = store.presenceState(room, subject);
            String truth = store.lastRead(room, who.user());
            long version = state == null ? 1 : state.version() + 1;
            long expires = now / 1000 + config.connectionTtlSeconds();
            ChatStore.PresenceState next;
            if (truth == null || (state != null && truth.equals(state.event()))) {
                if (trailing && state != null && state.pending()) {
                    // the window's outcome was announced already (by a leading edge): clear the flag
                    store.replacePresenceState(
                            room,
                            subject,
                            state,
                            new ChatStore.PresenceState(state.event(), state.atMillis(), false, version),
                            expires);
                }
                return;
            }
            if (trailing || state == null || now - state.atMillis() >= window) {
                next = new ChatStore.PresenceState(truth, now, !trailing && state != null && state.pending(), version);
            } else if (state.pending() && now - state.atMillis() < 2 * window) {
                return; // inside the window, and an invocation waits to announce the outcome
            } else {
                if (!store.replacePresenceState(
                        room,
                        subject,
                        state,
                        new ChatStore.PresenceState(state.event(), state.atMillis(), true, version),
                        expires)) {
                    continue;
                }
                sleepUntil(state.atMillis() + window);
                coalescedReceipt(who, room, true);
                return;
            }
            if (!store.replacePresenceState(room, subject, state, next, expires)) {
                continue; // another invocation moved it: decide again on what it left
            }
            List<Member> others = members.get().stream()
                    .filter(m -> !m.connectionId().equals(who.connectionId()))
                    .toList();
            if (!others.isEmpty()) {
                FanOutResult result = fanOut.deliver(
                        others, bytes(new ServerFrame.Receipt(room, who.user(), truth)), deadline.get(), room);
                LOG.debug("receipt {} {} in {}: {}", who.user(), truth, room, result);
            }
            return;
        }
        LOG.info("receipt of {} in {} not announced: it changed under {} concurrent attempts", who.user(), room, 4);
    }

    /**
     * {@code edit} ({@code text} set) and {@code delete} ({@code text} null) of one's own message:
     * the same permission ({@code send}) and membership as a send, the same text limits. Idempotent:
     * an edit to the text the message already has, or a delete of a deleted message, changes nothing
     * and delivers the current version again (members apply it by id). Answers an {@code ack} whose
     * {@code id} is the message's and {@code ts} the change's time; the room gets {@code edited} /
     * {@code deleted} through the same fan-out as a message (chunks for big rooms, at least once).
     */
    private void replace(
            Connection connection, String room, String id, String text, String clientMsgId, String action) {
        LogContext.put(LogContext.ROOM, room);
        LogContext.put(LogContext.MESSAGE_ID, id);
        requirePermission(connection, room, Permission.SEND, action);
        boolean delete = text == null;
        for (int attempt = 0; attempt < 3; attempt++) {
            StoredMessage current = store.message(room, id)
                    .orElseThrow(() -> new ProtocolException(
                            ErrorCode.NOT_FOUND,
                            "room '" + room + "' has no message '" + id
                                    + "' (or its retention ended): use the id of a message, "
                                    + "ack or history frame of this room",
                            action));
            if (!current.from().equals(connection.user())) {
                throw new ProtocolException(
                        ErrorCode.FORBIDDEN,
                        "message '" + id + "' is not yours: you may " + action + " only your own messages",
                        action);
            }
            if (current.deleted() && !delete) {
                throw new ProtocolException(
                        ErrorCode.NOT_FOUND,
                        "message '" + id + "' was deleted: it can no longer be edited; " + "send a new message instead",
                        action);
            }
            StoredMessage result;
            if (current.deleted() || (!delete && text.equals(current.text()))) {
                requireMember(connection, room, action);
                result = current; // a retry, or nothing to change: deliver what is stored again
            } else {
                long now = Math.max(clock.millis(), current.editedAt() == null ? current.ts() : current.editedAt() + 1);
                result = new StoredMessage(room, id, current.from(), text, current.ts(), now, delete);
                if (!delete) {
                    requireFits(
                            new ServerFrame.Edited(
                                    room, id, current.from(), text, current.ts(), now, connection.name()),
                            action);
                    requireFits(
                            new ServerFrame.History(
                                    room,
                                    List.of(new ServerFrame.HistoryItem(
                                            id, current.from(), text, current.ts(), now, null)),
                                    true,
                                    id),
                            action);
                }
                ChatStore.ReplaceOutcome outcome = store.replaceMessage(current, result, connection.connectionId());
                if (outcome == ChatStore.ReplaceOutcome.NOT_MEMBER) {
                    throw new ProtocolException(ErrorCode.NOT_MEMBER, "join '" + room + "' first", action);
                }
                if (outcome == ChatStore.ReplaceOutcome.CHANGED) {
                    continue; // edited or deleted meanwhile (another tab): decide again on the latest version
                }
            }
            announceReplacement(connection, result, clientMsgId, action);
            return;
        }
        throw new ProtocolException(
                ErrorCode.RATE_LIMITED,
                "message '" + id + "' kept changing under this " + action
                        + " (edited from several connections at once): send it again",
                action,
                100);
    }

    private void announceReplacement(Connection connection, StoredMessage message, String clientMsgId, String action) {
        long at = message.editedAt() == null ? message.ts() : message.editedAt();
        FanOut.Delivery ack = fanOut.start(
                List.of(new Member(connection.connectionId(), null)),
                bytes(answer(new ServerFrame.Ack(clientMsgId, message.id(), at))),
                deadline.get(),
                message.room());
        if (message.editedAt() == null) {
            ack.settle(); // never edited: an edit to the same text changed nothing, there is nothing to announce
            return;
        }
        ServerFrame frame = message.deleted()
                ? new ServerFrame.Deleted(message.room(), message.id(), message.from(), at)
                : new ServerFrame.Edited(
                        message.room(),
                        message.id(),
                        message.from(),
                        message.text(),
                        message.ts(),
                        at,
                        connection.name());
        FanOutResult result;
        try {
            result = deliverToRoom(
                    message.room(),
                    bytes(frame),
                    connection.connectionId(),
                    store.recipients(message.room(), null, config.fanoutChunkSize()));
        } catch (RuntimeException e) {
            LOG.error("{} {} in {}: fan-out incomplete: {}", action, message.id(), message.room(), e.toString());
            reply(
                    connection.connectionId(),
                    new ServerFrame.Error(
                            ErrorCode.DELIVERY_INCOMPLETE,
                            action + " of " + message.id()
                                    + " is stored but its live delivery did not finish: send the same " + action
                                    + " again to deliver it again (members apply it by id)",
                            action));
            return;
        } finally {
            ack.settle();
        }
        metrics.fanOutSettled();
        LOG.info(
                "{} {} in {}: delivered={} gone={} failed={}",
                action,
                message.id(),
                message.room(),
                result.delivered(),
                result.gone(),
                result.failed());
    }

    private void leave(Connection connection, String room) {
        if (!store.leave(connection.connectionId(), room)) {
            throw new ProtocolException(ErrorCode.NOT_MEMBER, "not a member of '" + room + "'", "leave");
        }
        reply(connection.connectionId(), new ServerFrame.Presence(room, "leave", connection.user(), connection.name()));
        presence(room, "leave", connection, null);
    }

    /**
     * Presence is per user and coalesced. Per user: a room hears {@code join} when a user's first
     * connection joins and {@code leave} when the last one leaves (a second tab closing is no leave).
     * Coalesced: one user's presence in one room is announced at most once per
     * {@link Config#presenceWindowMillis()}; a change inside the window is announced once the window
     * ends, as the outcome (join then leave then join within it announces nothing more). The
     * invocation that first finds the window closed waits for its end and announces then; others
     * return. Presence costs a post per member, O(members²) to fill a room, so it is sent only while
     * the room is small. {@code alsoTo} (the joiner) gets its {@code join} once, at once, as the
     * confirmation of its join; announcements about a user go to the other users' connections only
     * (the user's own other connections were in the room already, so no announcement concerns them),
     * so a joiner never hears its own join twice when its join is announced at the window's end.
     *
     * @param event what happened ({@code join} or {@code leave}); what is announced is the user's resulting presence
     */
    private void presence(String room, String event, Connection who, String alsoTo) {
        String user = who.user();
        ServerFrame.Presence confirmation = new ServerFrame.Presence(room, event, user, who.name());
        AtomicBoolean confirmed = new AtomicBoolean(alsoTo == null);
        Runnable confirm = () -> {
            if (!confirmed.getAndSet(true)) {
                reply(alsoTo, confirmation);
            }
        };
        try {
            coalescedPresence(room, who, false, confirm);
        } finally {
            confirm.run();
        }
    }

    /** Announces {@code who}'s presence to the room's other users if it changed; {@code confirmJoiner} runs before any wait or post. */
    private void coalescedPresence(String room, Connection who, boolean trailing, Runnable confirmJoiner) {
        String user = who.user();
        long window = config.presenceWindowMillis();
        for (int attempt = 0; attempt < 4; attempt++) {
            Optional<List<Member>> members = store.membersIfAtMost(room, config.presenceMaxMembers());
            if (members.isEmpty()) {
                return; // a big room: no presence, `who` answers
            }
            String truth = members.get().stream().anyMatch(m -> user.equals(m.user())) ? "join" : "leave";
            long now = clock.millis();
            ChatStore.PresenceState state = store.presenceState(room, user);
            String last = state == null ? "leave" : state.event();
            long version = state == null ? 1 : state.version() + 1;
            long expires = now / 1000 + config.connectionTtlSeconds();
            boolean windowOpen = state == null || now - state.atMillis() >= window;
            ChatStore.PresenceState next;
            boolean announce;
            if (trailing) {
                announce = !truth.equals(last);
                next = new ChatStore.PresenceState(truth, announce ? now : state.atMillis(), false, version);
            } else if (truth.equals(last)) {
                return; // nothing changed for the room (another tab, or the waiter will settle it)
            } else if (windowOpen) {
                announce = true;
                next = new ChatStore.PresenceState(truth, now, state != null && state.pending(), version);
            } else if (state.pending() && now - state.atMillis() < 2 * window) {
                return; // inside the window, and an invocation waits to announce the outcome
            } else {
                // inside the window: this invocation waits for its end, then announces the outcome
                if (!store.replacePresenceState(
                        room,
                        user,
                        state,
                        new ChatStore.PresenceState(last, state.atMillis(), true, version),
                        expires)) {
                    continue;
                }
                confirmJoiner.run(); // the joiner's confirmation does not wait for the window
                sleepUntil(state.atMillis() + window);
                coalescedPresence(room, who, true, confirmJoiner);
                return;
            }
            if (!store.replacePresenceState(room, user, state, next, expires)) {
                continue; // another invocation moved it: decide again on what it left
            }
            if (announce) {
                confirmJoiner.run();
                ServerFrame.Presence frame = new ServerFrame.Presence(room, truth, user, who.name());
                List<Member> others = members.get().stream()
                        .filter(m -> !user.equals(m.user()))
                        .toList();
                FanOutResult result = deliverToRoom(
                        room, bytes(frame), null, new Page<>(others, null)); // the room as read above: once
                LOG.debug("presence {} {} in {}: {}", truth, user, room, result);
            }
            return;
        }
        LOG.info("presence of {} in {} left as it was: it changed under {} concurrent attempts", user, room, 4);
    }

    private void sleepUntil(long epochMillis) {
        long wait = epochMillis - clock.millis();
        if (wait > 0) {
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Two DynamoDB round trips before the first member gets the message: the connection's read
     * (with the send limit), then — at the same time — the one write (membership check, message,
     * idempotency key: {@link ChatStore#saveMessage}) and the read of the room's first page. Posting
     * waits for both, so nothing is delivered that was not stored. The room read is eventually
     * consistent, as it always was: a member whose join lands within a round trip of the send may
     * miss it live and find it in history.
     */
    private void send(Connection connection, Request.Send send) {
        requirePermission(connection, send.room(), Permission.SEND, "send");
        // membership: checked inside the message's write (saveMessage), not by a read before it
        long now = clock.millis();
        StoredMessage message = new StoredMessage(send.room(), ids.next(now), connection.user(), send.text(), now);
        LogContext.put(LogContext.ROOM, send.room());
        // live as a message, later in a history page of its own (the larger frame: it adds a cursor)
        requireFits(
                new ServerFrame.Message(
                        message.room(), message.id(), message.from(), message.text(), message.ts(), connection.name()),
                "send");
        requireFits(
                new ServerFrame.History(
                        message.room(),
                        List.of(new ServerFrame.HistoryItem(
                                message.id(), message.from(), message.text(), message.ts())),
                        true,
                        message.id()),
                "send");
        String idempotencyKey =
                send.clientMsgId() == null ? null : connection.user() + "#" + send.room() + "#" + send.clientMsgId();
        CompletableFuture<Page<Member>> firstPage = CompletableFuture.supplyAsync(
                () -> store.recipients(send.room(), null, config.fanoutChunkSize()), readAhead);
        SaveOutcome saved;
        try {
            // Persist before delivering: a crash mid-fan-out loses no message (history has it).
            saved = store.saveMessage(message, idempotencyKey, connection.connectionId());
        } catch (ChatStore.NotMemberException e) {
            throw new ProtocolException(ErrorCode.NOT_MEMBER, "join '" + send.room() + "' first", "send");
        }
        StoredMessage stored = saved.message();
        LogContext.put(LogContext.MESSAGE_ID, stored.id());
        // The acknowledgement travels while the room is posted to.
        FanOut.Delivery ack = fanOut.start(
                List.of(new Member(connection.connectionId(), null)),
                bytes(answer(new ServerFrame.Ack(send.clientMsgId(), stored.id(), stored.ts()))),
                deadline.get(),
                send.room());
        if (saved.duplicate() && saved.fannedOut()) {
            ack.settle();
            LOG.info(
                    "duplicate send {} from {} acknowledged again, not delivered",
                    send.clientMsgId(),
                    connection.user());
            return;
        }
        // A retry of a send whose fan-out did not finish goes to the whole room again: at least once,
        // and members that already have the id drop the repeat (docs/PROTOCOL.md, "Delivery guarantee").
        metrics.count(Metric.MESSAGES_SENT);
        byte[] frame = bytes(new ServerFrame.Message(
                stored.room(), stored.id(), stored.from(), stored.text(), stored.ts(), connection.name()));
        FanOutResult result;
        try {
            result = deliverToRoom(send.room(), frame, connection.connectionId(), join(firstPage));
        } catch (RuntimeException e) {
            // Stored (history has it), delivered to some members at most: the client's retry delivers it again.
            LOG.error(
                    "send {} to {}: fan-out incomplete{}: {}",
                    stored.id(),
                    send.room(),
                    saved.duplicate() ? " (retry)" : "",
                    e.toString());
            reply(
                    connection.connectionId(),
                    new ServerFrame.Error(
                            ErrorCode.DELIVERY_INCOMPLETE,
                            "message " + stored.id()
                                    + " is stored but its live delivery did not finish: "
                                    + (send.clientMsgId() == null
                                            ? "the room's history has it"
                                            : "send it again with clientMsgId '" + send.clientMsgId()
                                                    + "' to deliver it again (members drop repeats by id)"),
                            "send"));
            return;
        } finally {
            ack.settle(); // also when the room could not be read: the ack's post is answered, a gone sender removed
        }
        metrics.fanOutSettled();
        if (idempotencyKey != null) {
            try {
                store.markFannedOut(idempotencyKey);
            } catch (RuntimeException e) {
                // unrecorded: a retry would deliver it once more, which clients drop by id
                LOG.warn("send {}: could not record its fan-out as complete: {}", stored.id(), e.toString());
            }
        }
        LOG.info(
                "send {} to {}: delivered={} gone={} failed={}{}",
                stored.id(),
                send.room(),
                result.delivered(),
                result.gone(),
                result.failed(),
                saved.duplicate() ? " (retry of an incomplete fan-out)" : "");
    }

    /** The read-ahead's page, or what it threw, as thrown. */
    private static Page<Member> join(CompletableFuture<Page<Member>> page) {
        try {
            return page.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /**
     * Delivers to the room page by page, starting with {@code firstPage} (already read). The first
     * {@code fanoutChunkSize} recipients are posted here; when a topic is configured every further
     * page goes to SNS as a chunk for another instance.
     */
    private FanOutResult deliverToRoom(String room, byte[] frame, String exceptConnection, Page<Member> firstPage) {
        return deliverToRoom(room, frame, exceptConnection, firstPage, null);
    }

    /** As above; with {@code inbox} (not null) stored for each member's user first, page by page ({@link #storeInInboxes}). */
    private FanOutResult deliverToRoom(
            String room, byte[] frame, String exceptConnection, Page<Member> firstPage, InboxItem inbox) {
        java.util.Set<String> stored = new java.util.HashSet<>();
        FanOutResult total = FanOutResult.NONE;
        int size = config.fanoutChunkSize();
        // a page read for presence may be larger than a chunk: cut it
        List<Member> first = firstPage.items();
        List<List<Member>> pages = new ArrayList<>();
        for (int i = 0; i < first.size(); i += size) {
            pages.add(first.subList(i, Math.min(first.size(), i + size)));
        }
        boolean posted = false;
        String after = firstPage.next();
        while (true) {
            for (List<Member> page : pages) {
                if (deadline.get().passed()) {
                    // members left unread: not a completed fan-out (a send's retry delivers it again)
                    throw new IllegalStateException(
                            "the invocation's time for the fan-out ran out before every member was read");
                }
                if (inbox != null) {
                    storeInInboxes(page, inbox, stored);
                }
                List<Member> recipients = exceptConnection == null
                        ? page
                        : page.stream()
                                .filter(m -> !m.connectionId().equals(exceptConnection))
                                .toList();
                if (recipients.isEmpty()) {
                    continue;
                }
                if (posted && chunks.isPresent()) {
                    chunks.get().publish(ChunkPublisher.chunkOf(recipients, new String(frame, StandardCharsets.UTF_8)));
                    metrics.count(Metric.CHUNKS_PUBLISHED);
                } else {
                    total = total.plus(fanOut.deliver(recipients, frame, deadline.get(), room));
                    posted = true;
                }
            }
            if (after == null) {
                return total;
            }
            Page<Member> next = store.recipients(room, after, size);
            pages = List.of(next.items());
            after = next.next();
        }
    }

    /**
     * Under {@link DirectPolicy#ANY} the sender gets the same {@code ack} whether the target has
     * connections or not, so a DM does not reveal who is online. Idempotent like {@link #send}: a retry
     * with the same {@code clientMsgId} (after an error or a lost ack) stores nothing more, is
     * acknowledged with the first id and {@code ts}, and is delivered live again only when the first
     * delivery did not finish (with the first id: clients drop repeats by id).
     */
    private void direct(Connection connection, Request.Direct direct) {
        DirectPolicy policy = config.directPolicy();
        if (policy == DirectPolicy.OFF) {
            throw new ProtocolException(
                    ErrorCode.FORBIDDEN,
                    "direct messages are turned off on this server: write in a room instead",
                    "direct");
        }
        List<Member> recipients = store.connectionsOf(direct.to());
        if (policy == DirectPolicy.SHARED_ROOM && !sharesRoom(connection, recipients)) {
            throw new ProtocolException(
                    ErrorCode.FORBIDDEN,
                    "direct messages here go only to users in a room you are in: join a room '" + direct.to()
                            + "' is in first",
                    "direct");
        }
        long now = clock.millis();
        String id = ids.next(now);
        ServerFrame.Direct frame =
                new ServerFrame.Direct(id, connection.user(), direct.text(), now, connection.name(), true);
        requireFits(frame, "direct");
        // the target's name keeps a DM's key apart from a send's (user#room#id): names hold no '>'
        String idempotencyKey = direct.clientMsgId() == null
                ? null
                : connection.user() + "#direct>" + direct.to() + "#" + direct.clientMsgId();
        // stored in the target's inbox before the ack, connected or not: the ack means it is kept
        ChatStore.DirectOutcome saved = store.saveDirect(
                direct.to(),
                InboxItem.direct(id, connection.user(), connection.name(), direct.text(), now),
                inboxRetainUntil(now),
                idempotencyKey,
                recipients.isEmpty());
        InboxItem stored = saved.item();
        reply(connection.connectionId(), new ServerFrame.Ack(direct.clientMsgId(), stored.id(), stored.ts()));
        if (saved.duplicate() && saved.fannedOut()) {
            LOG.info(
                    "duplicate direct {} from {} acknowledged again, not delivered",
                    direct.clientMsgId(),
                    connection.user());
            return;
        }
        metrics.count(Metric.MESSAGES_SENT);
        if (!recipients.isEmpty()) {
            fanOut.deliver(
                    recipients,
                    bytes(new ServerFrame.Direct(
                            stored.id(), stored.from(), stored.text(), stored.ts(), stored.name(), true)),
                    deadline.get());
            metrics.fanOutSettled();
            if (idempotencyKey != null) {
                try {
                    store.markFannedOut(idempotencyKey);
                } catch (RuntimeException e) {
                    // unrecorded: a retry would deliver it once more, which clients drop by id
                    LOG.warn("direct {}: could not record its delivery as complete: {}", stored.id(), e.toString());
                }
            }
        }
    }

    /** One query for the sender's rooms, one per target connection (a user has at most a few). */
    private boolean sharesRoom(Connection sender, List<Member> targetConnections) {
        if (targetConnections.isEmpty()) {
            return false;
        }
        java.util.Set<String> mine = new java.util.HashSet<>(store.rooms(sender.connectionId()));
        return !mine.isEmpty()
                && targetConnections.stream()
                        .anyMatch(t -> store.rooms(t.connectionId()).stream().anyMatch(mine::contains));
    }

    private void history(Connection connection, Request.History history) {
        requirePermission(connection, history.room(), Permission.HISTORY, "history");
        requireMember(connection, history.room(), "history");
        Page<StoredMessage> page = store.history(history.room(), history.after(), history.limit());
        List<ServerFrame.HistoryItem> items = page.items().stream()
                .map(m -> new ServerFrame.HistoryItem(
                        m.id(),
                        m.from(),
                        m.deleted() ? null : m.text(),
                        m.ts(),
                        m.editedAt(),
                        m.deleted() ? Boolean.TRUE : null))
                .toList();
        // Resuming (after=...) pages forward, so the store's cursor leads to newer messages; the newest
        // page's "more" means older ones, which no cursor reaches.
        String next = history.after() != null ? page.next() : null;
        reply(connection.connectionId(), HistoryPages.fit(history.room(), items, page.more(), next, requestId()));
    }

    private void who(Connection connection, Request.Who who) {
        requirePermission(connection, who.room(), Permission.JOIN, "who");
        requireMember(connection, who.room(), "who");
        String after = who.after() == null ? null : cursors.decode(who.room(), who.after());
        Page<Member> page = store.members(who.room(), after, WHO_PAGE);
        List<String> users = new ArrayList<>(
                new TreeSet<>(page.items().stream().map(Member::user).toList()));
        Integer count = who.after() == null ? store.countMembers(who.room(), WHO_COUNT_CAP) : null;
        String next = page.next() == null ? null : cursors.encode(who.room(), page.next());
        reply(connection.connectionId(), new ServerFrame.Members(who.room(), users, count, next));
    }

    private void requireMember(Connection connection, String room, String action) {
        if (!store.isMember(connection.connectionId(), room)) {
            throw new ProtocolException(ErrorCode.NOT_MEMBER, "join '" + room + "' first", action);
        }
    }

    /**
     * The {@code broadcast} action: an admin token's notification, delivered exactly as one
     * published to SNS ({@link #notify}), answered with an {@code ack} whose {@code id} is the
     * notification's. Other tokens get {@code forbidden}.
     */
    private void broadcast(Connection connection, Request.Broadcast broadcast) {
        if (!connection.admin()) {
            throw new ProtocolException(
                    ErrorCode.FORBIDDEN,
                    "broadcast needs an admin token (claim \"admin\": true): "
                            + "ask for one, or publish to the notifications topic",
                    "broadcast");
        }
        long now = clock.millis();
        String id = ids.next(now);
        Notification notification = new Notification(
                broadcast.room(), broadcast.user(), broadcast.all(), broadcast.title(), broadcast.body());
        FanOutResult result = deliverNotification(notification, id, now);
        reply(connection.connectionId(), new ServerFrame.Ack(broadcast.clientMsgId(), id, now));
        LOG.info(
                "broadcast {} by {} to room={} user={} all={}: delivered={} gone={} failed={}",
                id,
                connection.user(),
                broadcast.room(),
                broadcast.user(),
                broadcast.all(),
                result.delivered(),
                result.gone(),
                result.failed());
    }

    /**
     * A notification from SNS: to a room, a user's connections, or everyone (every shard). SNS and
     * Lambda's asynchronous invocation retry a failed delivery with the same message, so the frame's
     * id and {@code ts} come from the SNS message: every attempt sends the same frame, and clients
     * that already have its id drop it (docs/PROTOCOL.md).
     *
     * @param snsMessageId the SNS {@code MessageId}, the same on every delivery of one publish
     * @param publishedAtMillis the SNS {@code Timestamp} (when it was published), ms since the epoch
     */
    public FanOutResult notify(Notification notification, String snsMessageId, long publishedAtMillis) {
        metrics.count(Metric.NOTIFICATIONS);
        FanOutResult result = deliverNotification(
                notification, MessageIds.derived(publishedAtMillis, snsMessageId), publishedAtMillis);
        metrics.add(Metric.NOTIFICATIONS_DELIVERED, result.delivered());
        metrics.fanOutSettled();
        return result;
    }

    /**
     * The notification path SNS and the broadcast action share: room members, a user's connections, or
     * everyone. A notification to one user is stored in their inbox first (whether they are connected or
     * not), conditionally on its id: a redelivery stores nothing more and is delivered live again.
     */
    private FanOutResult deliverNotification(Notification notification, String id, long ts) {
        java.util.Set<InboxTarget> targets = config.inboxNotifications();
        boolean inInbox = notification.user() != null
                ? targets.contains(InboxTarget.USER)
                : notification.room() != null ? targets.contains(InboxTarget.ROOM) : targets.contains(InboxTarget.ALL);
        if (notification.user() != null && inInbox) {
            boolean stored = store.putInboxItem(
                    notification.user(),
                    InboxItem.notification(id, notification.title(), notification.body(), ts),
                    inboxRetainUntil(ts));
            if (!stored) {
                LOG.info(
                        "notification {} is in {}'s inbox already (a redelivery): delivered live again",
                        id,
                        notification.user());
            }
        }
        InboxItem item = InboxItem.notification(id, notification.title(), notification.body(), ts);
        return deliverNotification(
                notification,
                bytes(new ServerFrame.Notification(id, notification.title(), notification.body(), ts, inInbox)),
                inInbox && notification.user() == null ? item : null);
    }

    /** How many inbox writes one page of a room or shard runs at once (each a TransactWriteItems round trip). */
    static final int INBOX_WRITERS = 16;

    /**
     * Stores {@code item} in the inbox of each user of {@code page} not in {@code done} (and adds them to it), before
     * the page is posted to or handed on: a user with several connections gets one item. Conditional on the
     * item's id, so an SNS redelivery stores nothing twice. {@link #INBOX_WRITERS} writes run at once; every
     * write is bounded by the invocation's deadline: what is left then fails the notification, and its
     * redelivery (Lambda's retry) writes the rest.
     *
     * @throws IllegalStateException when the deadline passed before every user's item was written
     */
    private void storeInInboxes(List<Member> page, InboxItem item, java.util.Set<String> done) {
        List<String> users = page.stream()
                .map(Member::user)
                .filter(u -> u != null && done.add(u))
                .toList();
        if (users.isEmpty()) {
            return;
        }
        Deadline until = deadline.get();
        long retainUntil = inboxRetainUntil(item.ts());
        int writers = Math.min(INBOX_WRITERS, users.size());
        List<CompletableFuture<Void>> parts = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            int first = w;
            parts.add(CompletableFuture.runAsync(
                    () -> {
                        for (int i = first; i < users.size(); i += writers) {
                            if (until.passed()) {
                                throw new IllegalStateException("the invocation's time ran out after storing part of "
                                        + "notification " + item.id() + " in inboxes: its redelivery stores the rest");
                            }
                            store.putInboxItem(users.get(i), item, retainUntil);
                        }
                    },
                    readAhead));
        }
        try {
            CompletableFuture.allOf(parts.toArray(CompletableFuture[]::new)).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
        LOG.debug("notification {} stored in the inboxes of {} users", item.id(), users.size());
    }

    /** Until when an inbox item written at {@code tsMillis} is kept (epoch s); the store rounds up to the end of that UTC day. */
    private long inboxRetainUntil(long tsMillis) {
        return tsMillis / 1000 + config.inboxRetentionDays() * 86_400L;
    }

    /**
     * {@code inbox}: a page of the caller's own inbox, newest first, cut to fit one frame; the first
     * page carries the counts too.
     */
    private void inbox(Connection connection, Request.Inbox inbox) {
        Page<InboxItem> page = store.inbox(connection.user(), inbox.after(), inbox.limit());
        List<ServerFrame.InboxEntry> items = page.items().stream()
                .map(i -> new ServerFrame.InboxEntry(
                        i.id(), i.kind(), i.from(), i.name(), i.text(), i.title(), i.body(), i.ts(), i.seen(),
                        i.read()))
                .toList();
        InboxCounts counts = inbox.after() == null ? store.inboxCounts(connection.user()) : null;
        reply(
                connection.connectionId(),
                InboxPages.fit(
                        items,
                        page.more(),
                        page.next(),
                        counts == null ? null : counts.unread(),
                        counts == null ? null : counts.unseen(),
                        requestId()));
    }

    /**
     * {@code mark}: items of the caller's own inbox become seen or read. Every connection of the user
     * gets {@code marked} with the counts after it, so a badge cleared in one tab clears in the others;
     * marking again what is marked already changes nothing and answers the caller alone.
     */
    private void mark(Connection connection, Request.Mark mark) {
        ChatStore.MarkOutcome outcome = store.markInbox(connection.user(), mark.ids(), mark.state());
        if (!outcome.unknown().isEmpty()) {
            throw new ProtocolException(
                    ErrorCode.NOT_FOUND,
                    outcome.unknown().size() + " of the ids are not in your inbox "
                            + "(expired after " + config.inboxRetentionDays() + " days, or never yours): "
                            + String.join(
                                    ", ",
                                    outcome.unknown()
                                            .subList(
                                                    0,
                                                    Math.min(
                                                            5, outcome.unknown().size())))
                            + (outcome.unknown().size() > 5 ? ", ..." : "")
                            + "; nothing was marked: page your inbox for the current ids and mark those",
                    "mark");
        }
        InboxCounts counts = store.inboxCounts(connection.user());
        ServerFrame.Marked marked =
                new ServerFrame.Marked(mark.state().wire(), mark.ids(), counts.unread(), counts.unseen());
        if (outcome.changed().isEmpty()) {
            reply(connection.connectionId(), marked);
            return;
        }
        // the byUser index is eventually consistent: the caller is added in case it is not in it yet
        java.util.Map<String, Member> recipients = new java.util.LinkedHashMap<>();
        recipients.put(connection.connectionId(), new Member(connection.connectionId(), connection.user()));
        store.connectionsOf(connection.user()).forEach(m -> recipients.putIfAbsent(m.connectionId(), m));
        if (requestId() != null) {
            // the caller's copy answers its request; the other connections' copies carry no requestId
            recipients.remove(connection.connectionId());
            reply(connection.connectionId(), marked);
        }
        fanOut.deliver(List.copyOf(recipients.values()), bytes(marked), deadline.get());
        LOG.info(
                "mark {} of {} by {}: {} changed, unread={}",
                mark.state().wire(),
                mark.ids().size(),
                connection.user(),
                outcome.changed().size(),
                counts.unread());
    }

    /** @param inbox the item to store for each user reached in a room or shard ({@link #storeInInboxes}), or null */
    private FanOutResult deliverNotification(Notification notification, byte[] frame, InboxItem inbox) {
        if (notification.room() != null) {
            return deliverToRoom(
                    notification.room(),
                    frame,
                    null,
                    store.recipients(notification.room(), null, config.fanoutChunkSize()),
                    inbox);
        }
        if (notification.user() != null) {
            return fanOut.deliver(store.connectionsOf(notification.user()), frame, deadline.get());
        }
        if (chunks.isPresent()) {
            // Everyone: one shard chunk per shard of the byShard index, each queried and posted by its own
            // invocation, so a broadcast to all scales out across instances (DESIGN.md, fan-out 4).
            String text = new String(frame, StandardCharsets.UTF_8);
            List<ShardChunk> shards = new ArrayList<>();
            for (int shard = 0; shard < config.allShards(); shard++) {
                shards.add(new ShardChunk(shard, text, inbox != null ? Boolean.TRUE : null));
            }
            chunks.get().publishShards(shards);
            LOG.info("notification to all handed on as {} shard chunks", shards.size());
            return FanOutResult.NONE;
        }
        FanOutResult total = FanOutResult.NONE;
        for (int shard = 0; shard < config.allShards(); shard++) {
            total = total.plus(deliverShard(new ShardChunk(
                    shard, new String(frame, StandardCharsets.UTF_8), inbox != null ? Boolean.TRUE : null)));
        }
        return total;
    }

    /** A chunk of a large fan-out, published by another instance. */
    public FanOutResult deliverChunk(FanOutChunk chunk) {
        List<Member> recipients = ChunkPublisher.recipients(chunk);
        FanOutResult result =
                fanOut.deliver(recipients, chunk.frame().getBytes(StandardCharsets.UTF_8), deadline.get());
        metrics.count(Metric.CHUNKS_DELIVERED);
        metrics.fanOutSettled();
        return result;
    }

    /**
     * One shard of a broadcast to everyone: its connections page by page; the first page is posted
     * here, every further page handed on as a chunk (as a large room is), so a shard of any size
     * still spreads across instances.
     *
     * @throws IllegalArgumentException when the shard is outside 0 .. allShards-1 (a chunk from
     *     another deployment's configuration)
     */
    public FanOutResult deliverShard(ShardChunk chunk) {
        if (chunk.shard() < 0 || chunk.shard() >= config.allShards()) {
            throw new IllegalArgumentException("shard " + chunk.shard() + " is outside 0.." + (config.allShards() - 1)
                    + ": every function must have the same " + Config.ALL_SHARDS);
        }
        byte[] frame = chunk.frame().getBytes(StandardCharsets.UTF_8);
        AtomicReference<FanOutResult> total = new AtomicReference<>(FanOutResult.NONE);
        AtomicBoolean firstPage = new AtomicBoolean(true);
        InboxItem inbox = null;
        if (Boolean.TRUE.equals(chunk.inbox())) {
            ServerFrame.Notification n = Json.GSON.fromJson(chunk.frame(), ServerFrame.Notification.class);
            inbox = InboxItem.notification(n.id(), n.title(), n.body(), n.ts());
        }
        InboxItem toStore = inbox;
        java.util.Set<String> stored = new java.util.HashSet<>();
        store.forEachConnectionInShard(chunk.shard(), config.fanoutChunkSize(), page -> {
            if (toStore != null) {
                storeInInboxes(page, toStore, stored);
            }
            if (!firstPage.getAndSet(false) && chunks.isPresent()) {
                chunks.get().publish(ChunkPublisher.chunkOf(page, chunk.frame()));
                metrics.count(Metric.CHUNKS_PUBLISHED);
            } else {
                total.set(total.get().plus(fanOut.deliver(page, frame, deadline.get())));
            }
        });
        return total.get();
    }

    /**
     * Answers one connection. A frame over {@link ServerFrame#MAX_BYTES} would be refused by
     * {@code @connections} (413) and the client would wait for nothing: it gets an error frame instead.
     */
    private void reply(String connectionId, ServerFrame frame) {
        frame = answer(frame);
        byte[] bytes = bytes(frame);
        if (bytes.length > ServerFrame.MAX_BYTES) {
            LOG.error(
                    "a {} frame of {} bytes for {} is over the {} byte message limit: sent an error frame instead",
                    frame.type(),
                    bytes.length,
                    connectionId,
                    ServerFrame.MAX_BYTES);
            bytes = bytes(answer(new ServerFrame.Error(
                    ErrorCode.TOO_LARGE,
                    "the answer (" + frame.type() + ", " + bytes.length
                            + " bytes) is over API Gateway's 128 KB message limit: ask for less",
                    null)));
        }
        fanOut.deliver(List.of(new Member(connectionId, null)), bytes, deadline.get());
    }

    /** The {@code requestId} of the request this thread answers, or null. */
    private String requestId() {
        RequestParser.Parsed parsed = answering.get();
        return parsed == null ? null : parsed.requestId();
    }

    /**
     * {@code frame} as the answer to the request this thread serves: an {@link ServerFrame.Answer} echoes
     * its {@code requestId}, an error also its {@code clientMsgId}. Other frames, and every frame outside
     * a request, unchanged. Only for frames to the requesting connection: fan-out copies never carry them.
     */
    private ServerFrame answer(ServerFrame frame) {
        RequestParser.Parsed parsed = answering.get();
        if (parsed == null) {
            return frame; // not parsed: a parse error carries what could be read of the frame already
        }
        if (frame instanceof ServerFrame.Error error) {
            return error.correlated(parsed.requestId(), parsed.request().clientMsgId());
        }
        if (frame instanceof ServerFrame.Answer answer && parsed.requestId() != null) {
            return answer.withRequestId(parsed.requestId());
        }
        return frame;
    }

    /**
     * Refuses, before anything is stored, a text whose frames would not fit {@link ServerFrame#MAX_BYTES}:
     * only possible when {@code SWITCHBOARD_MAX_TEXT_LENGTH} is set far above its default.
     */
    private static void requireFits(ServerFrame frame, String action) {
        int size = bytes(frame).length;
        if (size > ServerFrame.MAX_BYTES) {
            throw new ProtocolException(
                    ErrorCode.TOO_LARGE,
                    "field 'text' makes a frame of " + size + " bytes; at most " + ServerFrame.MAX_BYTES
                            + " fit API Gateway's message limit: send a shorter text",
                    action);
        }
    }

    private static byte[] bytes(ServerFrame frame) {
        return Json.bytes(frame);
    }
}
