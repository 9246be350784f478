package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.switchboard.local.testhandlers.GatedHandler;
import dev.switchboard.local.testhandlers.Recorder;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * API Gateway's integration timeout: it waits for a route's integration at most its
 * {@code TimeoutInMillis} (here 1 s; 29 s by default), then answers the client itself and leaves the
 * Lambda invocation running. The function here waits at a gate the test opens, so no assertion
 * depends on how fast this machine is: while the gate is shut, whatever the client got came from the
 * gateway's timeout, never from the function.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IntegrationTimeoutTest {
    /** The template's {@code TimeoutInMillis} of the message routes but {@code patient}. */
    private static final Duration TIMEOUT = Duration.ofMillis(1000);
    /** The template's {@code TimeoutInMillis} of {@code $connect}. */
    private static final Duration CONNECT_TIMEOUT = Duration.ofMillis(2000);

    private LocalCloud cloud;

    @BeforeAll
    void start() throws Exception {
        cloud = LocalCloud.start(LocalCloudOptions.builder()
                .functionMode(LocalCloudOptions.FunctionMode.IN_PROCESS)
                .template(Path.of("src/test/resources/integration-timeout-template.yaml"))
                .build());
        GatedHandler.managementEndpoint = cloud.connectionsEndpoint();
        // The function's first instance initialises on the first event: a cold start longer than the 2 s the
        // $connect integration waits gets 504, as on AWS. Warm it (and its @connections client) first.
        await().atMost(WsClient.WAIT)
                .pollDelay(Duration.ZERO)
                .ignoreExceptions()
                .until(() -> {
                    try (WsClient warm = WsClient.connect(uri(""))) {
                        warm.send("{\"action\":\"patient\"}");
                        warm.nextText();
                        return true;
                    }
                });
    }

    @AfterAll
    void stop() {
        cloud.close();
    }

    private URI uri(String query) {
        return URI.create(cloud.webSocketUri() + (query.isEmpty() ? "" : "?" + query));
    }

    @Test
    void slowMessageRoute_getsEndpointRequestTimedOut_afterTheIntegrationTimeout_andTheSocketKeepsWorking()
            throws Exception {
        WsClient client = WsClient.connect(uri(""));
        WsClient other = WsClient.connect(uri(""));
        try {
            long sent = System.nanoTime();
            client.send("{\"action\":\"slow\",\"gate\":\"message\"}");
            JsonObject answer = client.next();
            long waitedMillis = (System.nanoTime() - sent) / 1_000_000;
            // the gate is still shut: this answer is the gateway's, exactly as API Gateway words it
            assertThat(Recorder.ofKind("done")).noneMatch(e -> gateOf(e).equals("message"));
            assertThat(answer.keySet()).containsExactly("message", "connectionId", "requestId");
            assertThat(answer.get("message").getAsString()).isEqualTo("Endpoint request timed out");
            String id = answer.get("connectionId").getAsString();
            JsonObject event = Recorder.ofKind("$default").stream()
                    .filter(e -> gateOf(e).equals("message"))
                    .findFirst()
                    .orElseThrow();
            assertThat(answer.get("requestId").getAsString())
                    .isEqualTo(event.getAsJsonObject("requestContext")
                            .get("requestId")
                            .getAsString());
            assertThat(waitedMillis).isGreaterThanOrEqualTo(TIMEOUT.toMillis());

            // the connection and everyone else go on being served while the invocation still runs
            // (on the route that waits 29 s, so that a slow moment of this machine cannot time these out)
            client.send("{\"action\":\"patient\"}");
            assertThat(java.util.List.of(client.nextText(), client.nextText()))
                    .containsExactlyInAnyOrder("echo:patient", "body:patient");
            other.send("{\"action\":\"patient\"}");
            assertThat(java.util.List.of(other.nextText(), other.nextText()))
                    .containsExactlyInAnyOrder("echo:patient", "body:patient");

            // the invocation was not cancelled: let it finish, and what it posts still reaches the client
            GatedHandler.open("message");
            assertThat(client.nextText()).isEqualTo("late:message");
            assertThat(Recorder.ofKind("interrupted")).noneMatch(e -> gateOf(e).equals("message"));
            assertThat(id).isNotBlank();
        } finally {
            GatedHandler.open("message");
            client.close();
            other.close();
        }
    }

    @Test
    void slowTwoWayRoute_getsTheTimeoutAnswer_andTheFunctionsLateResultIsDropped() throws Exception {
        WsClient client = WsClient.connect(uri(""));
        try {
            client.send("{\"action\":\"shortreply\",\"gate\":\"reply\"}");
            assertThat(client.next().get("message").getAsString()).isEqualTo("Endpoint request timed out");
            GatedHandler.open("reply");
            // the function ends: its @connections post arrives, its route response ("body:reply") never does
            assertThat(client.nextText()).isEqualTo("late:reply");
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> Recorder.ofKind("done").stream()
                            .anyMatch(e -> gateOf(e).equals("reply")));
            await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(client.frames::isEmpty);
        } finally {
            GatedHandler.open("reply");
            client.close();
        }
    }

    @Test
    void routeWithoutTimeoutInMillis_waitsApiGatewaysDefault_soASlowerFunctionStillAnswers() throws Exception {
        WsClient client = WsClient.connect(uri(""));
        try {
            client.send("{\"action\":\"patient\",\"gate\":\"patient\"}");
            // well past the other routes' 1 s: no timeout answer on a route that waits 29 s
            assertThat(client.frames.poll(3 * TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
                    .isNull();
            GatedHandler.open("patient");
            assertThat(java.util.List.of(client.nextText(), client.nextText()))
                    .containsExactlyInAnyOrder("late:patient", "body:patient");
        } finally {
            GatedHandler.open("patient");
            client.close();
        }
    }

    @Test
    void slowConnect_failsTheHandshakeWith504_andNoDisconnectFollows() throws Exception {
        long started = System.nanoTime();
        Throwable refused = catchThrowable(() -> WsClient.connect(uri("gate=connect")));
        long waitedMillis = (System.nanoTime() - started) / 1_000_000;
        try {
            assertThat(Recorder.ofKind("done")).noneMatch(e -> gateOf(e).equals("connect"));
            assertThat(WsClient.handshakeStatus(refused)).isEqualTo(504);
            // (its body, {"message":"Endpoint request timed out"}, is not exposed by the JDK's client)
            assertThat(waitedMillis).isGreaterThanOrEqualTo(CONNECT_TIMEOUT.toMillis());
        } finally {
            GatedHandler.open("connect");
        }
        // the $connect function still runs to its end, as on AWS; the connection never opened, so no $disconnect
        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        Recorder.ofKind("done").stream().anyMatch(e -> gateOf(e).equals("connect")));
        String id = Recorder.ofKind("$connect").stream()
                .filter(e -> gateOf(e).equals("connect"))
                .findFirst()
                .orElseThrow()
                .getAsJsonObject("requestContext")
                .get("connectionId")
                .getAsString();
        await().during(Duration.ofSeconds(1))
                .atMost(Duration.ofSeconds(3))
                .until(() -> Recorder.find("$disconnect", id).isEmpty());
        // and the next handshake, with a fast $connect, is unaffected
        WsClient.connect(uri("")).close();
    }

    /** The gate an event named: its message body's "gate" or its query string's; "" when none. */
    private static String gateOf(JsonObject event) {
        if (event.has("body") && !event.get("body").isJsonNull()) {
            try {
                JsonObject body =
                        JsonParser.parseString(event.get("body").getAsString()).getAsJsonObject();
                return body.has("gate") ? body.get("gate").getAsString() : "";
            } catch (RuntimeException notJson) {
                return "";
            }
        }
        if (event.has("queryStringParameters")
                && event.get("queryStringParameters").isJsonObject()) {
            JsonObject query = event.getAsJsonObject("queryStringParameters");
            return query.has("gate") ? query.get("gate").getAsString() : "";
        }
        return "";
    }
}
