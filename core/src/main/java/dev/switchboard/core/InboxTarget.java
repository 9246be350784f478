package dev.switchboard.core;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The notification targets whose notifications are also stored in inboxes
 * ({@code SWITCHBOARD_INBOX_NOTIFICATIONS}, template parameter {@code InboxNotifications}; docs/PROTOCOL.md,
 * "Inbox"). Direct messages are always stored.
 */
public enum InboxTarget {
    /** {@code target.user}: the user's inbox, whether they are connected or not (the default). */
    USER,
    /**
     * {@code target.room}: the inbox of each user with a connection in the room when it is delivered. Room
     * membership lives with connections (a closed connection leaves its rooms), so a user with no connection
     * in the room then is not reached. One inbox write per user (4 write units), by the invocation reading the
     * room's members.
     */
    ROOM,
    /**
     * {@code target.all}: the inbox of each user with a live connection when it is delivered. Switchboard keeps
     * no list of every user (users live in the identity provider): to reach the inboxes of users who are
     * offline, publish one {@code target.user} notification per user.
     */
    ALL;

    /** The configuration value: {@code user}, {@code room} or {@code all}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * @param value targets separated by {@code ,} (any case, spaces ignored), such as {@code user,room}
     * @return the set named; {@code none} alone (or nothing) is the empty set
     * @throws IllegalArgumentException naming the allowed values when one is not a target
     */
    public static Set<InboxTarget> parseList(String value) {
        Set<InboxTarget> targets = EnumSet.noneOf(InboxTarget.class);
        for (String part : value.split(",")) {
            String name = part.trim();
            if (name.isEmpty() || name.equalsIgnoreCase("none")) {
                continue;
            }
            InboxTarget found = null;
            for (InboxTarget target : values()) {
                if (target.wire().equalsIgnoreCase(name)) {
                    found = target;
                }
            }
            if (found == null) {
                throw new IllegalArgumentException("'" + name + "' is not a notification target: list user, room "
                        + "and/or all separated by ',' (e.g. user,room), or none");
            }
            targets.add(found);
        }
        return targets;
    }
}
