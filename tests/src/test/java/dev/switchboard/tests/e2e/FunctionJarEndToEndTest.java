package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.google.gson.JsonObject;

import dev.switchboard.local.jar.FreshJvm;
import dev.switchboard.local.jar.FunctionJars;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The deployable jars themselves (what {@code sam build} ships: shaded, with per-function
 * exclusions), each run in a fresh JVM with nothing else on its class path against the local
 * cloud: a class the jar lacks fails here as it would on Lambda.
 */
class FunctionJarEndToEndTest {

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.devAuth();

    static FunctionJars jars;

    @BeforeAll
    static void jars() throws Exception {
        jars = new FunctionJars(local.cloud(), Path.of(".."));
        for (String function : FunctionJars.MODULES.keySet()) {
            assertThat(jars.jar(function)).as("built by the reactor before this module's tests").exists();
            assertThat(Files.size(jars.jar(function))).as(function + " jar under 10 MB").isLessThan(10_000_000);
        }
    }

    @Test
    void eachFunctionJar_handlesItsEvent_inAFreshJvm() throws Exception {
        try (WsClient alice = WsClient.connect(local.userUri("alice")); WsClient bob = WsClient.connect(local.userUri("bob"))) {
            alice.send("{\"action\":\"join\",\"room\":\"jars\"}");
            alice.next(f -> f.get("type").getAsString().equals("presence") && f.get("user").getAsString().equals("alice"));
            bob.send("{\"action\":\"join\",\"room\":\"jars\"}");
            bob.next(f -> f.get("type").getAsString().equals("presence") && f.get("user").getAsString().equals("bob"));
            String aliceId = jars.connectionIdOf("alice");

            // $default from alice's real connection, handled by the shaded message jar: stored, acked, fanned out
            FreshJvm.Run send = jars.invoke("MessageFunction", List.of(), "default", aliceId,
                    "{\"action\":\"send\",\"room\":\"jars\",\"text\":\"from a fresh JVM\",\"clientMsgId\":\"jar-1\"}");
            assertThat(send.response()).startsWith("200");
            JsonObject ack = alice.next(f -> f.get("type").getAsString().equals("ack"));
            JsonObject message = bob.next(f -> f.get("type").getAsString().equals("message"));
            assertThat(message.get("text").getAsString()).isEqualTo("from a fresh JVM");
            assertThat(message.get("id").getAsString()).isEqualTo(ack.get("id").getAsString());
            assertThat(local.table().messageIds("jars")).contains(ack.get("id").getAsString());

            // SNS notification to the room, handled by the broadcast jar (same module, other handler)
            FreshJvm.Run notify = jars.invoke("BroadcastFunction", List.of(), "sns", "-",
                    "{\"target\":{\"room\":\"jars\"},\"title\":\"deploy\",\"body\":\"from SNS\"}");
            assertThat(notify.stderr()).doesNotContain("Exception").doesNotContain("dropped").contains("delivered=2");
            assertThat(bob.next(f -> f.get("type").getAsString().equals("notification")).get("body").getAsString())
                    .isEqualTo("from SNS");

            // $connect and $disconnect for a connection that exists only in the table
            assertThat(jars.invoke("ConnectFunction", List.of(), "connect", "jarConn0000001=", "carol").response())
                    .startsWith("200");
            assertThat(local.table().connectionItems("jarConn0000001=")).singleElement()
                    .satisfies(meta -> assertThat(meta).containsEntry("user", AttributeValue.fromS("carol")));
            assertThat(jars.invoke("DisconnectFunction", List.of(), "disconnect", "jarConn0000001=", null).response())
                    .startsWith("200");
            assertThat(local.table().connectionItems("jarConn0000001=")).isEmpty();
        }
    }
}
