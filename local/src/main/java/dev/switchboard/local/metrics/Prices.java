package dev.switchboard.local.metrics;

/**
 * AWS list prices the cost readout converts billing units with: US East (N. Virginia), on-demand,
 * first pricing tier, no free tier, as published on 2026-11-30. The one place prices live; update
 * the date and the figures together (sources in docs/PERFORMANCE.md, "Cost").
 *
 * <ul>
 *   <li>API Gateway WebSocket APIs (https://aws.amazon.com/api-gateway/pricing/): messages, sent and
 *       received, metered in 32 KB increments, $1.00 per million (first billion a month); connection
 *       minutes $0.25 per million.</li>
 *   <li>AWS Lambda (https://aws.amazon.com/lambda/pricing/): $0.20 per million requests; duration on
 *       Arm (the template's {@code arm64}) $0.0000133334 per GB-second, billed per 1 ms.</li>
 *   <li>Amazon DynamoDB on-demand (https://aws.amazon.com/dynamodb/pricing/on-demand/, after the
 *       November 2024 reduction): $0.625 per million write request units, $0.125 per million read
 *       request units.</li>
 *   <li>Amazon SNS standard topics (https://aws.amazon.com/sns/pricing/): $0.50 per million publish
 *       requests, each 64 KB chunk of a payload billed as one request; deliveries to Lambda are
 *       free.</li>
 * </ul>
 */
public final class Prices {

    /** The day these prices were read from the pages above. */
    public static final String AS_OF = "2026-11-30";

    public static final String REGION = "us-east-1";

    public static final double API_MESSAGE_PER_MILLION = 1.00;
    public static final double API_CONNECTION_MINUTE_PER_MILLION = 0.25;
    /** API Gateway meters WebSocket messages in 32 KB units. */
    public static final int API_MESSAGE_UNIT_BYTES = 32 * 1024;

    public static final double LAMBDA_REQUEST_PER_MILLION = 0.20;
    public static final double LAMBDA_ARM_GB_SECOND = 0.0000133334;

    public static final double DYNAMODB_WRITE_UNIT_PER_MILLION = 0.625;
    public static final double DYNAMODB_READ_UNIT_PER_MILLION = 0.125;

    public static final double SNS_PUBLISH_PER_MILLION = 0.50;
    /** SNS bills each 64 KB chunk of a published payload as one request. */
    public static final int SNS_PUBLISH_UNIT_BYTES = 64 * 1024;

    /**
     * The account-wide API Gateway throttle (requests per second, per Region) that {@code @connections}
     * calls count against (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
     */
    public static final int ACCOUNT_REQUESTS_PER_SECOND = 10_000;

    private Prices() {}
}
