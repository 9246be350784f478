package dev.switchboard.tests.e2e;

import static dev.switchboard.tests.e2e.ChatEndToEndTest.join;
import static dev.switchboard.tests.e2e.RoomPermissionsEndToEndTest.error;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Dev auth grants every room, unless the URL restricts a dev user with {@code ?rooms=}. */
class DevAuthRoomsEndToEndTest {

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.devAuth();

    @Test
    void aDevUser_mayUseAnyRoom() throws Exception {
        try (WsClient client = WsClient.connect(local.userUri("dev-any"))) {
            join(client, "hr-salaries", "dev-any");
            ChatEndToEndTest.send(client, "hr-salaries", "anything goes", "d-1");
        }
    }

    @Test
    void aDevUserRestrictedByRooms_getsOnlyWhatTheUrlGrants() throws Exception {
        URI restricted = URI.create(local.userUri("dev-bob") + "&rooms=team-*:join,notes:join:history");
        try (WsClient client = WsClient.connect(restricted)) {
            join(client, "team-a", "dev-bob");
            client.send(Json.write(new Request.Send("team-a", "no", "d-2")));
            assertThat(error(client, "send").get("code").getAsString()).isEqualTo("forbidden");
            client.send(Json.write(new Request.Join("hr-salaries")));
            assertThat(error(client, "join").get("code").getAsString()).isEqualTo("forbidden");
            join(client, "lobby", "dev-bob"); // public
        }
    }

    @Test
    void aMalformedRoomsParameter_isRefused403() {
        assertThat(WsClient.refusedWith(URI.create(local.userUri("dev-bad") + "&rooms=team:publish")))
                .isEqualTo(403);
    }
}
