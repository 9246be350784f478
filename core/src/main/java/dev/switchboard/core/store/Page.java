package dev.switchboard.core.store;

import java.util.List;

/** One page of a query; {@code next} continues it, null when this is the last page. */
public record Page<T>(List<T> items, String next) {

    public boolean more() {
        return next != null;
    }
}
