package dev.switchboard.tests.e2e;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import dev.switchboard.local.LocalCloud;
import dev.switchboard.local.LocalCloudOptions;

/**
 * The real template and dev-auth URLs for the end-to-end tests. Test classes get their cloud from
 * {@link LocalCloudExtension}; {@link #startDevAuth()} is for a test that needs a second cloud of its own.
 */
final class LocalCloudFixture {

    static final Path TEMPLATE = Path.of("..", "template.yaml");

    private LocalCloudFixture() {
    }

    static LocalCloud startDevAuth() throws Exception {
        return LocalCloud.start(LocalCloudOptions.builder()
                .template(TEMPLATE)
                .port(0).dynamoDbPort(0).snsPort(0)
                .devAuth(true)
                .build());
    }

    static URI userUri(LocalCloud cloud, String user) {
        String base = String.valueOf(cloud.webSocketUri());
        return URI.create(base + (base.contains("?") ? "&" : "?") + "user=" + URLEncoder.encode(user, StandardCharsets.UTF_8));
    }
}
