package dev.switchboard.local;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.util.IteratingCallback;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection of the {@link Gateway}: its identity, its socket, its outbound buffer and
 * how its frames are dispatched.
 *
 * <p>Outbound: every message to the client (from {@code @connections} or API Gateway's own error
 * frames) goes through one bounded buffer and is written in frames of at most {@link #FRAGMENT}
 * bytes, as API Gateway splits a message of up to 128 KB into frames of at most 32 KB (WebSocket
 * quotas page, footnote to "Message payload size"). A full buffer refuses the message at once
 * ({@link Offer#FULL}, a 429 on {@code @connections}) instead of waiting for a client that does
 * not read.
 *
 * <p>Inbound: frames are dispatched concurrently, as API Gateway invokes the integration for each
 * message independently (no ordering), unless {@code serial} asks for arrival order (debugging).
 * At most {@link #MAX_IN_FLIGHT} frames of one connection are handled at once; beyond that the
 * gateway stops reading the socket (TCP backpressure) until one finishes, so a fast writer cannot
 * grow the heap without limit.
 */
final class GatewayConnection {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard.gateway");
    /**
     * Bytes of UTF-8 per outgoing frame: under API Gateway's 32 KB frame quota with room for the
     * few bytes permessage-deflate may add to an incompressible fragment (Jetty fails a deflated
     * frame that fills its 32 KB buffer).
     */
    static final int FRAGMENT = 32 * 1024 - 1024;
    /** Bytes accepted for the client and not yet written to its socket before {@link Offer#FULL}. */
    static final int OUTBOUND_LIMIT = 1024 * 1024;
    /** Frames of one connection handled at once before the gateway stops reading its socket. */
    static final int MAX_IN_FLIGHT = 32;

    /** What became of a message offered to the client. */
    enum Offer {
        /** Buffered; it is written in order after the messages before it. */
        ACCEPTED,
        /** The outbound buffer is full: the client is not reading fast enough (API Gateway: 429). */
        FULL,
        /** The socket is closed or broken (API Gateway: 410). */
        CLOSED
    }

    final String id;
    /** Epoch milliseconds. */
    final long connectedAt;

    final String sourceIp;
    /** Null when the client sent none. */
    final String userAgent;

    final AtomicBoolean disconnected = new AtomicBoolean();
    /** Epoch milliseconds of the last frame received, for {@code GET @connections}. */
    volatile long lastActiveAt;

    volatile Session session;
    volatile ScheduledFuture<?> maxAgeTask;
    private final Executor dispatch;
    private final boolean serial;
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    private int inFlight;
    private boolean demandHeld;
    private final ArrayDeque<Pending> outbound = new ArrayDeque<>();
    private long outboundBytes;
    private final Flusher flusher = new Flusher();

    private record Pending(String text, int bytes) {}

    /**
     * @param dispatch runs the route invocations
     * @param serial handle this connection's frames one at a time, in arrival order (debugging only:
     *     API Gateway gives no such order)
     */
    GatewayConnection(
            String id, long connectedAt, String sourceIp, String userAgent, Executor dispatch, boolean serial) {
        this.id = id;
        this.connectedAt = connectedAt;
        this.lastActiveAt = connectedAt;
        this.sourceIp = sourceIp;
        this.userAgent = userAgent;
        this.dispatch = dispatch;
        this.serial = serial;
    }

    // ------------------------------------------------------------------ inbound

    /**
     * Runs the handling of one received frame off Jetty's threads, then asks the socket for the next
     * frame unless {@link #MAX_IN_FLIGHT} are being handled (then the last one to finish asks).
     */
    void dispatchFrame(Runnable task) {
        boolean demandNow;
        synchronized (this) {
            inFlight++;
            demandNow = inFlight < MAX_IN_FLIGHT;
            demandHeld = !demandNow;
        }
        Runnable frame = () -> {
            try {
                task.run();
            } finally {
                frameDone();
            }
        };
        if (serial) {
            enqueue(frame);
        } else {
            dispatch.execute(() -> guarded(frame));
        }
        if (demandNow) {
            demand();
        }
    }

    private void frameDone() {
        boolean demandNow;
        synchronized (this) {
            inFlight--;
            demandNow = demandHeld;
            demandHeld = false;
        }
        if (demandNow) {
            demand();
        }
    }

    /** Asks Jetty for the next frame of this socket. */
    void demand() {
        Session s = session;
        if (s != null && s.isOpen()) {
            s.demand();
        }
    }

    /** Runs a task after every task enqueued before it on this connection ({@code $disconnect}, serial frames). */
    synchronized CompletableFuture<Void> enqueue(Runnable task) {
        tail = tail.thenRunAsync(() -> guarded(task), dispatch);
        return tail;
    }

    private void guarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            LOG.error("event of connection {} failed", id, e);
        }
    }

    // ------------------------------------------------------------------ outbound

    /** True while the socket is open. */
    boolean isOpen() {
        Session s = session;
        return s != null && s.isOpen();
    }

    /**
     * Buffers one text message for the client; it is written after the ones before it.
     *
     * @param text the message, at most 128 KB of UTF-8 (the caller enforces the quota)
     * @param bytes its UTF-8 length
     * @return at once: accepted, buffer full, or socket closed
     */
    Offer offer(String text, int bytes) {
        synchronized (this) {
            if (!isOpen() || flusher.isFailed()) {
                return Offer.CLOSED;
            }
            if (outboundBytes + bytes > OUTBOUND_LIMIT) {
                return Offer.FULL;
            }
            outbound.add(new Pending(text, bytes));
            outboundBytes += bytes;
        }
        flusher.iterate();
        return Offer.ACCEPTED;
    }

    /** Sends API Gateway's own frame to the client, best effort (dropped when the buffer is full). */
    void send(String text) {
        Offer offer = offer(text, utf8Length(text));
        if (offer == Offer.FULL) {
            LOG.info("connection {}: outbound buffer full, gateway frame dropped", id);
        }
    }

    /** Bytes currently buffered for the client and not yet written. */
    synchronized long outboundBytes() {
        return outboundBytes;
    }

    /** Starts the close handshake with this status code and reason. */
    void close(int status, String reason) {
        Session s = session;
        if (s != null) {
            s.close(status, reason, Callback.NOOP);
        }
    }

    /**
     * Writes the buffered messages one frame at a time; a message over {@link #FRAGMENT} bytes goes
     * as a text frame and continuation frames. Jetty's IteratingCallback keeps writes that complete
     * at once from recursing.
     */
    private final class Flusher extends IteratingCallback {
        private Pending current;
        private int offset;
        private boolean lastScheduled;

        @Override
        protected Action process() {
            if (current != null && lastScheduled) {
                synchronized (GatewayConnection.this) {
                    outbound.poll();
                    outboundBytes -= current.bytes();
                }
                current = null;
            }
            if (current == null) {
                synchronized (GatewayConnection.this) {
                    current = outbound.peek();
                }
                if (current == null) {
                    return Action.IDLE;
                }
                offset = 0;
                lastScheduled = false;
            }
            Session s = session;
            if (s == null) {
                throw new IllegalStateException("connection " + id + " has no socket");
            }
            String text = current.text();
            Callback written = Callback.from(this::succeeded, this::failed);
            if (offset == 0 && current.bytes() <= FRAGMENT) {
                lastScheduled = true;
                s.sendText(text, written);
            } else {
                int end = fragmentEnd(text, offset, FRAGMENT);
                String part = text.substring(offset, end);
                offset = end;
                lastScheduled = end == text.length();
                s.sendPartialText(part, lastScheduled, written);
            }
            return Action.SCHEDULED;
        }

        @Override
        protected void onCompleteFailure(Throwable cause) {
            int dropped;
            synchronized (GatewayConnection.this) {
                dropped = outbound.size();
                outbound.clear();
                outboundBytes = 0;
            }
            LOG.info("connection {}: write failed ({}), {} buffered messages dropped", id, cause.toString(), dropped);
            GatewayConnection.this.close(
                    1011, "Internal server error"); // a socket that cannot be written to is not live
        }
    }

    /**
     * The end (exclusive char index) of the longest run from {@code from} whose UTF-8 encoding fits
     * in {@code maxBytes}, never splitting a surrogate pair.
     */
    static int fragmentEnd(String text, int from, int maxBytes) {
        int bytes = 0;
        int i = from;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
            if (bytes + len > maxBytes) {
                break;
            }
            bytes += len;
            i += Character.charCount(cp);
        }
        return i;
    }

    /** UTF-8 length in bytes; an unpaired surrogate counts 3 (an upper bound). */
    static int utf8Length(String text) {
        int bytes = 0;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (ch < 0x80) {
                bytes++;
            } else if (ch < 0x800) {
                bytes += 2;
            } else if (Character.isHighSurrogate(ch)
                    && i + 1 < text.length()
                    && Character.isLowSurrogate(text.charAt(i + 1))) {
                bytes += 4;
                i++;
            } else {
                bytes += 3;
            }
        }
        return bytes;
    }
}
