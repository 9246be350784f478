package dev.switchboard.local.jar;

import java.lang.reflect.Method;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SNSEvent;

/**
 * Runs in a fresh JVM whose class path is one function's deployable jar plus this class: builds
 * the handler the way the Lambda runtime does (no-argument constructor, configuration from the
 * environment), hands it one event and prints {@code RESPONSE <result>} on stdout. Only classes of
 * the function jar and this one are loaded, so what fails here fails on Lambda. The event is built
 * in code (the runtime's own deserializer is not in a function jar).
 *
 * <p>Arguments: {@code handlerClass kind connectionId [user|body|message]} where kind is
 * {@code connect}, {@code default}, {@code disconnect} or {@code sns}; or {@code baseline-getitem}.
 */
public final class FunctionRunner {

    private FunctionRunner() {
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        phase("MAIN"); // the parent times the phases by when these lines arrive
        if (args[0].equals("baseline-getitem")) {
            baselineGetItem();
            return;
        }
        String handlerClass = args[0];
        String kind = args[1];
        String connectionId = args[2];
        String payload = args.length > 3 ? args[3] : null;
        Class<?> type = Class.forName(handlerClass);
        Class<?> eventType = eventType(type);
        Object event = switch (kind) {
            case "sns" -> sns(payload);
            case "connect" -> webSocket(eventType, "$connect", "CONNECT", connectionId, null, Map.of("user", payload));
            case "disconnect" -> webSocket(eventType, "$disconnect", "DISCONNECT", connectionId, null, null);
            default -> webSocket(eventType, "$default", "MESSAGE", connectionId, payload, null);
        };
        RequestHandler<Object, Object> handler = (RequestHandler<Object, Object>) type.getConstructor().newInstance();
        phase("BUILT");
        Object response = handler.handleRequest(event, new RunnerContext(handlerClass));
        System.out.println("RESPONSE " + describe(response));
        System.out.flush();
        System.exit(0); // the SDK's and fan-out's daemon threads must not keep a finished "invocation" alive
    }

    private static void phase(String name) {
        System.out.println("PHASE " + name);
        System.out.flush();
    }

    /**
     * The yardstick the issue measures cold starts against: build an SDK v2 DynamoDB client (the
     * jar's only HTTP client, UrlConnection, found by the SDK itself) and make one GetItem.
     */
    private static void baselineGetItem() {
        var client = software.amazon.awssdk.services.dynamodb.DynamoDbClient.builder()
                .endpointOverride(java.net.URI.create(System.getenv("SWITCHBOARD_DYNAMODB_ENDPOINT")))
                .region(software.amazon.awssdk.regions.Region.of(System.getenv("AWS_REGION")))
                .build();
        var item = client.getItem(r -> r.tableName(System.getenv("SWITCHBOARD_TABLE")).key(Map.of(
                "pk", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("baseline"),
                "sk", software.amazon.awssdk.services.dynamodb.model.AttributeValue.fromS("baseline"))));
        System.out.println("RESPONSE getitem " + item.hasItem());
        System.out.flush();
        System.exit(0);
    }

    private static String describe(Object response) {
        if (response instanceof com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse ws) {
            return ws.getStatusCode() + " " + ws.getBody();
        }
        return String.valueOf(response);
    }

    /**
     * A WebSocket event of whatever type the handler declares (the stock one, or the $disconnect
     * POJO that also carries the close code), filled through its setters as a deserializer would.
     */
    private static Object webSocket(Class<?> type, String routeKey, String eventType, String connectionId, String body,
                                    Map<String, String> query) throws ReflectiveOperationException {
        Map<String, Object> context = new HashMap<>();
        context.put("routeKey", routeKey);
        context.put("eventType", eventType);
        context.put("connectionId", connectionId);
        context.put("connectedAt", System.currentTimeMillis());
        context.put("requestTimeEpoch", System.currentTimeMillis());
        context.put("stage", "local");
        context.put("requestId", "fresh-jvm-" + System.nanoTime());
        if ("DISCONNECT".equals(eventType)) {
            context.put("disconnectStatusCode", 1000);
            context.put("disconnectReason", "");
        }
        Map<String, Object> event = new HashMap<>();
        event.put("requestContext", context);
        event.put("body", body);
        event.put("queryStringParameters", query);
        event.put("headers", Map.of());
        event.put("isBase64Encoded", false);
        return fill(type, event);
    }

    private static Object fill(Class<?> type, Map<String, Object> values) throws ReflectiveOperationException {
        Object bean = type.getConstructor().newInstance();
        for (Method setter : type.getMethods()) {
            if (!setter.getName().startsWith("set") || setter.getParameterCount() != 1) {
                continue;
            }
            String property = Character.toLowerCase(setter.getName().charAt(3)) + setter.getName().substring(4);
            Object value = values.get(property);
            if (value == null) {
                continue;
            }
            Class<?> target = setter.getParameterTypes()[0];
            if (value instanceof Map<?, ?> nested && !Map.class.isAssignableFrom(target)) {
                @SuppressWarnings("unchecked")
                Map<String, Object> fields = (Map<String, Object>) nested;
                value = fill(target, fields);
            } else if (value instanceof Number n && (target == long.class || target == Long.class)) {
                value = n.longValue();
            } else if (value instanceof Number n && (target == int.class || target == Integer.class)) {
                value = n.intValue();
            }
            setter.invoke(bean, value);
        }
        return bean;
    }

    /** The type of the handler's {@code handleRequest} event parameter. */
    private static Class<?> eventType(Class<?> handler) {
        for (Method method : handler.getMethods()) {
            if (method.getName().equals("handleRequest") && !method.isBridge() && method.getParameterCount() == 2) {
                return method.getParameterTypes()[0];
            }
        }
        throw new IllegalArgumentException(handler + " has no handleRequest(event, context)");
    }

    private static SNSEvent sns(String message) {
        SNSEvent.SNS sns = new SNSEvent.SNS();
        sns.setMessage(message);
        sns.setMessageId("fresh-jvm-" + System.nanoTime());
        sns.setType("Notification");
        sns.setTopicArn(System.getenv("SWITCHBOARD_TOPIC_ARN"));
        SNSEvent.SNSRecord record = new SNSEvent.SNSRecord();
        record.setSns(sns);
        record.setEventSource("aws:sns");
        SNSEvent event = new SNSEvent();
        event.setRecords(List.of(record));
        return event;
    }

    private record RunnerContext(String function) implements Context {
        public String getAwsRequestId() {
            return "fresh-jvm";
        }

        public String getLogGroupName() {
            return "/aws/lambda/" + function;
        }

        public String getLogStreamName() {
            return "fresh-jvm";
        }

        public String getFunctionName() {
            return function;
        }

        public String getFunctionVersion() {
            return "$LATEST";
        }

        public String getInvokedFunctionArn() {
            return "arn:aws:lambda:us-east-1:000000000000:function:" + function;
        }

        public CognitoIdentity getIdentity() {
            return null;
        }

        public ClientContext getClientContext() {
            return null;
        }

        public int getRemainingTimeInMillis() {
            return 30_000;
        }

        public int getMemoryLimitInMB() {
            return 1024;
        }

        public LambdaLogger getLogger() {
            return new LambdaLogger() {
                public void log(String message) {
                    System.err.println(message);
                }

                public void log(byte[] message) {
                    System.err.println(new String(message, java.nio.charset.StandardCharsets.UTF_8));
                }
            };
        }
    }
}
