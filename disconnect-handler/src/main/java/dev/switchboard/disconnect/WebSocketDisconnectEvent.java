package dev.switchboard.disconnect;

import java.util.Map;

/**
 * The {@code $disconnect} event. The stock {@code APIGatewayV2WebSocketEvent} has no
 * {@code disconnectStatusCode} / {@code disconnectReason}; this POJO carries the fields we read,
 * for the Lambda runtime's serializer to fill (hence the setters).
 */
public class WebSocketDisconnectEvent {

    private RequestContext requestContext;
    private Map<String, String> headers;
    private boolean isBase64Encoded;

    public RequestContext getRequestContext() {
        return requestContext;
    }

    public void setRequestContext(RequestContext requestContext) {
        this.requestContext = requestContext;
    }

    public Map<String, String> getHeaders() {
        return headers;
    }

    public void setHeaders(Map<String, String> headers) {
        this.headers = headers;
    }

    public boolean getIsBase64Encoded() {
        return isBase64Encoded;
    }

    public void setIsBase64Encoded(boolean isBase64Encoded) {
        this.isBase64Encoded = isBase64Encoded;
    }

    public static class RequestContext {
        private String routeKey;
        private String eventType;
        private String connectionId;
        private String requestId;
        private String stage;
        private String apiId;
        private String domainName;
        private Long connectedAt;
        private Long requestTimeEpoch;
        private Integer disconnectStatusCode;
        private String disconnectReason;

        public String getRouteKey() {
            return routeKey;
        }

        public void setRouteKey(String routeKey) {
            this.routeKey = routeKey;
        }

        public String getEventType() {
            return eventType;
        }

        public void setEventType(String eventType) {
            this.eventType = eventType;
        }

        public String getConnectionId() {
            return connectionId;
        }

        public void setConnectionId(String connectionId) {
            this.connectionId = connectionId;
        }

        public String getRequestId() {
            return requestId;
        }

        public void setRequestId(String requestId) {
            this.requestId = requestId;
        }

        public String getStage() {
            return stage;
        }

        public void setStage(String stage) {
            this.stage = stage;
        }

        public String getApiId() {
            return apiId;
        }

        public void setApiId(String apiId) {
            this.apiId = apiId;
        }

        public String getDomainName() {
            return domainName;
        }

        public void setDomainName(String domainName) {
            this.domainName = domainName;
        }

        public Long getConnectedAt() {
            return connectedAt;
        }

        public void setConnectedAt(Long connectedAt) {
            this.connectedAt = connectedAt;
        }

        public Long getRequestTimeEpoch() {
            return requestTimeEpoch;
        }

        public void setRequestTimeEpoch(Long requestTimeEpoch) {
            this.requestTimeEpoch = requestTimeEpoch;
        }

        public Integer getDisconnectStatusCode() {
            return disconnectStatusCode;
        }

        public void setDisconnectStatusCode(Integer disconnectStatusCode) {
            this.disconnectStatusCode = disconnectStatusCode;
        }

        public String getDisconnectReason() {
            return disconnectReason;
        }

        public void setDisconnectReason(String disconnectReason) {
            this.disconnectReason = disconnectReason;
        }
    }
}
