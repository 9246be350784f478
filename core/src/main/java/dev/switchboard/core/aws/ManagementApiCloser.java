package dev.switchboard.core.aws;

import dev.switchboard.core.ExpiredConnectionSweeper.CloseOutcome;
import dev.switchboard.core.ExpiredConnectionSweeper.ConnectionCloser;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.apigatewaymanagementapi.ApiGatewayManagementApiClient;
import software.amazon.awssdk.services.apigatewaymanagementapi.model.GoneException;

/**
 * Closes a connection with the API Gateway Management API's {@code DeleteConnection}
 * ({@code DELETE @connections/{id}}, 204; 410 GoneException when API Gateway no longer knows it):
 * https://docs.aws.amazon.com/apigateway/latest/api/API_DeleteConnection.html. The SDK's own
 * client: a call made a few times a minute, where the fan-out's poster is built for volume.
 */
public final class ManagementApiCloser implements ConnectionCloser {

    private static final Logger LOG = LoggerFactory.getLogger(ManagementApiCloser.class);
    private final ApiGatewayManagementApiClient api;

    public ManagementApiCloser(ApiGatewayManagementApiClient api) {
        this.api = api;
    }

    @Override
    public CloseOutcome close(String connectionId) {
        try {
            api.deleteConnection(r -> r.connectionId(connectionId));
            return CloseOutcome.CLOSED;
        } catch (GoneException e) {
            return CloseOutcome.GONE;
        } catch (SdkException e) {
            LOG.warn("DeleteConnection {} failed (the next run tries again): {}", connectionId, e.toString());
            return CloseOutcome.FAILED;
        }
    }
}
