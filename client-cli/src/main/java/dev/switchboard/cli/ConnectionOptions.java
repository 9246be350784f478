package dev.switchboard.cli;

import java.net.URI;

import picocli.CommandLine.Option;

/** Where to connect and as whom: a picocli mixin shared by chat, send and listen. */
final class ConnectionOptions {

    @Option(names = "--url", defaultValue = "${env:SWITCHBOARD_URL}", required = true,
            description = "WebSocket URL (env SWITCHBOARD_URL), e.g. ws://localhost:8080/local or wss://API_ID.execute-api.REGION.amazonaws.com/prod")
    String url;

    @Option(names = "--user", description = "User name, for servers with dev auth (?user=NAME).")
    String user;

    @Option(names = "--token", defaultValue = "${env:SWITCHBOARD_TOKEN}", description = "JWT (env SWITCHBOARD_TOKEN), sent as ?token=.")
    String token;

    URI endpoint() throws CliException {
        return Connection.endpoint(url, user, token);
    }
}
