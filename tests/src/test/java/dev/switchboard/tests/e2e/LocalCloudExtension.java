package dev.switchboard.tests.e2e;

import java.net.URI;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import dev.switchboard.local.LocalCloud;
import dev.switchboard.local.LocalCloudOptions;

/**
 * One local cloud per test class, started before the class's {@code @BeforeAll} methods and closed
 * after its {@code @AfterAll} methods:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final LocalCloudExtension local = LocalCloudExtension.devAuth();
 * ...
 * WsClient.connect(local.userUri("alice"));
 * local.cloud().topicArn();
 * }</pre>
 *
 * Every cloud reads the repository's real template and listens on free ports; {@link #with} changes
 * anything else (JWT secret, dev auth off, timeouts).
 */
public final class LocalCloudExtension implements BeforeAllCallback, AfterAllCallback {

    private final UnaryOperator<LocalCloudOptions.Builder> options;
    private volatile LocalCloud cloud;
    private volatile TableProbe table;

    private LocalCloudExtension(UnaryOperator<LocalCloudOptions.Builder> options) {
        this.options = options;
    }

    /** Dev auth on: clients connect as {@code ?user=NAME}. */
    public static LocalCloudExtension devAuth() {
        return with(b -> b.devAuth(true));
    }

    /** The defaults (real template, free ports, dev auth off) changed by {@code options}. */
    public static LocalCloudExtension with(UnaryOperator<LocalCloudOptions.Builder> options) {
        return new LocalCloudExtension(options);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (cloud != null) {
            throw new IllegalStateException("LocalCloudExtension is already running for " + context.getDisplayName()
                    + ": register it as a static field of one class");
        }
        cloud = LocalCloud.start(options.apply(LocalCloudOptions.builder()
                .template(LocalCloudFixture.TEMPLATE)
                .port(0).dynamoDbPort(0).snsPort(0)
                .functionInitTimeout(LocalCloudFixture.INIT_TIMEOUT).functionTimeout(LocalCloudFixture.FUNCTION_TIMEOUT)).build());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        TableProbe probe = table;
        table = null;
        if (probe != null) {
            probe.close();
        }
        LocalCloud running = cloud;
        cloud = null;
        if (running != null) {
            running.close();
        }
    }

    /** The running cloud; only between the class's first {@code @BeforeAll} and last {@code @AfterAll}. */
    public LocalCloud cloud() {
        LocalCloud running = cloud;
        if (running == null) {
            throw new IllegalStateException("the local cloud is not running: use the extension from a static "
                    + "@RegisterExtension field and call cloud() from tests or @BeforeAll/@AfterAll methods");
        }
        return running;
    }

    /** Reads the cloud's table (made on first use, closed with the cloud). */
    public synchronized TableProbe table() {
        if (table == null) {
            table = new TableProbe(cloud());
        }
        return table;
    }

    /** The WebSocket URL with {@code ?token=TOKEN}. */
    public URI tokenUri(String token) {
        return URI.create(cloud().webSocketUri() + "?token=" + token);
    }

    /** The WebSocket URL with {@code ?user=NAME} (dev auth). */
    public URI userUri(String user) {
        return LocalCloudFixture.userUri(cloud(), user);
    }
}
