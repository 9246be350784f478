/** The {@code switchboard} command-line client: chat, send, listen, notify. */
package dev.switchboard.cli;
