package dev.switchboard.bench;

import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.net.URI;
import java.util.List;

/** What the load tool talks to: how to connect as client i, and what to send. */
public interface Target {

    String name();

    URI uri(String user);

    /** Frames a member sends once connected (joining the room). */
    List<String> memberSetup();

    /** Whether {@code frame} tells {@code user} its setup is done (it is in the room). */
    default boolean confirmsJoin(String frame, String user) {
        return false;
    }

    /** The frame the sender sends for message {@code tag} (the tag must appear verbatim in what members get). */
    String message(String tag);

    /** The bare broadcast server: connect and you are in; frames go out as they came in. */
    static Target ceiling(URI server) {
        return new Target() {
            public String name() {
                return "bare broadcast (ceiling)";
            }

            public URI uri(String user) {
                return server;
            }

            public List<String> memberSetup() {
                return List.of();
            }

            public String message(String tag) {
                return tag;
            }
        };
    }

    /** Switchboard through its WebSocket API: members join one room, the sender sends to it. */
    static Target switchboard(URI webSocketApi, String room) {
        return new Target() {
            public String name() {
                return "Switchboard local cloud";
            }

            public URI uri(String user) {
                String base = webSocketApi.toString();
                return URI.create(base + (base.contains("?") ? "&" : "?") + "user=" + user);
            }

            public List<String> memberSetup() {
                return List.of(Json.write(new Request.Join(room)));
            }

            public boolean confirmsJoin(String frame, String user) {
                return frame.contains("\"presence\"")
                        && frame.contains("\"event\":\"join\"")
                        && frame.contains("\"user\":\"" + user + "\"");
            }

            public String message(String tag) {
                return Json.write(new Request.Send(room, tag, tag));
            }
        };
    }
}
