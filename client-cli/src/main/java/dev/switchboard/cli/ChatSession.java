package dev.switchboard.cli;

import java.net.URI;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * A connection that survives drops: on close it reconnects with exponential backoff and jitter,
 * rejoins its rooms and asks each for {@code history after=<last id seen>}, de-duplicating by id,
 * so every message is shown exactly once across reconnects.
 */
final class ChatSession implements AutoCloseable {

    private final URI endpoint;
    private final Consumer<JsonObject> onFrame;
    private final Consumer<String> onStatus;
    private final Set<String> rooms = new LinkedHashSet<>();
    private final Map<String, String> lastIdByRoom = new HashMap<>();
    private final Set<String> seen = new HashSet<>();
    /** Rooms whose next history page was asked for by the user: shown whole, even messages already on screen. */
    private final Set<String> historyAsked = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final boolean initialHistory;
    private volatile Connection connection;
    private volatile boolean closing;
    private Thread reader;

    ChatSession(URI endpoint, boolean initialHistory, Consumer<JsonObject> onFrame, Consumer<String> onStatus) {
        this.endpoint = endpoint;
        this.initialHistory = initialHistory;
        this.onFrame = onFrame;
        this.onStatus = onStatus;
    }

    /** Connects (failing with a clear error if the first attempt fails) and joins the rooms. */
    void start(List<String> initialRooms) throws CliException {
        connection = new Connection();
        connection.open(endpoint);
        reader = new Thread(this::read, "switchboard-reader");
        reader.setDaemon(true);
        reader.start();
        for (String room : initialRooms) {
            join(room);
        }
    }

    synchronized void join(String room) {
        rooms.add(room);
        connection.send("{\"action\":\"join\",\"room\":" + quote(room) + "}");
        if (initialHistory) {
            connection.send("{\"action\":\"history\",\"room\":" + quote(room) + ",\"limit\":20}");
        }
    }

    synchronized void leave(String room) {
        rooms.remove(room);
        connection.send("{\"action\":\"leave\",\"room\":" + quote(room) + "}");
    }

    synchronized Set<String> rooms() {
        return Set.copyOf(rooms);
    }

    /** {@code /history}: the newest {@code limit} messages of the room, printed even if already shown. */
    void history(String room, int limit) {
        historyAsked.add(room);
        connection.send("{\"action\":\"history\",\"room\":" + quote(room) + ",\"limit\":" + limit + "}");
    }

    void send(String json) {
        connection.send(json);
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
            deliver(frame, false);
        }
    }

    private void deliver(JsonObject frame, boolean again) {
        String type = frame.has("type") ? frame.get("type").getAsString() : "";
        if (type.equals("history")) {
            String room = frame.get("room").getAsString();
            boolean asked = historyAsked.remove(room);
            for (JsonElement element : frame.getAsJsonArray("messages")) {
                JsonObject message = element.getAsJsonObject();
                message.addProperty("type", "message");
                message.addProperty("room", room);
                deliver(message, asked);
            }
            if (frame.has("next")) {
                // the page was cut to fit 128 KB (or is one of several after a reconnect): fetch the rest
                connection.send("{\"action\":\"history\",\"room\":" + quote(room) + ",\"after\":"
                        + quote(frame.get("next").getAsString()) + ",\"limit\":100}");
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
            try {
                next.open(endpoint);
            } catch (CliException e) {
                why = "reconnect attempt " + (attempt + 1) + " failed: " + e.getMessage();
                continue;
            }
            synchronized (this) {
                connection = next;
                for (String room : rooms) {
                    next.send("{\"action\":\"join\",\"room\":" + quote(room) + "}");
                    String after = lastIdByRoom.get(room);
                    next.send("{\"action\":\"history\",\"room\":" + quote(room)
                            + (after == null ? "" : ",\"after\":" + quote(after)) + ",\"limit\":100}");
                }
            }
            onStatus.accept("reconnected");
            return;
        }
    }

    private static final com.google.gson.Gson GSON = new com.google.gson.Gson();

    static String quote(String value) {
        return GSON.toJson(value);
    }

    @Override
    public void close() {
        closing = true;
        if (connection != null) {
            connection.close();
        }
        if (reader != null) {
            reader.interrupt();
        }
    }
}
