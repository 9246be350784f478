package dev.switchboard.core;

import java.util.Locale;

/**
 * Who may send a {@code direct} message to whom ({@code SWITCHBOARD_DIRECT_POLICY}, template
 * parameter {@code DirectPolicy}).
 */
public enum DirectPolicy {
    /**
     * Anyone to anyone. The answer never says whether the target is online: the sender gets the
     * same {@code ack} whether the message reached one connection, several or none.
     */
    ANY,
    /**
     * Only to a user one of whose connections is in a room the sender's connection is in. The
     * answer ({@code ack} or {@code forbidden}) tells the sender whether the target is online in a
     * shared room: acceptable when room members see each other's presence anyway.
     */
    SHARED_ROOM,
    /** No direct messages: every {@code direct} gets {@code forbidden}. */
    OFF;

    /** The configuration value: {@code any}, {@code shared-room} or {@code off}. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * @param value {@code any}, {@code shared-room} or {@code off} (any case)
     * @throws IllegalArgumentException naming the allowed values otherwise
     */
    public static DirectPolicy parse(String value) {
        for (DirectPolicy policy : values()) {
            if (policy.wire().equalsIgnoreCase(value.trim())) {
                return policy;
            }
        }
        throw new IllegalArgumentException("'" + value + "' is not a direct policy: use any, shared-room or off");
    }
}
