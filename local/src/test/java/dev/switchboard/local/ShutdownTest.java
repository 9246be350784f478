package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.local.testhandlers.Recorder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ShutdownTest {
    @Test
    void close_givesEveryOpenConnectionItsDisconnect() throws Exception {
        LocalCloud cloud = LocalCloud.start(LocalCloudOptions.builder()
                .functionMode(LocalCloudOptions.FunctionMode.IN_PROCESS)
                .template(Path.of("src/test/resources/test-template.yaml"))
                .build());
        WsClient client;
        String id;
        try {
            client = WsClient.connect(cloud.webSocketUri());
            client.send("{\"action\":\"hello\"}");
            id = com.google.gson.JsonParser.parseString(client.nextText())
                    .getAsJsonObject()
                    .get("connectionId")
                    .getAsString();
        } finally {
            cloud.close();
        }
        // close() returns only after the $disconnect handlers ran.
        assertThat(Recorder.find("disconnect", id)).isPresent();
        assertThat(Recorder.find("disconnect", id)
                        .orElseThrow()
                        .getAsJsonObject("requestContext")
                        .get("disconnectStatusCode")
                        .getAsInt())
                .isEqualTo(1001);
        assertThat(client.awaitClose()).isEqualTo(1001);
    }
}
