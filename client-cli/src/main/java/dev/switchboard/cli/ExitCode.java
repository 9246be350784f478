package dev.switchboard.cli;

/** Exit codes, documented in every command's --help. */
final class ExitCode {
    static final int OK = 0;
    static final int USAGE = 2;
    static final int UNREACHABLE = 3;
    static final int REJECTED = 4;
    static final int TIMEOUT = 5;
    static final int ERROR_FRAME = 6;

    static final String HELP = "%nExit codes: 0 ok, 2 usage error, 3 server unreachable (URL, network, TLS), "
            + "4 handshake rejected (401/403: user or token), 5 no answer in time, 6 the server answered with an error frame.";

    private ExitCode() {}
}
