package dev.switchboard.core.aws;

import dev.switchboard.core.fanout.ConnectionPoster;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.ApiGatewayManagementApiException;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.GoneException;

/**
 * Posts through {@code @connections} with the SDK's Management API client (UrlConnection: no Netty
 * in the function jar). The SDK's own retries are off: {@link dev.switchboard.core.fanout.FanOut}
 * retries, so its counts are exact. 410 is recognised by type and by status code alike.
 */
public final class ManagementApiPoster implements ConnectionPoster {

    private final ApiGatewayManagementApiClient client;

    public ManagementApiPoster(ApiGatewayManagementApiClient client) {
        this.client = client;
    }

    @Override
    public PostStatus post(String connectionId, byte[] frame) {
        try {
            client.postToConnection(r -> r.connectionId(connectionId).data(SdkBytes.fromByteArrayUnsafe(frame)));
            return PostStatus.DELIVERED;
        } catch (GoneException e) {
            return PostStatus.GONE;
        } catch (ApiGatewayManagementApiException e) {
            return classify(e.statusCode());
        } catch (SdkClientException e) {
            return PostStatus.RETRY; // I/O: connection reset, timeout
        }
    }

    public static PostStatus classify(int status) {
        if (status == 410) {
            return PostStatus.GONE;
        }
        if (status == 429 || status >= 500) {
            return PostStatus.RETRY;
        }
        return PostStatus.FAILED;
    }
}
