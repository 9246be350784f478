package dev.switchboard.cli;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Option;

/** Where to connect and as whom: a picocli mixin shared by chat, send and listen. */
final class ConnectionOptions {

    @Option(
            names = "--url",
            defaultValue = "${env:SWITCHBOARD_URL}",
            required = true,
            // one line each: picocli wraps a long line at '/' and '.', splitting the URLs (at 80 columns)
            description = {
                "WebSocket URL (env SWITCHBOARD_URL), e.g.",
                "ws://localhost:8080/local or",
                "wss://API_ID.execute-api.REGION.amazonaws.com/prod"
            })
    String url;

    @Option(names = "--user", description = "User name, for servers with dev auth (?user=NAME).")
    String user;

    @Option(
            names = "--token",
            defaultValue = "${env:SWITCHBOARD_TOKEN}",
            description = "JWT (env SWITCHBOARD_TOKEN), sent as ?token=.")
    String token;

    @Option(
            names = "--token-file",
            paramLabel = "PATH",
            description = "Read the JWT from this file, again at every reconnect and before the token expires: "
                    + "replace the file's content with a fresh token and the connection refreshes itself.")
    Path tokenFile;

    @Option(
            names = "--token-command",
            paramLabel = "CMD",
            description = "Run CMD (with sh -c) for a JWT on its standard output, again at every reconnect and "
                    + "before the token expires (e.g. a script that asks your identity provider).")
    String tokenCommand;

    /** True when the token can be read again: the session then refreshes it before it expires. */
    boolean renewable() {
        return tokenFile != null || tokenCommand != null;
    }

    /** The current token: from the file or command when given (read now), else {@code --token}. */
    String currentToken() throws CliException {
        if (tokenFile != null) {
            try {
                return Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw new CliException(ExitCode.USAGE, "cannot read --token-file " + tokenFile + ": " + e.getMessage());
            }
        }
        if (tokenCommand != null) {
            return runTokenCommand();
        }
        return token;
    }

    private String runTokenCommand() throws CliException {
        try {
            Process process = new ProcessBuilder("sh", "-c", tokenCommand)
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
                process.destroyForcibly();
                throw new CliException(
                        ExitCode.REJECTED,
                        "--token-command failed (exit " + (process.isAlive() ? "timeout" : process.exitValue())
                                + "): fix the command so it prints a JWT");
            }
            return new String(out, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new CliException(ExitCode.USAGE, "cannot run --token-command: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.UNREACHABLE, "interrupted while running --token-command");
        }
    }

    /** The URL with the current credential; reads the token file or command again. */
    URI endpoint() throws CliException {
        return Connection.endpoint(url, user, currentToken());
    }
}
