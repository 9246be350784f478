package dev.switchboard.local;

import java.util.List;
import java.util.Map;

/**
 * What the local cloud needs from {@code template.yaml}, with every intrinsic function resolved.
 *
 * @param routeSelectionExpression e.g. {@code $request.body.action}
 * @param routes route key → route
 * @param functions logical id → function
 * @param table the DynamoDB table, or null when the template has none
 * @param topicName the SNS topic's name, or null
 * @param topicArn the local ARN of that topic, or null
 * @param snsSubscribers logical ids of the functions subscribed to the topic
 * @param throttlingRateLimit stage steady-state limit (requests/s), or 0 when not set
 * @param throttlingBurstLimit stage burst limit, or 0 when not set
 * @param topics every SNS topic with its subscribed functions; the first is {@code topicArn}'s
 * @param queues every SQS queue (the local SQS endpoint serves them)
 * @param asyncInvoke function logical id → its asynchronous-invocation settings
 * @param schedules the functions' {@code Schedule} events (EventBridge rules)
 */
public record LocalTemplate(
        String routeSelectionExpression,
        Map<String, Route> routes,
        Map<String, FunctionDef> functions,
        TableDef table,
        String topicName,
        String topicArn,
        List<String> snsSubscribers,
        double throttlingRateLimit,
        int throttlingBurstLimit,
        List<Topic> topics,
        List<Queue> queues,
        Map<String, AsyncInvokeConfig> asyncInvoke,
        List<Schedule> schedules) {

    /**
     * A function's {@code Schedule} event: EventBridge invokes it every {@code rate}
     * (https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-schedule.html).
     *
     * @param functionId the function's logical id
     * @param eventName the event's key under {@code Events} (the rule's name)
     * @param rate the period of {@code rate(N unit)}
     * @param enabled the event's {@code Enabled} (default true)
     */
    public record Schedule(String functionId, String eventName, java.time.Duration rate, boolean enabled) {}

    /** An SNS topic: its local ARN and the logical ids of the functions subscribed to it. */
    public record Topic(String logicalId, String name, String arn, List<String> subscribers) {}

    /** An SQS queue: its local ARN and URL ({@code http://localhost:SNS_PORT/ACCOUNT/NAME}). */
    public record Queue(String logicalId, String name, String arn, String url) {}

    /**
     * A function's {@code EventInvokeConfig}.
     *
     * @param maximumRetryAttempts retries after a failed asynchronous invocation (Lambda: 0-2, default 2)
     * @param onFailureDestination ARN the invocation record goes to once the retries failed, or null
     */
    public record AsyncInvokeConfig(int maximumRetryAttempts, String onFailureDestination) {}

    /**
     * A route: its key, the function behind its integration, whether it answers the client, and how
     * long API Gateway waits for that integration.
     *
     * @param integrationTimeout the integration's {@code TimeoutInMillis}: 50 ms to 29 s for a
     *     WebSocket API, 29 s when the template does not set it
     *     (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-apigatewayv2-integration.html)
     */
    public record Route(String routeKey, String functionId, boolean twoWay, java.time.Duration integrationTimeout) {
        /** API Gateway's longest and default integration timeout for a WebSocket API. */
        public static final java.time.Duration MAX_INTEGRATION_TIMEOUT = java.time.Duration.ofMillis(29_000);
        /** API Gateway's shortest integration timeout. */
        public static final java.time.Duration MIN_INTEGRATION_TIMEOUT = java.time.Duration.ofMillis(50);
    }

    /**
     * A Lambda function.
     *
     * @param handlerClass e.g. {@code dev.switchboard.connect.ConnectHandler}
     * @param handlerMethod e.g. {@code handleRequest}
     * @param timeoutSeconds the template's {@code Timeout}
     * @param memorySize the template's {@code MemorySize}, MB
     * @param environment the function's environment variables, resolved for this machine
     * @param reservedConcurrency the template's {@code ReservedConcurrentExecutions}, or -1 when not set
     * @param logging the function's {@code LoggingConfig}, {@code Globals} merged with its own
     */
    public record FunctionDef(
            String logicalId,
            String functionName,
            String handlerClass,
            String handlerMethod,
            int timeoutSeconds,
            int memorySize,
            Map<String, String> environment,
            int reservedConcurrency,
            LoggingConfig logging) {

        /** A function without reserved concurrency, logging in Lambda's default plain text format. */
        public FunctionDef(
                String logicalId,
                String functionName,
                String handlerClass,
                String handlerMethod,
                int timeoutSeconds,
                int memorySize,
                Map<String, String> environment) {
            this(
                    logicalId,
                    functionName,
                    handlerClass,
                    handlerMethod,
                    timeoutSeconds,
                    memorySize,
                    environment,
                    -1,
                    LoggingConfig.TEXT);
        }
    }

    /**
     * A function's {@code LoggingConfig}
     * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-lambda-function-loggingconfig.html):
     * the format of its log events and, in the JSON format only, the lowest level of its application
     * and system (platform) log events Lambda sends on
     * (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html).
     *
     * @param logFormat {@code Text} (Lambda's default) or {@code JSON}
     * @param applicationLogLevel TRACE, DEBUG, INFO, WARN, ERROR or FATAL; INFO when the template sets none;
     *     not used with {@code Text}
     * @param systemLogLevel DEBUG, INFO or WARN; INFO when the template sets none; not used with {@code Text}
     */
    public record LoggingConfig(String logFormat, String applicationLogLevel, String systemLogLevel) {
        /** Lambda's default: plain text, nothing filtered. */
        public static final LoggingConfig TEXT = new LoggingConfig("Text", "INFO", "INFO");

        /** True for the JSON log format: platform events as JSON objects, both levels applied. */
        public boolean json() {
            return "JSON".equals(logFormat);
        }
    }

    /**
     * A DynamoDB table's key schema, indexes and TTL attribute; for an {@code AWS::DynamoDB::GlobalTable},
     * the regions of its replicas (empty for a regional table). The local cloud stands one DynamoDB
     * Local table in for every replica.
     */
    public record TableDef(
            String tableName,
            Map<String, String> attributeTypes,
            String hashKey,
            String rangeKey,
            List<Index> globalSecondaryIndexes,
            String ttlAttribute,
            List<String> replicaRegions) {}

    /**
     * A global secondary index with its projection: type (ALL, KEYS_ONLY, INCLUDE) and, for INCLUDE,
     * the non-key attributes it copies (empty otherwise).
     */
    public record Index(
            String name, String hashKey, String rangeKey, String projectionType, List<String> nonKeyAttributes) {}
}
