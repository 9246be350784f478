package dev.switchboard.cli;

import dev.switchboard.protocol.Request;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a chat session sent, by the {@code requestId} it sent it with ({@code r-1}, {@code r-2}, ...), so
 * that an answer or an {@code error} is matched to its own request, whatever else is in flight
 * (docs/PROTOCOL.md, "Matching answers to requests"): API Gateway handles a connection's frames
 * concurrently, so answers come in any order, and matching them by type or room gave a refusal of one
 * {@code /who} (or {@code /inbox}, or {@code join}) to whichever request of that kind was sent first.
 * Only the {@value #KEPT} most recent are kept: {@code typing} and {@code read} are answered only when
 * they fail, and an answer to a request older than that is shown without its name. Thread-safe.
 */
final class SentRequests {

    /** How many of the most recent requests are remembered. */
    static final int KEPT = 256;

    /**
     * One request sent.
     *
     * @param requestId the id it was sent with, which its answers and errors echo
     * @param request   what was sent
     * @param what      how the chat names it to the user ({@code /who lobby}, {@code joining ops})
     */
    record Sent(String requestId, Request request, String what) {}

    private final Map<String, Sent> sent = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Sent> eldest) {
            return size() > KEPT;
        }
    };

    private long count;

    /**
     * Remembers a request about to be sent: call before sending it, so its answer always finds it.
     *
     * @return the request, whose {@code requestId} goes out with it
     */
    synchronized Sent add(Request request) {
        Sent next = new Sent("r-" + ++count, request, describe(request));
        sent.put(next.requestId(), next);
        return next;
    }

    /**
     * Remembers a request sent with an id chosen elsewhere ({@link HistoryRequests}), so its errors are named too.
     */
    synchronized void add(String requestId, Request request, String what) {
        sent.put(requestId, new Sent(requestId, request, what));
    }

    /**
     * The request a frame's {@code requestId} names.
     *
     * @param requestId the frame's {@code requestId}; null when it has none (a server that does not echo it,
     *                  or a frame not caused by a request of this session)
     * @return the request, or null when {@code requestId} is null or not one of the {@value #KEPT} most recent
     */
    synchronized Sent get(String requestId) {
        return requestId == null ? null : sent.get(requestId);
    }

    /** How the chat names a request in an error line: the user's command where there is one. */
    static String describe(Request request) {
        // Java 17 (the CLI's release): no patterns in switch
        if (request instanceof Request.Join r) {
            return "joining " + r.room();
        } else if (request instanceof Request.Leave r) {
            return "/leave " + r.room();
        } else if (request instanceof Request.Send r) {
            return "message to " + r.room();
        } else if (request instanceof Request.Direct r) {
            return "/dm " + r.to();
        } else if (request instanceof Request.History r) {
            return "/history " + r.room();
        } else if (request instanceof Request.Who r) {
            return "/who " + r.room();
        } else if (request instanceof Request.Typing r) {
            return "typing in " + r.room();
        } else if (request instanceof Request.Read r) {
            return "read receipt in " + r.room();
        } else if (request instanceof Request.Edit r) {
            return "/edit in " + r.room();
        } else if (request instanceof Request.Delete r) {
            return "/delete in " + r.room();
        } else if (request instanceof Request.Inbox r) {
            return "/inbox " + r.limit();
        } else if (request instanceof Request.Mark r) {
            return "marking " + r.ids().size() + " inbox items " + r.state().wire();
        } else if (request instanceof Request.Refresh) {
            return "token refresh";
        } else if (request instanceof Request.Badge) {
            return "inbox badge";
        }
        return request.action(); // ping, broadcast: the chat sends neither
    }
}
