package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.switchboard.local.LocalCloud;
import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code direct} under each policy of {@code SWITCHBOARD_DIRECT_POLICY} (template parameter
 * {@code DirectPolicy}), through the local cloud: one cloud per policy, since a function reads its
 * configuration once.
 */
class DirectPolicyEndToEndTest {

    static LocalCloud start(String policy) throws Exception {
        return LocalCloud.start(LocalCloudFixture.options()
                .devAuth(true)
                .environment(Map.of("SWITCHBOARD_DIRECT_POLICY", policy))
                .build());
    }

    /**
     * Starts a cloud and warms it ({@link LocalCloudFixture#warmUp}): its first handshake builds the
     * connect function's SDK clients (a cold start once took 10.5 s on the loaded CI machine, past a
     * client's 10 s).
     */
    static LocalCloud startWarm(String policy) throws Exception {
        LocalCloud cloud = start(policy);
        try {
            LocalCloudFixture.warmUp(LocalCloudFixture.userUri(cloud, "warm-up"));
            return cloud;
        } catch (Exception e) {
            cloud.close();
            throw e;
        }
    }

    static String direct(String to, String clientMsgId) {
        return Json.write(new Request.Direct(to, "psst", clientMsgId));
    }

    /** The answer to a direct: its ack, or its error. */
    static JsonObject answer(WsClient client, String clientMsgId) throws InterruptedException {
        return client.next(f -> ChatEndToEndTest.ackFor(f, clientMsgId)
                || f.has("type") && f.get("type").getAsString().equals("error"));
    }

    @Test
    void any_answersTheSameAck_whetherTheTargetIsOnlineOrNot_soADmRevealsNoPresence() throws Exception {
        try (LocalCloud cloud = startWarm("any");
                WsClient alice = WsClient.connect(LocalCloudFixture.userUri(cloud, "alice"));
                WsClient bob = WsClient.connect(LocalCloudFixture.userUri(cloud, "bob"))) {
            alice.send(direct("bob", "to-online"));
            JsonObject online = answer(alice, "to-online");
            alice.send(direct("nobody", "to-offline"));
            JsonObject offline = answer(alice, "to-offline");

            // same type, same fields; only the id, ts and the client's own clientMsgId differ
            assertThat(online.get("type").getAsString()).isEqualTo("ack");
            assertThat(offline.get("type").getAsString()).isEqualTo("ack");
            assertThat(offline.keySet()).isEqualTo(online.keySet());
            assertThat(bob.nextOfType("direct").get("from").getAsString()).isEqualTo("alice");
        }
    }

    @Test
    void sharedRoom_deliversToAUserInARoomWithTheSender_andRefusesOthersWithForbidden() throws Exception {
        try (LocalCloud cloud = startWarm("shared-room");
                WsClient alice = WsClient.connect(LocalCloudFixture.userUri(cloud, "alice"));
                WsClient bob = WsClient.connect(LocalCloudFixture.userUri(cloud, "bob"));
                WsClient carol = WsClient.connect(LocalCloudFixture.userUri(cloud, "carol"))) {
            ChatEndToEndTest.join(alice, "dp-shared", "alice");
            ChatEndToEndTest.join(bob, "dp-shared", "bob");
            ChatEndToEndTest.join(carol, "dp-elsewhere", "carol");

            alice.send(direct("bob", "to-bob"));
            assertThat(answer(alice, "to-bob").get("type").getAsString()).isEqualTo("ack");
            assertThat(bob.nextOfType("direct").get("text").getAsString()).isEqualTo("psst");

            alice.send(direct("carol", "to-carol"));
            JsonObject refused = answer(alice, "to-carol");
            assertThat(refused.get("code").getAsString()).isEqualTo("forbidden");
            assertThat(refused.get("requestAction").getAsString()).isEqualTo("direct");
            // what carol has received: her join's presence only, no direct
            assertThat(carol.frames.poll(300, TimeUnit.MILLISECONDS)).isNull();
        }
    }

    @Test
    void off_refusesEveryDirect_withForbidden_andDeliversNothing() throws Exception {
        try (LocalCloud cloud = startWarm("off");
                WsClient alice = WsClient.connect(LocalCloudFixture.userUri(cloud, "alice"));
                WsClient bob = WsClient.connect(LocalCloudFixture.userUri(cloud, "bob"))) {
            alice.send(direct("bob", "off-1"));
            JsonObject refused = answer(alice, "off-1");
            assertThat(refused.get("code").getAsString()).isEqualTo("forbidden");
            assertThat(refused.get("message").getAsString()).contains("turned off");
            // bob's own ping answers after anything sent to him before it would have: nothing came
            bob.send(Json.write(new Request.Ping()));
            assertThat(bob.next().get("type").getAsString()).isEqualTo("pong");
        }
    }
}
