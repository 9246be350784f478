package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.switchboard.local.LocalCloudOptions;
import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The in-process mode, which is also the fallback where the runtime interface client's native
 * library cannot load, runs the real handlers from their deployment jars: every function of the
 * template takes part in a chat (connect, join, send, an SNS notification to the room, a leave) with
 * its own environment, although this JVM has none of the template's variables.
 */
class InProcessFallbackEndToEndTest {

    @RegisterExtension
    static final LocalCloudExtension local =
            LocalCloudExtension.with(b -> b.devAuth(true).functionMode(LocalCloudOptions.FunctionMode.IN_PROCESS));

    @Test
    void realHandlers_runAChat_inProcess_eachWithItsFunctionsEnvironment() throws Exception {
        assertThat(local.cloud().functionMode()).isEqualTo(LocalCloudOptions.FunctionMode.IN_PROCESS);
        assertThat(System.getenv("SWITCHBOARD_TABLE"))
                .as("the handlers cannot have read their table from this JVM's environment")
                .isNull();

        try (WsClient alice = WsClient.connect(local.userUri("alice"));
                WsClient bob = WsClient.connect(local.userUri("bob"))) {
            ChatEndToEndTest.join(alice, "fallback", "alice");
            ChatEndToEndTest.join(bob, "fallback", "bob");
            alice.next(f -> ChatEndToEndTest.presence(f, "join", "bob"));

            String id = ChatEndToEndTest.send(alice, "fallback", "hello in process", "ip-1");
            JsonObject message = bob.nextOfType("message");
            assertThat(message.get("id").getAsString()).isEqualTo(id);
            assertThat(message.get("from").getAsString()).isEqualTo("alice");
            assertThat(message.get("text").getAsString()).isEqualTo("hello in process");

            // BroadcastFunction, invoked by the local SNS topic
            local.publish("{\"target\":{\"room\":\"fallback\"},\"title\":\"Deploy done\",\"body\":\"v2\"}");
            assertThat(bob.nextOfType("notification").get("title").getAsString())
                    .isEqualTo("Deploy done");

            // DisconnectFunction: bob is gone from the room once it ran (asked with `who` until then: presence is
            // coalesced in a 3 s window, so his leave may be folded into his join)
            bob.close();
            assertThat(bob.awaitClose()).isEqualTo(1000);
            List<String> members = new ArrayList<>();
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        alice.send(Json.write(new Request.Who("fallback", null)));
                        members.clear();
                        alice.nextOfType("members").getAsJsonArray("users").forEach(u -> members.add(u.getAsString()));
                        return members.equals(List.of("alice"));
                    });
            assertThat(members).containsExactly("alice");
        }
    }
}
