package dev.switchboard.core.auth;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.switchboard.protocol.Names;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rooms a connection may use and what it may do there, from the token's rooms claim:
 * <pre>{"team-*":["join","send","history"],"announcements":["join","history"]}</pre>
 * Each key is a room pattern: an exact room name, or a prefix followed by one {@code *} at the end
 * ({@code team-*} matches {@code team-a} and {@code team-}; {@code *} alone matches every room).
 * No other wildcard and no regular expressions, so a pattern never matches more than it reads as
 * (as Ably capabilities, whose resource names take a trailing {@code *} too). Permissions of every
 * matching pattern add up. The value of each key is a list of {@link Permission} names.
 *
 * <p>Immutable; equal grants have equal {@link #toJson()} (patterns keep the claim's order).
 */
public final class RoomGrants {

    /** A claim may name at most this many patterns: it is stored on the connection's item. */
    public static final int MAX_PATTERNS = 100;

    /** Every permission in every room: dev mode, and old connections in tests. */
    public static final RoomGrants ALL = new RoomGrants(Map.of("*", EnumSet.allOf(Permission.class)));
    /** No room beyond the public ones: a token without a rooms claim. */
    public static final RoomGrants NONE = new RoomGrants(Map.of());

    private final Map<String, Set<Permission>> patterns;

    private RoomGrants(Map<String, Set<Permission>> patterns) {
        Map<String, Set<Permission>> copy = new LinkedHashMap<>();
        patterns.forEach((pattern, permissions) -> copy.put(pattern, Set.copyOf(permissions)));
        this.patterns = java.util.Collections.unmodifiableMap(copy);
    }

    /** Pattern to permissions, in the claim's order. */
    public Map<String, Set<Permission>> patterns() {
        return patterns;
    }

    /** True when some pattern matching {@code room} grants {@code permission}. */
    public boolean allows(String room, Permission permission) {
        for (Map.Entry<String, Set<Permission>> entry : patterns.entrySet()) {
            if (entry.getValue().contains(permission) && matches(entry.getKey(), room)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code pattern} (an exact name, or a prefix ending in one {@code *}) matches
     * {@code room}. A {@code *} anywhere but at the end is an ordinary character here; such patterns
     * are refused by {@link #isValidPattern} before they get this far.
     */
    public static boolean matches(String pattern, String room) {
        if (pattern.endsWith("*")) {
            return room.startsWith(pattern.substring(0, pattern.length() - 1));
        }
        return pattern.equals(room);
    }

    /** A room name ({@link Names}) or such a name's prefix (possibly empty) followed by one {@code *}. */
    public static boolean isValidPattern(String pattern) {
        if (pattern == null) {
            return false;
        }
        if (pattern.endsWith("*")) {
            String prefix = pattern.substring(0, pattern.length() - 1);
            return prefix.isEmpty() || (Names.isValid(prefix) && prefix.length() < Names.MAX_LENGTH);
        }
        return Names.isValid(pattern);
    }

    /** The patterns described for error messages. */
    public static String describePattern() {
        return "a room name (" + Names.describe() + ") or a prefix of one followed by '*'";
    }

    /**
     * Reads the claim as the JWT library returns it (a {@code Map} of pattern to a {@code List} of
     * strings) or as gson parses it from storage.
     *
     * @param claim the claim's value; null means the token has no rooms claim: {@link #NONE}
     * @throws IllegalArgumentException naming what is wrong: not an object, a bad pattern, an unknown
     *     permission, more than {@link #MAX_PATTERNS} patterns
     */
    public static RoomGrants fromClaim(Object claim) {
        if (claim == null) {
            return NONE;
        }
        if (!(claim instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException("the rooms claim must be a JSON object of room pattern to a list of "
                    + "permissions, like {\"team-*\":[\"join\",\"send\",\"history\"]}");
        }
        if (map.size() > MAX_PATTERNS) {
            throw new IllegalArgumentException("the rooms claim names " + map.size() + " patterns; at most "
                    + MAX_PATTERNS + " are accepted: use prefix patterns ('team-*')");
        }
        Map<String, Set<Permission>> patterns = new LinkedHashMap<>();
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            String pattern = String.valueOf(entry.getKey());
            if (!isValidPattern(pattern)) {
                throw new IllegalArgumentException(
                        "rooms claim: '" + abbreviate(pattern) + "' is not " + describePattern());
            }
            if (!(entry.getValue() instanceof Collection<?> names)) {
                throw new IllegalArgumentException("rooms claim: the value of '" + pattern
                        + "' must be a list of permissions (join, send, history)");
            }
            Set<Permission> permissions = EnumSet.noneOf(Permission.class);
            for (Object name : names) {
                permissions.add(Permission.ofWire(String.valueOf(name))
                        .orElseThrow(
                                () -> new IllegalArgumentException("rooms claim: '" + abbreviate(String.valueOf(name))
                                        + "' in '" + pattern + "' is not a permission: use join, send or history")));
            }
            patterns.put(pattern, permissions);
        }
        return new RoomGrants(patterns);
    }

    /**
     * The compact form dev mode accepts in the URL ({@code ?user=bob&rooms=...}), since a dev user
     * has no token: entries separated by {@code ,}, each a pattern optionally followed by
     * {@code :permission} parts; a pattern alone grants all three. Example:
     * {@code team-*:join:send,announcements:join:history,lobby}.
     *
     * @throws IllegalArgumentException as {@link #fromClaim}
     */
    public static RoomGrants fromDevSpec(String spec) {
        Map<String, List<String>> claim = new LinkedHashMap<>();
        for (String entry : spec.split(",", -1)) {
            String[] parts = entry.trim().split(":", -1);
            List<String> permissions = new ArrayList<>();
            for (int i = 1; i < parts.length; i++) {
                permissions.add(parts[i]);
            }
            if (parts.length == 1) {
                EnumSet.allOf(Permission.class).forEach(p -> permissions.add(p.wire()));
            }
            claim.put(parts[0], permissions);
        }
        return fromClaim(claim);
    }

    /** The stored form: the claim's JSON. */
    public String toJson() {
        JsonObject object = new JsonObject();
        patterns.forEach((pattern, permissions) -> {
            JsonArray names = new JsonArray();
            for (Permission p : Permission.values()) {
                if (permissions.contains(p)) {
                    names.add(p.wire());
                }
            }
            object.add(pattern, names);
        });
        return object.toString();
    }

    /**
     * Reads what {@link #toJson()} wrote.
     *
     * @param json null (an item written before permissions existed) reads as {@link #NONE}
     * @throws IllegalArgumentException when it is not such JSON
     */
    public static RoomGrants fromJson(String json) {
        if (json == null) {
            return NONE;
        }
        try {
            JsonElement element = JsonParser.parseString(json);
            if (!element.isJsonObject()) {
                throw new IllegalArgumentException("stored rooms are not a JSON object");
            }
            Map<String, List<String>> claim = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> entry :
                    element.getAsJsonObject().entrySet()) {
                List<String> names = new ArrayList<>();
                entry.getValue().getAsJsonArray().forEach(e -> names.add(e.getAsString()));
                claim.put(entry.getKey(), names);
            }
            return fromClaim(claim);
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException e) {
            throw new IllegalArgumentException("stored rooms are not valid: " + e.getMessage(), e);
        }
    }

    private static String abbreviate(String value) {
        return value.length() <= 70 ? value : value.substring(0, 70) + "…";
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof RoomGrants grants && grants.patterns.equals(patterns);
    }

    @Override
    public int hashCode() {
        return patterns.hashCode();
    }

    @Override
    public String toString() {
        return toJson();
    }
}
