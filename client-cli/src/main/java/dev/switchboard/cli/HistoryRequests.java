package dev.switchboard.cli;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The {@code history} requests a chat session has in flight, each sent with a {@code requestId} of its
 * own, so that a page, or an error, is matched to the request it answers (docs/PROTOCOL.md, "Matching
 * answers to requests"). Two requests for one room — a rejoin's {@code after=<last id>} and the user's
 * {@code /history} — can be answered in either order; by room alone the user's page could be taken
 * for the join's and not shown whole. A page without a {@code requestId} (from a server that does not
 * echo it) is matched by room, to the oldest request for it, as before. Thread-safe.
 */
final class HistoryRequests {

    /** Why a page was asked for, which says what the session does with it. */
    enum Purpose {
        /** Asked for once a join was confirmed: messages already shown are dropped; it completes the join. */
        JOIN,
        /** The user's {@code /history}: shown whole, messages already on screen included. */
        USER,
        /** The rest of a page that was cut, or of a resume: messages already shown are dropped. */
        MORE
    }

    /**
     * One request in flight.
     *
     * @param requestId the id sent with it, which its page or error echoes
     * @param joined    for {@link Purpose#JOIN}, the join that completes with this page (or its error); else null
     */
    record Pending(String requestId, String room, Purpose purpose, CompletableFuture<Void> joined) {}

    private final Map<String, Pending> inFlight = new LinkedHashMap<>();
    private long sent;

    /**
     * A new request, in flight from now on: register it before sending it, so its answer always finds it.
     *
     * @param joined the join waiting for this page ({@link Purpose#JOIN}), or null
     * @return the request, whose {@code requestId} goes out with it ({@code h-1}, {@code h-2}, ...)
     */
    synchronized Pending add(String room, Purpose purpose, CompletableFuture<Void> joined) {
        Pending pending = new Pending("h-" + ++sent, room, purpose, joined);
        inFlight.put(pending.requestId(), pending);
        return pending;
    }

    /**
     * The request a {@code history} page answers, no longer in flight.
     *
     * @param requestId the page's {@code requestId}, or null when it has none (then: the oldest request
     *                  for {@code room})
     * @return the request, or null when none in flight matches (a page of a previous connection)
     */
    synchronized Pending answered(String requestId, String room) {
        if (requestId != null) {
            return inFlight.remove(requestId);
        }
        for (Iterator<Pending> it = inFlight.values().iterator(); it.hasNext(); ) {
            Pending pending = it.next();
            if (pending.room().equals(room)) {
                it.remove();
                return pending;
            }
        }
        return null;
    }

    /**
     * The request an {@code error} frame refuses, no longer in flight.
     *
     * @param requestId the error's {@code requestId}, or null
     * @return the request, or null when the error is not for one of these (another action, or no requestId)
     */
    synchronized Pending refused(String requestId) {
        return requestId == null ? null : inFlight.remove(requestId);
    }

    /** Forgets every request (the connection they were sent on is gone: no answer will come); returns them. */
    synchronized List<Pending> clear() {
        List<Pending> forgotten = new ArrayList<>(inFlight.values());
        inFlight.clear();
        return forgotten;
    }
}
