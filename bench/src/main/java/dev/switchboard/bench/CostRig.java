package dev.switchboard.bench;

import dev.switchboard.bench.SendCostBenchmark.CallRecorder;
import dev.switchboard.core.ChatService;
import dev.switchboard.core.Config;
import dev.switchboard.core.aws.DynamoChatStore;
import dev.switchboard.core.fanout.ConnectionPoster;
import dev.switchboard.core.fanout.FanOut;
import dev.switchboard.local.LocalCloud;
import dev.switchboard.local.LocalCloudOptions;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * What the cost benchmarks measure against: the chat service in this JVM over the DynamoDB Local of a local cloud
 * started from {@code template} (its table), with the deployed send limit's path on (1,000 a second, so the
 * bench's pace is never refused), every DynamoDB call recorded by {@link #recorder}, and each {@code @connections}
 * post answered by the given poster instead of a gateway.
 */
final class CostRig implements AutoCloseable {
    final LocalCloud cloud;
    final CallRecorder recorder = new CallRecorder();
    final DynamoChatStore store;
    final ChatService chat;
    private final DynamoDbClient dynamo;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

    private CostRig(LocalCloud cloud, ConnectionPoster poster) {
        this.cloud = cloud;
        this.dynamo = DynamoDbClient.builder()
                .endpointOverride(cloud.dynamoDbEndpoint())
                .region(Region.of(cloud.region()))
                .httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .overrideConfiguration(o -> o.addExecutionInterceptor(recorder))
                .build();
        FanOut fanOut = new FanOut(poster, gone -> {}, 64, timer, 1, 10);
        Config config = Config.fromEnv(Map.of(
                Config.TABLE,
                cloud.tableName(),
                Config.MANAGEMENT_ENDPOINT,
                "http://unused",
                Config.SEND_RATE_PER_SECOND,
                "1000",
                Config.SEND_BURST,
                "1000"));
        this.store = new DynamoChatStore(
                dynamo, cloud.tableName(), config.allShards(), config.messageRetentionDays(), Clock.systemUTC());
        this.chat = new ChatService(store, fanOut, Optional.empty(), config, Clock.systemUTC());
    }

    /**
     * Starts a local cloud (free ports, dev auth) and the chat service over it.
     *
     * @param template the SAM template whose table the store uses
     * @param poster answers each post (it counts or times them; nothing reaches a client)
     * @throws Exception when the local cloud does not start
     */
    static CostRig start(Path template, ConnectionPoster poster) throws Exception {
        LocalCloud cloud = LocalCloud.start(LocalCloudOptions.builder()
                .template(template)
                .port(0)
                .dynamoDbPort(0)
                .snsPort(0)
                .devAuth(true)
                .build());
        try {
            return new CostRig(cloud, poster);
        } catch (RuntimeException e) {
            cloud.close();
            throw e;
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
        dynamo.close();
        cloud.close();
    }
}
