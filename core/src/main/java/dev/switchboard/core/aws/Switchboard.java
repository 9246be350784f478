package dev.switchboard.core.aws;

import dev.switchboard.core.ChatService;
import dev.switchboard.core.ChunkPublisher;
import dev.switchboard.core.Config;
import dev.switchboard.core.ExpiredConnectionSweeper;
import dev.switchboard.core.fanout.ConnectionPoster;
import dev.switchboard.core.fanout.FanOut;
import dev.switchboard.core.fanout.RegionalPoster;
import dev.switchboard.core.metrics.InvocationMetrics;
import dev.switchboard.core.store.ChatStore;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.RequestParser;
import dev.switchboard.protocol.ServerFrame;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.crac.Context;
import org.crac.Core;
import org.crac.Resource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires a function instance from its environment, once: configuration, SDK clients, store,
 * fan-out, chat service. Handlers hold one of these from their constructor on. The JWT verifier is
 * not here: only $connect authenticates, and only its jar carries nimbus-jose-jwt.
 */
public final class Switchboard {

    /** DeleteConnection calls of the expired-connections sweep in flight at once. */
    private static final int SWEEP_CLOSERS = 8;

    private final Config config;
    private final ChatStore store;
    private final ChatService chat;
    private final InvocationMetrics metrics;
    private final AwsClients clients;
    /** This instance's one way to {@code @connections}: the fan-out posts and the sweep deletes through it. */
    private final ConnectionPoster posts;
    /** Held here: the CRaC context keeps only weak references to its resources. */
    private final Priming priming;

    public Switchboard(Map<String, String> environment) {
        this.config = Config.fromEnv(environment);
        this.metrics = new InvocationMetrics(new EmfMetricsSink(config.metricsNamespace(), config.serviceName()));
        this.clients = new AwsClients(config);
        this.store = new DynamoChatStore(
                clients.dynamoDb(metrics),
                config.tableName(),
                config.allShards(),
                config.messageRetentionDays(),
                Clock.systemUTC(),
                config.tokenLeewaySeconds(),
                config.home().orElse(null));
        // Daemon threads: a frozen (SnapStart) or ending JVM never waits on them.
        SignedConnectionsPoster poster = clients.connectionsPoster(daemon("fanout-post"));
        // Several regions: each recipient through its own region's endpoint (a poster per region, made on first use).
        this.posts = config.home()
                .<ConnectionPoster>map(self -> new RegionalPoster(
                        self, poster, home -> clients.connectionsPoster(home, daemon("fanout-post-" + home.region()))))
                .orElse(poster);
        FanOut fanOut = new FanOut(
                posts,
                gone -> store.removeGone(gone.connectionIds(), gone.room(), gone.postedFromMillis()),
                config.fanoutConcurrency(),
                Executors.newSingleThreadScheduledExecutor(daemon("fanout-retry")),
                3,
                50,
                metrics);
        Optional<SnsChunkPublisher> chunks =
                config.fanoutTopicArn().map(arn -> new SnsChunkPublisher(clients::sns, arn));
        this.chat = new ChatService(
                store, fanOut, chunks.map(ChunkPublisher.class::cast), config, Clock.systemUTC(), metrics);
        this.priming = new Priming(store, poster, chunks, config, metrics);
        Core.getGlobalContext().register(priming);
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread thread = new Thread(r, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }

    /**
     * SnapStart: before the snapshot, run what every first event runs (request parsing, frame
     * encoding, a DynamoDB read, request signing, serialising a metrics record) so restored instances start with those classes
     * loaded and initialised, and the SNS client built. Failures are logged, never fatal: priming is an optimisation.
     */
    static final class Priming implements Resource {
        private static final Logger LOG = LoggerFactory.getLogger(Priming.class);
        private final ChatStore store;
        private final SignedConnectionsPoster poster;
        private final Optional<SnsChunkPublisher> chunks;
        private final Config config;
        private final InvocationMetrics metrics;

        Priming(
                ChatStore store,
                SignedConnectionsPoster poster,
                Optional<SnsChunkPublisher> chunks,
                Config config,
                InvocationMetrics metrics) {
            this.store = store;
            this.poster = poster;
            this.chunks = chunks;
            this.config = config;
            this.metrics = metrics;
        }

        @Override
        public void beforeCheckpoint(Context<? extends Resource> context) {
            prime();
        }

        @Override
        public void afterRestore(Context<? extends Resource> context) {
            // nothing: the HTTP clients reconnect on first use, credentials are resolved per call
        }

        /** True when every step ran. */
        boolean prime() {
            long started = System.nanoTime();
            try {
                new RequestParser(config.maxTextLength(), config.historyPageLimit())
                        .parse("{\"action\":\"send\",\"room\":\"priming\",\"text\":\"hi\",\"clientMsgId\":\"p1\"}");
                Json.write(new ServerFrame.Message("priming", "01JPRIMING0000000000000000", "priming", "hi", 0L));
                store.connection("priming"); // a GetItem that finds nothing
                poster.prime();
                chunks.ifPresent(SnsChunkPublisher::prime); // built lazily otherwise
                metrics.prime(); // Jackson and the EMF serialisers, first used by the first flush otherwise
                LOG.info("primed in {} ms", (System.nanoTime() - started) / 1_000_000);
                return true;
            } catch (RuntimeException e) {
                LOG.warn("priming failed (the first events will be slower): {}", e.toString());
                return false;
            }
        }
    }

    /** Runs the priming work now (tests; SnapStart calls it before the snapshot); true when every step ran. */
    public boolean prime() {
        return priming.prime();
    }

    /**
     * The expired-connections sweep (ExpiredConnectionsFunction only: its closer threads, 8 daemon threads
     * each waiting on one DeleteConnection, are built on this call, not for every function). It closes
     * connections through the fan-out's poster ({@link ConnectionPoster#delete(dev.switchboard.core.store.Member)}).
     */
    public ExpiredConnectionSweeper expiredConnectionSweeper() {
        return new ExpiredConnectionSweeper(
                store,
                chat,
                ExpiredConnectionSweeper.ConnectionCloser.of(posts),
                Executors.newFixedThreadPool(SWEEP_CLOSERS, daemon("delete-connection")),
                config,
                Clock.systemUTC(),
                metrics);
    }

    public Config config() {
        return config;
    }

    public ChatStore store() {
        return store;
    }

    public ChatService chat() {
        return chat;
    }

    /** This instance's metrics: handlers call {@code begin()} as an event arrives and {@code flush} once it is handled. */
    public InvocationMetrics metrics() {
        return metrics;
    }
}
