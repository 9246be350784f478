package dev.switchboard.core.metrics;

/**
 * Every metric the functions emit, with its CloudWatch name and unit: the one list that the
 * template's alarms and dashboard (checked by TemplateTest), docs/DEPLOY.md and the local cloud's
 * summary are held to. Namespace and dimensions: {@link InvocationMetrics}.
 */
public enum Metric {
    /** {@code $connect} accepted and stored (Connect function). */
    CONNECTIONS_OPENED("ConnectionsOpened", Unit.COUNT),
    /**
     * {@code $connect} refused; also broken down by the {@code Reason} dimension (unauthorized, forbidden,
     * too_many_connections, connection_id_taken).
     */
    CONNECTIONS_REFUSED("ConnectionsRefused", Unit.COUNT),
    /** {@code $disconnect} handled (Disconnect function). */
    CONNECTIONS_CLOSED("ConnectionsClosed", Unit.COUNT),
    /** Sockets closed by the expired-connections sweep ({@code DeleteConnection} after token exp + leeway). */
    CONNECTIONS_EXPIRED_CLOSED("ExpiredConnectionsClosed", Unit.COUNT),
    /** Client frames handled by {@code $default}; also broken down by the {@code Action} dimension. */
    FRAMES("Frames", Unit.COUNT),
    /** Frames answered with an error frame (any code, rate_limited and forbidden included). */
    FRAMES_REFUSED("FramesRefused", Unit.COUNT),
    /** Frames refused with {@code rate_limited}. */
    RATE_LIMITED("RateLimited", Unit.COUNT),
    /** Frames refused with {@code forbidden}. */
    FORBIDDEN("Forbidden", Unit.COUNT),
    /** {@code send} and {@code direct} messages stored and fanned out (a retried send acknowledged again is not counted). */
    MESSAGES_SENT("MessagesSent", Unit.COUNT),
    /** Posts to {@code @connections} that were accepted (200). */
    DELIVERIES("Deliveries", Unit.COUNT),
    /** Posts answered {@code 410 Gone}: the connection was removed. */
    DELIVERIES_GONE("DeliveriesGone", Unit.COUNT),
    /** Posts that failed after every retry (429, 5xx, I/O errors). */
    DELIVERIES_FAILED("DeliveriesFailed", Unit.COUNT),
    /** Posts retried after a 429, 5xx or I/O error (each retry counts once). */
    DELIVERY_RETRIES("DeliveryRetries", Unit.COUNT),
    /** From the start of the invocation to the last post of a room fan-out settled, in milliseconds. */
    FAN_OUT_LATENCY("FanOutLatency", Unit.MILLISECONDS),
    /** Pages of a large room published to SNS for Broadcast function instances. */
    CHUNKS_PUBLISHED("ChunksPublished", Unit.COUNT),
    /** Chunks a Broadcast function instance delivered. */
    CHUNKS_DELIVERED("ChunksDelivered", Unit.COUNT),
    /** Notifications (published to the SNS topic by other systems) handled. */
    NOTIFICATIONS("Notifications", Unit.COUNT),
    /** Notification frames accepted by a connection (a notification to a room of 5 counts 5). */
    NOTIFICATIONS_DELIVERED("NotificationsDelivered", Unit.COUNT),
    /** SNS messages that were not valid notifications, dropped. */
    NOTIFICATIONS_DROPPED("NotificationsDropped", Unit.COUNT),
    /** DynamoDB read request units consumed, as DynamoDB reports them (ReturnConsumedCapacity TOTAL). */
    DYNAMODB_READ_UNITS("ConsumedReadCapacityUnits", Unit.COUNT),
    /** DynamoDB write request units consumed, as DynamoDB reports them (a transaction counts double). */
    DYNAMODB_WRITE_UNITS("ConsumedWriteCapacityUnits", Unit.COUNT),
    /** The first invocation of a function instance. */
    COLD_START("ColdStart", Unit.COUNT);

    /** CloudWatch units we use (the EMF {@code Unit} values). */
    public enum Unit {
        COUNT("Count"),
        MILLISECONDS("Milliseconds");

        private final String cloudWatchName;

        Unit(String cloudWatchName) {
            this.cloudWatchName = cloudWatchName;
        }

        /** The unit as CloudWatch spells it. */
        public String cloudWatchName() {
            return cloudWatchName;
        }
    }

    /** Dimension added to {@link #CONNECTIONS_REFUSED}'s breakdown record. */
    public static final String REASON = "Reason";
    /** Dimension added to {@link #FRAMES}'s breakdown record. */
    public static final String ACTION = "Action";
    /** The dimension every record carries: the stack's name (POWERTOOLS_SERVICE_NAME). */
    public static final String SERVICE = "Service";

    private final String metricName;
    private final Unit unit;

    Metric(String metricName, Unit unit) {
        this.metricName = metricName;
        this.unit = unit;
    }

    /** The CloudWatch metric name. */
    public String metricName() {
        return metricName;
    }

    public Unit unit() {
        return unit;
    }
}
