package dev.switchboard.bench.clients;

import dev.switchboard.core.fanout.ConnectionPoster;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkServiceException;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiAsyncClient;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.GoneException;

/**
 * The SDK's asynchronous Management API client as a {@link ConnectionPoster}, for comparison with
 * Switchboard's signed poster (PosterBenchmark). SDK retries off, as the fan-out retries itself.
 */
public final class SdkManagementApiPoster implements ConnectionPoster {

    private final ApiGatewayManagementApiAsyncClient client;

    public SdkManagementApiPoster(ApiGatewayManagementApiAsyncClient client) {
        this.client = client;
    }

    @Override
    public CompletableFuture<PostStatus> post(String connectionId, byte[] frame) {
        return client.postToConnection(r -> r.connectionId(connectionId).data(SdkBytes.fromByteArrayUnsafe(frame)))
                .handle((response, failure) -> failure == null ? PostStatus.DELIVERED : classify(failure));
    }

    static PostStatus classify(Throwable failure) {
        Throwable cause =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof GoneException) {
            return PostStatus.GONE;
        }
        if (cause instanceof SdkServiceException service) {
            return PostStatus.of(service.statusCode());
        }
        return PostStatus.RETRY;
    }
}
