package dev.switchboard.core.auth;

/** Who a connection belongs to, as established at {@code $connect}. */
public record Identity(String user, boolean admin) {
}
