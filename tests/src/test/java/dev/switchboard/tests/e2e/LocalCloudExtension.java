package dev.switchboard.tests.e2e;

import dev.switchboard.local.LocalCloud;
import dev.switchboard.local.LocalCloudOptions;
import dev.switchboard.local.WsClient;
import java.net.URI;
import java.time.Duration;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * One local cloud per test class, started before the class's {@code @BeforeAll} methods and closed
 * after its {@code @AfterAll} methods:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final LocalCloudExtension local = LocalCloudExtension.devAuth();
 * ...
 * WsClient.connect(local.userUri("alice"));
 * local.publish("{\"target\":{\"room\":\"ops\"},\"title\":\"Deploy done\"}");
 * }</pre>
 *
 * Every cloud reads the repository's real template and listens on free ports; {@link #with} changes
 * anything else (JWT secret, dev auth off, timeouts).
 */
public final class LocalCloudExtension implements BeforeAllCallback, AfterAllCallback {

    /**
     * How long a test waits for anything a function does: long enough for a cold start of a function
     * process on a loaded 2-core machine (one took 12 s in CI), as every wait of the suite allows.
     */
    public static final Duration WAIT = WsClient.WAIT;

    private final UnaryOperator<LocalCloudOptions.Builder> options;
    private volatile LocalCloud cloud;
    private volatile TableProbe table;
    private volatile SnsClient sns;

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
        cloud = LocalCloud.start(options.apply(LocalCloudFixture.options()).build());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        TableProbe probe = table;
        table = null;
        if (probe != null) {
            probe.close();
        }
        SnsClient publisher = sns;
        sns = null;
        if (publisher != null) {
            publisher.close();
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

    /**
     * An SNS client of the cloud's SNS endpoint (made on first use, closed with the cloud): the unmodified
     * SDK, as a system publishing notifications on AWS uses it. Any credentials: the endpoint does not check them.
     */
    public synchronized SnsClient sns() {
        if (sns == null) {
            sns = SnsClient.builder()
                    .endpointOverride(cloud().snsEndpoint())
                    .region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                    .httpClient(UrlConnectionHttpClient.create())
                    .build();
        }
        return sns;
    }

    /**
     * Publishes {@code message} to the public notifications topic, as another system would.
     *
     * @return the SNS message id (the notification's id on the wire)
     */
    public String publish(String message) {
        return sns().publish(b -> b.topicArn(cloud().topicArn()).message(message))
                .messageId();
    }

    /**
     * Warms the connect and message functions before a class's tests, as {@code @BeforeAll} does
     * ({@link LocalCloudFixture#warmUp(URI)}: a handshake and a ping until the pong arrives, for two of
     * {@link #WAIT} at most).
     *
     * @param uri a WebSocket URL that gets in ({@link #userUri} with dev auth, {@link #tokenUri} without)
     */
    public void warmUp(URI uri) {
        LocalCloudFixture.warmUp(uri);
    }

    /**
     * {@link #warmUp(URI)} with {@code connections} dev-auth users at once, so that several instances of the
     * connect function are warm: a burst of handshakes then waits for none of them to start (an instance
     * took 69 s to initialise on the loaded machine, past a handshake's {@link #WAIT}).
     */
    public void warmUp(int connections) {
        java.util.List<java.util.concurrent.CompletableFuture<Void>> warming = new java.util.ArrayList<>();
        for (int i = 0; i < connections; i++) {
            URI uri = userUri("warm-up-" + i);
            warming.add(java.util.concurrent.CompletableFuture.runAsync(() -> warmUp(uri)));
        }
        warming.forEach(java.util.concurrent.CompletableFuture::join);
    }

    /** {@link #warmUp(URI)} as the dev-auth user {@code warm-up}. */
    public void warmUp() {
        warmUp(userUri("warm-up"));
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
