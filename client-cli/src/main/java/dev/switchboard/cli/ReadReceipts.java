package dev.switchboard.cli;

import dev.switchboard.protocol.Request;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Sends read receipts for what the chat shows, as docs/PROTOCOL.md ("Read receipts") asks: not one per
 * message but the newest message shown in a room, once the messages of a moment (a burst, a history page)
 * are on screen. The first message shown in a room plans a flush ({@code later}, about a second later);
 * messages shown until then only move the position; a position sent already, or an older one, is not sent
 * again (receipts only move forward).
 */
final class ReadReceipts {

    private final Consumer<Runnable> later;
    private final Map<String, String> pending = new HashMap<>();
    private final Map<String, String> sent = new HashMap<>();
    private volatile Consumer<Request.Read> send;

    /** @param later runs a flush a little later (the chat: after a second, on a timer thread) */
    ReadReceipts(Consumer<Runnable> later) {
        this.later = later;
    }

    /**
     * Where receipts go once there is a session; sends at once what was shown before it (a message that
     * arrived while the chat still waited for its joins' history), which no later flush would send if no
     * other message followed.
     */
    void sendTo(Consumer<Request.Read> send) {
        this.send = send;
        java.util.List<String> waiting;
        synchronized (this) {
            waiting = java.util.List.copyOf(pending.keySet());
        }
        waiting.forEach(this::flush);
    }

    /** A message of someone else, {@code id}, is on screen in {@code room}. */
    void shown(String room, String id) {
        boolean plan;
        synchronized (this) {
            String last = sent.get(room);
            if (last != null && id.compareTo(last) <= 0) {
                return;
            }
            String current = pending.get(room);
            plan = current == null;
            if (current == null || id.compareTo(current) > 0) {
                pending.put(room, id);
            }
        }
        if (plan) {
            later.accept(() -> flush(room));
        }
    }

    /** Sends the room's newest position shown, if it was not sent yet. */
    void flush(String room) {
        Consumer<Request.Read> to = send;
        String id;
        synchronized (this) {
            if (to == null) {
                return; // no session yet: kept for sendTo
            }
            id = pending.remove(room);
            if (id == null) {
                return;
            }
            sent.put(room, id);
        }
        try {
            to.accept(new Request.Read(room, id));
        } catch (RuntimeException e) {
            // reconnecting: the next message shown sends a newer position
        }
    }
}
