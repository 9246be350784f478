package dev.switchboard.core.aws;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import dev.switchboard.core.ChatService;
import dev.switchboard.core.ChunkPublisher;
import dev.switchboard.core.Config;
import dev.switchboard.core.fanout.FanOut;
import dev.switchboard.core.store.ChatStore;

/**
 * Wires a function instance from its environment, once: configuration, SDK clients, store,
 * fan-out, chat service. Handlers hold one of these from their constructor on. The JWT verifier is
 * not here: only $connect authenticates, and only its jar carries nimbus-jose-jwt.
 */
public final class Switchboard {

    private final Config config;
    private final ChatStore store;
    private final ChatService chat;

    public Switchboard(Map<String, String> environment) {
        this.config = Config.fromEnv(environment);
        AwsClients clients = new AwsClients(config);
        this.store = new DynamoChatStore(clients.dynamoDb(), config.tableName(), config.allShards(),
                config.messageRetentionDays(), Clock.systemUTC());
        // Daemon threads: a frozen (SnapStart) or ending JVM never waits on them.
        FanOut fanOut = new FanOut(clients.connectionsPoster(Executors.newFixedThreadPool(2, daemon("fanout-http"))),
                store::removeConnection, config.fanoutConcurrency(),
                Executors.newSingleThreadScheduledExecutor(daemon("fanout-retry")), 3, 50);
        Optional<ChunkPublisher> chunks = config.topicArn().map(arn -> new SnsChunkPublisher(clients.sns(), arn));
        this.chat = new ChatService(store, fanOut, chunks, config, Clock.systemUTC());
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return r -> {
            Thread thread = new Thread(r, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
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
}
