package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ThrottlingTest {
    @Test
    void messagesOverStageLimit_getTooManyRequests_andOthersGoThrough() throws Exception {
        try (LocalCloud cloud = LocalCloud.start(LocalCloudOptions.builder()
                .functionMode(LocalCloudOptions.FunctionMode.IN_PROCESS)
                .template(Path.of("src/test/resources/throttled-template.yaml"))
                .throttling(true)
                .build())) {
            dev.switchboard.local.testhandlers.TestMessageHandler.managementEndpoint = cloud.connectionsEndpoint();
            WsClient client = WsClient.connect(cloud.webSocketUri()); // takes one token
            for (int i = 0; i < 10; i++) {
                client.send("{\"action\":\"echo\"}");
            }
            List<String> answers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                answers.add(client.nextText());
            }
            assertThat(answers).anyMatch(a -> a.contains("\"message\": \"Too Many Requests\""));
            assertThat(answers).anyMatch(a -> a.contains("\"routeKey\":\"echo\""));
        }
    }
}
