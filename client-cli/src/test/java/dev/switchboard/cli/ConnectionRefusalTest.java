package dev.switchboard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the CLI says when the handshake is refused with 401, against a loopback HTTP server that
 * refuses every upgrade (as the local cloud and API Gateway do when {@code $connect} answers 401):
 * the hint follows what was sent, so a user who passed {@code --user} is not told to pass it.
 */
class ConnectionRefusalTest {

    HttpServer server;
    String url;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(401, -1);
            exchange.close();
        });
        server.start();
        url = "ws://127.0.0.1:" + server.getAddress().getPort() + "/local";
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    String refusal(String user, String token) throws CliException {
        URI endpoint = Connection.endpoint(url, user, token);
        CliException refused = catchThrowableOfType(CliException.class, () -> new Connection().open(endpoint));
        assertThat(refused.exitCode).isEqualTo(ExitCode.REJECTED);
        return refused.getMessage();
    }

    @Test
    void open_withUser_whenTheServerHasNoDevAuth_saysToPassAToken_notToPassUser() throws Exception {
        assertThat(refusal("bob", null))
                .contains("HTTP 401")
                .contains("does not accept --user")
                .contains("pass --token JWT")
                .doesNotContain("--user NAME");
    }

    @Test
    void open_withToken_saysTheTokenWasRefused() throws Exception {
        assertThat(refusal(null, "not-a-jwt")).contains("refused the token").doesNotContain("pass --token");
    }
}
