package dev.switchboard.core.aws;

import dev.switchboard.core.Config;
import dev.switchboard.core.metrics.InvocationMetrics;
import dev.switchboard.core.store.Home;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * Builds the SDK clients, once per function instance: the UrlConnection HTTP client for DynamoDB
 * and SNS (the lightest that serves sequential calls) and the fan-out's {@code @connections} poster,
 * region from configuration, and the default credentials chain — never explicit credentials. No
 * endpoint setting of our own: the SDK reads {@code AWS_ENDPOINT_URL_DYNAMODB} /
 * {@code AWS_ENDPOINT_URL_SNS} (or {@code AWS_ENDPOINT_URL}) from the environment itself, which is how
 * the local cloud points the functions at DynamoDB Local and its SNS endpoint
 * (https://docs.aws.amazon.com/sdkref/latest/guide/feature-ss-endpoints.html).
 */
public final class AwsClients {

    private final Config config;
    private final SdkHttpClient http;

    public AwsClients(Config config) {
        this.config = config;
        // before any request: the JDK reads its keep-alive pool size once (see the poster)
        SignedConnectionsPoster.keepAliveConnections(config.fanoutConcurrency());
        this.http = UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(2))
                .socketTimeout(Duration.ofSeconds(10))
                .build();
    }

    public DynamoDbClient dynamoDb() {
        return dynamoDb(InvocationMetrics.discarding());
    }

    /** As {@link #dynamoDb()}, counting the read and write units each call consumes into {@code metrics}. */
    public DynamoDbClient dynamoDb(InvocationMetrics metrics) {
        var builder = DynamoDbClient.builder()
                .httpClient(http)
                .region(Region.of(config.region()))
                .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD) // throttling retried with backoff
                        .addExecutionInterceptor(new ConsumedCapacityInterceptor(metrics)));
        return builder.build();
    }

    public SnsClient sns() {
        return SnsClient.builder()
                .httpClient(http)
                .region(Region.of(config.region()))
                .build();
    }

    /**
     * The fan-out's {@code @connections} poster: signed by the SDK's SigV4 signer with the default
     * credentials chain, sent by this instance's UrlConnection client (connect timeout 2 s, read
     * timeout 10 s), at most {@code SWITCHBOARD_FANOUT_CONCURRENCY} posts in flight on threads from {@code posterThreads}.
     */
    public SignedConnectionsPoster connectionsPoster(ThreadFactory posterThreads) {
        return connectionsPoster(new Home(config.region(), config.managementEndpoint()), posterThreads);
    }

    /**
     * As {@link #connectionsPoster(ThreadFactory)}, for the {@code @connections} endpoint of
     * {@code home}, signed for its region (the fan-out to connections living in another region).
     */
    public SignedConnectionsPoster connectionsPoster(Home home, ThreadFactory posterThreads) {
        return new SignedConnectionsPoster(
                home.endpoint(),
                home.region(),
                DefaultCredentialsProvider.builder().build(),
                http,
                config.fanoutConcurrency(),
                posterThreads);
    }
}
