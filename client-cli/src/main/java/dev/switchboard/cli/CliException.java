package dev.switchboard.cli;

/** A failure the user can act on: the message says what happened and what to do. */
final class CliException extends Exception {

    final int exitCode;

    CliException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }
}
