package dev.switchboard.cli;

import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jline.reader.LineReader;
import org.jline.reader.Widget;

/**
 * Tells the current room that the user is typing, as docs/PROTOCOL.md ("Typing") asks of clients: on key
 * input, at most one {@code typing} per room every {@link #WINDOW_MILLIS} (the server announces at most
 * one per window anyway, so more would only cost requests against the rate limit). Nothing is sent while
 * the line is a command ({@code /...}) or before the session can send.
 */
final class TypingSignal {

    /** The server's coalescing window (SWITCHBOARD_PRESENCE_WINDOW_MS, 3 s by default), in milliseconds. */
    static final long WINDOW_MILLIS = 3000;

    private final LongSupplier clock;
    private volatile Consumer<String> send;
    private String lastRoom;
    private long lastAtMillis;

    /** @param clock milliseconds, such as {@code System::currentTimeMillis} */
    TypingSignal(LongSupplier clock) {
        this.clock = clock;
    }

    /** Where typing goes once there is a session: called with the room's name. */
    void sendTo(Consumer<String> send) {
        this.send = send;
    }

    /**
     * A key was typed into {@code line} while {@code room} (null: none) is the current room.
     *
     * @return true when a {@code typing} was sent for it
     */
    synchronized boolean keyTyped(String room, CharSequence line) {
        Consumer<String> to = send;
        if (to == null || room == null || (line.length() > 0 && line.charAt(0) == '/')) {
            return false;
        }
        long now = clock.getAsLong();
        if (room.equals(lastRoom) && now - lastAtMillis < WINDOW_MILLIS) {
            return false;
        }
        lastRoom = room;
        lastAtMillis = now;
        to.accept(room);
        return true;
    }

    /**
     * Wraps {@code reader}'s self-insert widget (every printable key) so that each key also reaches
     * {@link #keyTyped}, with the line as it is after the key. JLine looks widgets up by name when a key
     * is bound to one, as its own auto-suggestion widgets rely on.
     */
    void install(LineReader reader, Supplier<String> currentRoom) {
        Widget selfInsert = reader.getWidgets().get(LineReader.SELF_INSERT);
        reader.getWidgets().put(LineReader.SELF_INSERT, () -> {
            boolean done = selfInsert.apply();
            try {
                keyTyped(currentRoom.get(), reader.getBuffer().toString());
            } catch (RuntimeException e) {
                // the socket is reconnecting: a lost typing signal is harmless, the key is not
            }
            return done;
        });
    }
}
