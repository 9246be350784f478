package dev.switchboard.tests.e2e;

import dev.switchboard.local.LocalRegions;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The stack in two regions, {@value #US} and {@value #EU}, per test class (issue 20): the local
 * cloud's {@code --regions us-east-1,eu-west-1} with dev auth, the real template, free ports and the
 * tests' timeouts ({@link LocalCloudFixture#options()}), every function as its own process per region.
 * Started and warmed (a first handshake and ping per region) before the class's {@code @BeforeAll}
 * methods, closed after its {@code @AfterAll} methods:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final TwoRegionsExtension local = TwoRegionsExtension.oneTable();
 * ...
 * WsClient.connect(local.userUri(TwoRegionsExtension.EU, "bob"));
 * }</pre>
 */
final class TwoRegionsExtension implements BeforeAllCallback, AfterAllCallback {

    static final String US = "us-east-1";
    static final String EU = "eu-west-1";

    /** Null: both regions read and write one DynamoDB Local. */
    private final Duration replicationLag;

    private volatile LocalRegions regions;

    private TwoRegionsExtension(Duration replicationLag) {
        this.replicationLag = replicationLag;
    }

    /** Both regions over one DynamoDB Local: every region reads every write at once. */
    static TwoRegionsExtension oneTable() {
        return new TwoRegionsExtension(null);
    }

    /**
     * Each region on its own replica of the global table, a write copied to the other no sooner than
     * {@code lag} after it ({@code --replication-lag}; {@link LocalRegions#replication()} holds and releases it).
     */
    static TwoRegionsExtension withReplicationLag(Duration lag) {
        return new TwoRegionsExtension(lag);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (regions != null) {
            throw new IllegalStateException("TwoRegionsExtension is already running for " + context.getDisplayName()
                    + ": register it as a static field of one class");
        }
        regions = LocalRegions.start(
                List.of(US, EU), LocalCloudFixture.options().devAuth(true).build(), replicationLag);
        for (String region : List.of(US, EU)) {
            // a region's first $connect may be slower than a client waits on a loaded machine
            LocalCloudFixture.warmUp(userUri(region, "warm-up"));
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        LocalRegions running = regions;
        regions = null;
        if (running != null) {
            running.close();
        }
    }

    /** The running regions; only between the class's first {@code @BeforeAll} and last {@code @AfterAll}. */
    LocalRegions regions() {
        LocalRegions running = regions;
        if (running == null) {
            throw new IllegalStateException("the regions are not running: use the extension from a static "
                    + "@RegisterExtension field and call regions() from tests or @BeforeAll/@AfterAll methods");
        }
        return running;
    }

    /** {@code region}'s WebSocket URL with {@code ?user=NAME} (dev auth). */
    URI userUri(String region, String user) {
        return LocalCloudFixture.userUri(regions().region(region), user);
    }
}
