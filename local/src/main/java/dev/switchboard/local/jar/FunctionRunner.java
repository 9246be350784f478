package dev.switchboard.local.jar;

import java.util.List;
import java.util.Map;

import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketEvent;
import com.amazonaws.services.lambda.runtime.events.SNSEvent;

/**
 * Runs in a fresh JVM whose class path is one function's deployable jar plus this class: builds
 * the handler the way the Lambda runtime does (no-argument constructor, configuration from the
 * environment), hands it one event and prints {@code RESPONSE <result>} on stdout. Only classes of
 * the function jar and this one are loaded, so what fails here fails on Lambda. The event is built
 * in code (the runtime's own deserializer is not in a function jar).
 *
 * <p>Arguments: {@code handlerClass kind connectionId [user|body|message]} where kind is
 * {@code connect}, {@code default}, {@code disconnect} or {@code sns}.
 */
public final class FunctionRunner {

    private FunctionRunner() {
    }

    @SuppressWarnings("unchecked")
    public static void main(String[] args) throws Exception {
        String handlerClass = args[0];
        String kind = args[1];
        String connectionId = args[2];
        String payload = args.length > 3 ? args[3] : null;
        Object event = switch (kind) {
            case "sns" -> sns(payload);
            case "connect" -> webSocket("$connect", "CONNECT", connectionId, null, Map.of("user", payload));
            case "disconnect" -> webSocket("$disconnect", "DISCONNECT", connectionId, null, null);
            default -> webSocket("$default", "MESSAGE", connectionId, payload, null);
        };
        RequestHandler<Object, Object> handler =
                (RequestHandler<Object, Object>) Class.forName(handlerClass).getConstructor().newInstance();
        Object response = handler.handleRequest(event, new RunnerContext(handlerClass));
        System.out.println("RESPONSE " + describe(response));
        System.out.flush();
        System.exit(0); // the SDK's and fan-out's daemon threads must not keep a finished "invocation" alive
    }

    private static String describe(Object response) {
        if (response instanceof com.amazonaws.services.lambda.runtime.events.APIGatewayV2WebSocketResponse ws) {
            return ws.getStatusCode() + " " + ws.getBody();
        }
        return String.valueOf(response);
    }

    private static APIGatewayV2WebSocketEvent webSocket(String routeKey, String eventType, String connectionId, String body,
                                                        Map<String, String> query) {
        APIGatewayV2WebSocketEvent.RequestContext context = new APIGatewayV2WebSocketEvent.RequestContext();
        context.setRouteKey(routeKey);
        context.setEventType(eventType);
        context.setConnectionId(connectionId);
        context.setConnectedAt(System.currentTimeMillis());
        context.setRequestTimeEpoch(System.currentTimeMillis());
        context.setStage("local");
        context.setRequestId("fresh-jvm-" + System.nanoTime());
        APIGatewayV2WebSocketEvent event = new APIGatewayV2WebSocketEvent();
        event.setRequestContext(context);
        event.setBody(body);
        event.setQueryStringParameters(query);
        event.setHeaders(Map.of());
        event.setIsBase64Encoded(false);
        return event;
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
