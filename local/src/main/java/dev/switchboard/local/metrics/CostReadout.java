package dev.switchboard.local.metrics;

import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import java.util.Locale;
import java.util.Map;

/**
 * The AWS bill for what has gone through the local cloud so far: each service's billing units
 * ({@link Usage}, and DynamoDB's consumed capacity from the functions' metrics) times
 * {@link Prices}. Free tiers are left out: this is what the traffic costs at the margin.
 */
public final class CostReadout {

    /** Dollars per service; {@link #total()} adds them up. */
    public record Cost(
            double apiMessages,
            double apiConnectionMinutes,
            double lambdaRequests,
            double lambdaDuration,
            double dynamoDbReads,
            double dynamoDbWrites,
            double snsPublishes) {
        public double total() {
            return apiMessages
                    + apiConnectionMinutes
                    + lambdaRequests
                    + lambdaDuration
                    + dynamoDbReads
                    + dynamoDbWrites
                    + snsPublishes;
        }
    }

    private final Usage usage;
    private final MetricsBoard metrics;

    public CostReadout(Usage usage, MetricsBoard metrics) {
        this.usage = usage;
        this.metrics = metrics;
    }

    /** The cost of everything so far, connection minutes counted up to {@code nowMillis}. */
    public Cost cost(long nowMillis) {
        long requests = 0;
        double gbSeconds = 0;
        for (Usage.FunctionUsage f : usage.functions().values()) {
            requests += f.requests();
            gbSeconds += f.gbSeconds();
        }
        return new Cost(
                usage.apiMessageUnits() * Prices.API_MESSAGE_PER_MILLION / 1e6,
                usage.connectionMinutes(nowMillis) * Prices.API_CONNECTION_MINUTE_PER_MILLION / 1e6,
                requests * Prices.LAMBDA_REQUEST_PER_MILLION / 1e6,
                gbSeconds * Prices.LAMBDA_ARM_GB_SECOND,
                readUnits() * Prices.DYNAMODB_READ_UNIT_PER_MILLION / 1e6,
                writeUnits() * Prices.DYNAMODB_WRITE_UNIT_PER_MILLION / 1e6,
                usage.snsPublishUnits() * Prices.SNS_PUBLISH_PER_MILLION / 1e6);
    }

    public double readUnits() {
        return metrics.total("ConsumedReadCapacityUnits");
    }

    public double writeUnits() {
        return metrics.total("ConsumedWriteCapacityUnits");
    }

    /**
     * Everything as one JSON document: {@code metrics} (the functions' EMF totals), {@code usage}
     * (billing units), {@code quota} ({@code @connections} peak against the account limit),
     * {@code cost} (dollars per service, total, per client message and per message sent) and
     * {@code prices} (date and region of the table).
     */
    public String json(long nowMillis) {
        JsonObject root = new JsonObject();
        JsonObject m = new JsonObject();
        metrics.snapshot().forEach((name, stat) -> {
            JsonObject s = new JsonObject();
            s.addProperty("unit", stat.unit());
            s.addProperty("sum", stat.sum());
            s.addProperty("count", stat.count());
            s.addProperty("max", stat.max());
            m.add(name, s);
        });
        root.add("metrics", m);

        JsonObject u = new JsonObject();
        u.addProperty("apiGatewayMessages", usage.apiMessages());
        u.addProperty("apiGatewayMessageUnits32KB", usage.apiMessageUnits());
        u.addProperty("apiGatewayConnectionMinutes", usage.connectionMinutes(nowMillis));
        u.addProperty("connectionsApiCalls", usage.connectionsCalls());
        JsonObject fns = new JsonObject();
        for (Map.Entry<String, Usage.FunctionUsage> f : usage.functions().entrySet()) {
            JsonObject o = new JsonObject();
            o.addProperty("requests", f.getValue().requests());
            o.addProperty("billedMillis", f.getValue().billedMillis());
            o.addProperty("memoryMb", f.getValue().memoryMb());
            o.addProperty("gbSeconds", f.getValue().gbSeconds());
            fns.add(f.getKey(), o);
        }
        u.add("lambda", fns);
        u.addProperty("dynamoDbReadUnits", readUnits());
        u.addProperty("dynamoDbWriteUnits", writeUnits());
        u.addProperty("snsPublishes", usage.snsPublishes());
        u.addProperty("snsPublishUnits64KB", usage.snsPublishUnits());
        root.add("usage", u);

        JsonObject q = new JsonObject();
        q.addProperty("connectionsApiPeakPerSecond", usage.peakConnectionsCallsPerSecond());
        q.addProperty("accountLimitPerSecond", Prices.ACCOUNT_REQUESTS_PER_SECOND);
        q.addProperty(
                "shareOfAccountLimit",
                usage.peakConnectionsCallsPerSecond() / (double) Prices.ACCOUNT_REQUESTS_PER_SECOND);
        root.add("quota", q);

        Cost cost = cost(nowMillis);
        JsonObject c = new JsonObject();
        c.addProperty("apiGatewayMessages", cost.apiMessages());
        c.addProperty("apiGatewayConnectionMinutes", cost.apiConnectionMinutes());
        c.addProperty("lambdaRequests", cost.lambdaRequests());
        c.addProperty("lambdaDuration", cost.lambdaDuration());
        c.addProperty("dynamoDbReads", cost.dynamoDbReads());
        c.addProperty("dynamoDbWrites", cost.dynamoDbWrites());
        c.addProperty("snsPublishes", cost.snsPublishes());
        c.addProperty("total", cost.total());
        double frames = metrics.total("Frames");
        double sent = metrics.total("MessagesSent");
        c.addProperty("perClientFrame", frames == 0 ? 0 : cost.total() / frames);
        c.addProperty("perMessageSent", sent == 0 ? 0 : cost.total() / sent);
        root.add("costUsd", c);

        JsonObject p = new JsonObject();
        p.addProperty("asOf", Prices.AS_OF);
        p.addProperty("region", Prices.REGION);
        p.addProperty("sources", "docs/PERFORMANCE.md#cost");
        root.add("prices", p);
        // no HTML escaping: breakdowns read "Frames{Action=send}" as docs/LOCAL.md writes them, not "\u003d"
        return new GsonBuilder()
                .setPrettyPrinting()
                .disableHtmlEscaping()
                .create()
                .toJson(root);
    }

    /**
     * One line for the console: the headline metrics and the bill so far, e.g.
     * {@code metrics: frames 12, sent 3, deliveries 40 (gone 0, failed 0), chunks 0 | AWS cost so far $0.000061 (...)}.
     */
    public String summary(long nowMillis) {
        Cost cost = cost(nowMillis);
        return String.format(
                Locale.ROOT,
                "metrics: frames %.0f, sent %.0f, deliveries %.0f (gone %.0f, failed %.0f, retries %.0f), chunks %.0f, "
                        + "notifications %.0f, refused %.0f (rate-limited %.0f, forbidden %.0f), cold starts %.0f, "
                        + "fan-out max %.0f ms | AWS cost so far $%.6f (API Gateway $%.6f, Lambda $%.6f, DynamoDB $%.6f, SNS $%.6f), "
                        + "@connections peak %d/s of %d",
                metrics.total("Frames"),
                metrics.total("MessagesSent"),
                metrics.total("Deliveries"),
                metrics.total("DeliveriesGone"),
                metrics.total("DeliveriesFailed"),
                metrics.total("DeliveryRetries"),
                metrics.total("ChunksPublished"),
                metrics.total("Notifications"),
                metrics.total("FramesRefused"),
                metrics.total("RateLimited"),
                metrics.total("Forbidden"),
                metrics.total("ColdStart"),
                metrics.snapshot()
                        .getOrDefault("FanOutLatency", new MetricsBoard.Stat("Milliseconds", 0, 0, 0))
                        .max(),
                cost.total(),
                cost.apiMessages() + cost.apiConnectionMinutes(),
                cost.lambdaRequests() + cost.lambdaDuration(),
                cost.dynamoDbReads() + cost.dynamoDbWrites(),
                cost.snsPublishes(),
                usage.peakConnectionsCallsPerSecond(),
                Prices.ACCOUNT_REQUESTS_PER_SECOND);
    }
}
