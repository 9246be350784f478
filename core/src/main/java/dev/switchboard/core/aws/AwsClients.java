package dev.switchboard.core.aws;

import java.net.URI;
import java.time.Duration;

import dev.switchboard.core.Config;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.retries.api.RetryStrategy;
import software.amazon.awssdk.retries.DefaultRetryStrategy;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * Builds the SDK clients, once per function instance: UrlConnection HTTP client (the lightest that
 * serves a function making sequential calls), region from configuration, an endpoint override only
 * when configured (local cloud), and the default credentials chain — never explicit credentials.
 */
public final class AwsClients {

    static {
        // HttpURLConnection keeps only 5 idle connections per host by default: a fan-out with 64 posts
        // in flight would open (and tear down) a TCP connection for most of them. Read once, at the
        // first use of HttpURLConnection, so it is set here, before any client exists.
        if (System.getProperty("http.maxConnections") == null) {
            System.setProperty("http.maxConnections", "128");
        }
    }

    private final Config config;
    private final SdkHttpClient http;

    public AwsClients(Config config) {
        this.config = config;
        this.http = UrlConnectionHttpClient.builder()
                .connectionTimeout(Duration.ofSeconds(2))
                .socketTimeout(Duration.ofSeconds(10))
                .build();
    }

    public DynamoDbClient dynamoDb() {
        var builder = DynamoDbClient.builder().httpClient(http).region(Region.of(config.region()))
                .overrideConfiguration(o -> o.retryStrategy(RetryMode.STANDARD)); // throttling retried with backoff
        config.dynamoDbEndpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    public SnsClient sns() {
        var builder = SnsClient.builder().httpClient(http).region(Region.of(config.region()));
        config.snsEndpoint().ifPresent(builder::endpointOverride);
        return builder.build();
    }

    /** Our fan-out retries 429/5xx itself, so the SDK does not (its counts would hide attempts). */
    public ApiGatewayManagementApiClient managementApi() {
        RetryStrategy noRetries = DefaultRetryStrategy.doNotRetry();
        return ApiGatewayManagementApiClient.builder()
                .httpClient(http)
                .region(Region.of(config.region()))
                .endpointOverride(URI.create(config.managementEndpoint().toString()))
                .overrideConfiguration(ClientOverrideConfiguration.builder().retryStrategy(noRetries).build())
                .build();
    }
}
