package dev.switchboard.tests.e2e;

import dev.switchboard.local.LocalCloud;
import dev.switchboard.local.LocalCloudOptions;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The real template and dev-auth URLs for the end-to-end tests. Test classes get their cloud from
 * {@link LocalCloudExtension}; {@link #startDevAuth()} is for a test that needs a second cloud of its own.
 */
final class LocalCloudFixture {

    static final Path TEMPLATE = Path.of("..", "template.yaml");
    /**
     * Function processes start cold on a shared CI machine many times slower than Lambda: the tests
     * allow initialisation 2 minutes (Lambda: 10 s) and every invocation 60 s (the template: 10–60 s),
     * so a busy machine does not fail them. Timeouts themselves are tested in the local module
     * (ProcessRuntimeTest, LocalCloudTest) with short limits.
     */
    static final Duration INIT_TIMEOUT = Duration.ofMinutes(2);

    static final Duration FUNCTION_TIMEOUT = Duration.ofSeconds(60);

    private LocalCloudFixture() {}

    static LocalCloud startDevAuth() throws Exception {
        return LocalCloud.start(LocalCloudOptions.builder()
                .template(TEMPLATE)
                .port(0)
                .dynamoDbPort(0)
                .snsPort(0)
                .functionInitTimeout(LocalCloudFixture.INIT_TIMEOUT)
                .functionTimeout(LocalCloudFixture.FUNCTION_TIMEOUT)
                .devAuth(true)
                .build());
    }

    static URI userUri(LocalCloud cloud, String user) {
        String base = String.valueOf(cloud.webSocketUri());
        return URI.create(
                base + (base.contains("?") ? "&" : "?") + "user=" + URLEncoder.encode(user, StandardCharsets.UTF_8));
    }
}
