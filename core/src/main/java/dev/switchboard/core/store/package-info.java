/** The storage port and its value types; the DynamoDB adapter is in {@code dev.switchboard.core.aws}. */
package dev.switchboard.core.store;
