package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** A template with neither $connect nor $default, and a short maximum connection age. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoutesOnlyTest {
    private LocalCloud cloud;

    @BeforeAll
    void start() throws Exception {
        cloud = LocalCloud.start(LocalCloudOptions.builder()
                .functionMode(LocalCloudOptions.FunctionMode.IN_PROCESS)
                .template(Path.of("src/test/resources/routes-only-template.yaml"))
                .maxConnectionAge(Duration.ofSeconds(3))
                .build());
        dev.switchboard.local.testhandlers.TestMessageHandler.managementEndpoint = cloud.connectionsEndpoint();
    }

    @AfterAll
    void stop() {
        cloud.close();
    }

    @Test
    void noConnectRoute_acceptsConnection_andRoutesByAction() throws Exception {
        WsClient client = WsClient.connect(cloud.webSocketUri());
        client.send("{\"action\":\"echo\"}");
        JsonObject echo = JsonParser.parseString(client.nextText()).getAsJsonObject();
        assertThat(echo.get("routeKey").getAsString()).isEqualTo("echo");
    }

    @Test
    void unknownActionWithoutDefault_getsForbidden_andSocketStaysOpen() throws Exception {
        WsClient client = WsClient.connect(cloud.webSocketUri());
        client.send("{\"action\":\"nope\"}");
        JsonObject forbidden = JsonParser.parseString(client.nextText()).getAsJsonObject();
        assertThat(forbidden.get("message").getAsString()).isEqualTo("Forbidden");
        assertThat(forbidden.get("connectionId").getAsString()).matches("[A-Za-z0-9_-]{15}=");
        assertThat(forbidden.get("requestId").getAsString()).isNotBlank();
        client.send("not json");
        assertThat(client.nextText()).contains("\"message\": \"Forbidden\"");
        client.send("{\"action\":\"echo\"}");
        assertThat(client.nextText()).contains("\"routeKey\":\"echo\"");
    }

    @Test
    void connection_isClosedAtMaximumAge() throws Exception {
        WsClient client = WsClient.connect(cloud.webSocketUri());
        assertThat(client.awaitClose()).isEqualTo(1001);
    }

    @Test
    void chatPage_isServedFromClasspathWeb_atRoot() throws Exception {
        var response = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(cloud.chatPageUri())
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("<html");
    }
}
