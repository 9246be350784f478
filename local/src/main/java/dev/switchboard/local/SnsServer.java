package dev.switchboard.local;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.switchboard.local.metrics.Usage;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SNS's {@code Publish} in the AWS Query protocol (form-encoded POST, XML answer) — what SDK v2's
 * SnsClient and {@code aws sns publish} send — for every topic of the template. Each message is
 * delivered to every function subscribed to its topic as an SNS event, asynchronously, as Lambda
 * runs an asynchronous invocation: a failed invocation is retried (the function's
 * {@code EventInvokeConfig.MaximumRetryAttempts}, default 2) with backoff, and once the retries are
 * spent an invocation record goes to its {@code OnFailure} destination when that is one of the
 * template's queues (the record's shape: https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
 */
final class SnsServer extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard.sns");
    private static final String XMLNS = "http://sns.amazonaws.com/doc/2010-03-31/";
    /** Lambda's default for asynchronous invocations: the first attempt and two retries. */
    static final int DEFAULT_RETRIES = 2;
    /** SNS's message size limit, bytes ("Publish": up to 256 KB of text). */
    static final int MAX_MESSAGE_BYTES = 262_144;
    /**
     * Request body bound, bytes: a 256 KB message form-encoded (up to 3 bytes per byte) plus
     * attributes and headroom. Larger bodies are refused unread instead of filling the heap.
     */
    static final int MAX_REQUEST_BYTES = 1024 * 1024;

    private final Map<String, List<FunctionRuntime>> subscribers;
    private final Map<String, LocalTemplate.AsyncInvokeConfig> asyncInvoke;
    private final SqsServer queues;
    private final ExecutorService executor;
    private final ScheduledExecutorService scheduler;
    private final long retryBaseMillis;
    /** Publishes for the cost readout. */
    private volatile Usage usage = new Usage();

    void usage(Usage usage) {
        this.usage = usage;
    }

    /**
     * @param subscribers topic ARN → the functions subscribed to it (every topic of the template)
     * @param asyncInvoke function logical id → its asynchronous-invocation settings
     * @param queues where on-failure destinations that are queues of the template are
     */
    SnsServer(
            Map<String, List<FunctionRuntime>> subscribers,
            Map<String, LocalTemplate.AsyncInvokeConfig> asyncInvoke,
            SqsServer queues,
            ExecutorService executor,
            ScheduledExecutorService scheduler,
            long retryBaseMillis) {
        this.subscribers = subscribers;
        this.asyncInvoke = asyncInvoke;
        this.queues = queues;
        this.executor = executor;
        this.scheduler = scheduler;
        this.retryBaseMillis = retryBaseMillis;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String requestId = UUID.randomUUID().toString();
        if (!"POST".equals(request.getMethod())) {
            // POST only: a GET can be made by any web page (an image tag), a form-encoded POST is what
            // the AWS SDK and CLI send.
            response.getHeaders().put("Allow", "POST");
            error(
                    response,
                    callback,
                    405,
                    "MethodNotAllowed",
                    "send SNS actions as a form-encoded POST, as the AWS SDK and CLI do",
                    requestId);
            return true;
        }
        long declared = request.getLength();
        byte[] body;
        try (InputStream in = Content.Source.asInputStream(request)) {
            body = declared > MAX_REQUEST_BYTES ? null : in.readNBytes(MAX_REQUEST_BYTES + 1);
        }
        if (body == null || body.length > MAX_REQUEST_BYTES) {
            error(
                    response,
                    callback,
                    413,
                    "RequestEntityTooLarge",
                    "request body over " + MAX_REQUEST_BYTES + " bytes: an SNS message is at most " + MAX_MESSAGE_BYTES
                            + " bytes",
                    requestId);
            return true;
        }
        Map<String, String> form = new LinkedHashMap<>();
        parse(request.getHttpURI().getQuery(), form);
        parse(new String(body, StandardCharsets.UTF_8), form);
        String action = form.getOrDefault("Action", "");
        switch (action) {
            case "Publish" -> {
                String arn = form.getOrDefault("TopicArn", form.get("TargetArn"));
                if (arn == null || !subscribers.containsKey(arn)) {
                    error(response, callback, 404, "NotFound", "Topic does not exist", requestId);
                    return true;
                }
                String message = form.get("Message");
                if (message == null) {
                    error(response, callback, 400, "InvalidParameter", "Invalid parameter: Message", requestId);
                    return true;
                }
                if (message.getBytes(StandardCharsets.UTF_8).length > MAX_MESSAGE_BYTES) {
                    error(
                            response,
                            callback,
                            400,
                            "InvalidParameter",
                            "Invalid parameter: Message too long (at most " + MAX_MESSAGE_BYTES + " bytes)",
                            requestId);
                    return true;
                }
                usage.snsPublish(message.getBytes(StandardCharsets.UTF_8).length);
                String messageId = UUID.randomUUID().toString();
                String event = event(messageId, arn, form.get("Subject"), message, attributes(form));
                for (FunctionRuntime fn : subscribers.get(arn)) {
                    executor.execute(() -> deliver(fn, event, messageId, 1));
                }
                xml(
                        response,
                        callback,
                        200,
                        "<PublishResponse xmlns=\"" + XMLNS + "\"><PublishResult><MessageId>"
                                + messageId + "</MessageId></PublishResult><ResponseMetadata><RequestId>" + requestId
                                + "</RequestId></ResponseMetadata></PublishResponse>");
            }
            case "PublishBatch" -> {
                String arn = form.get("TopicArn");
                if (arn == null || !subscribers.containsKey(arn)) {
                    error(response, callback, 404, "NotFound", "Topic does not exist", requestId);
                    return true;
                }
                StringBuilder ok = new StringBuilder();
                long batchBytes = 0;
                for (int n = 1; form.containsKey("PublishBatchRequestEntries.member." + n + ".Id"); n++) {
                    String p = "PublishBatchRequestEntries.member." + n + ".";
                    Map<String, String> entry = new LinkedHashMap<>();
                    form.forEach((k, v) -> {
                        if (k.startsWith(p)) {
                            entry.put(k.substring(p.length()), v);
                        }
                    });
                    batchBytes += entry.getOrDefault("Message", "").getBytes(StandardCharsets.UTF_8).length;
                    String messageId = UUID.randomUUID().toString();
                    String event = event(
                            messageId, arn, entry.get("Subject"), entry.getOrDefault("Message", ""), attributes(entry));
                    for (FunctionRuntime fn : subscribers.get(arn)) {
                        executor.execute(() -> deliver(fn, event, messageId, 1));
                    }
                    ok.append("<member><Id>")
                            .append(escape(entry.get("Id")))
                            .append("</Id><MessageId>")
                            .append(messageId)
                            .append("</MessageId></member>");
                }
                usage.snsPublish(batchBytes); // one request per 64 KB of the batch's payload
                xml(
                        response,
                        callback,
                        200,
                        "<PublishBatchResponse xmlns=\"" + XMLNS + "\"><PublishBatchResult><Successful>"
                                + ok + "</Successful><Failed/></PublishBatchResult><ResponseMetadata><RequestId>"
                                + requestId
                                + "</RequestId></ResponseMetadata></PublishBatchResponse>");
            }
            case "ListTopics" -> {
                StringBuilder members = new StringBuilder();
                subscribers
                        .keySet()
                        .forEach(arn -> members.append("<member><TopicArn>")
                                .append(escape(arn))
                                .append("</TopicArn></member>"));
                xml(
                        response,
                        callback,
                        200,
                        "<ListTopicsResponse xmlns=\"" + XMLNS
                                + "\"><ListTopicsResult><Topics>" + members
                                + "</Topics></ListTopicsResult><ResponseMetadata><RequestId>"
                                + requestId + "</RequestId></ResponseMetadata></ListTopicsResponse>");
            }
            default ->
                error(
                        response,
                        callback,
                        400,
                        "InvalidAction",
                        "The action " + action + " is not valid for this local endpoint",
                        requestId);
        }
        return true;
    }

    private void deliver(FunctionRuntime fn, String event, String messageId, int attempt) {
        long start = System.nanoTime();
        String requestId = UUID.randomUUID().toString();
        try {
            fn.invoke(event, requestId);
            LOG.info(
                    "sns {} -> {} {} ms OK",
                    messageId,
                    fn.definition().functionName(),
                    (System.nanoTime() - start) / 1_000_000);
        } catch (FunctionRuntime.InvocationException e) {
            LocalTemplate.AsyncInvokeConfig config = asyncInvoke.getOrDefault(
                    fn.definition().logicalId(), new LocalTemplate.AsyncInvokeConfig(DEFAULT_RETRIES, null));
            if (attempt > config.maximumRetryAttempts()) {
                onFailure(fn, config, event, messageId, requestId, attempt, e);
                return;
            }
            long delay = retryBaseMillis << (attempt - 1);
            LOG.warn(
                    "sns {} -> {} attempt {} failed ({}), retry in {} ms",
                    messageId,
                    fn.definition().functionName(),
                    attempt,
                    e.getMessage(),
                    delay);
            scheduler.schedule(
                    () -> executor.execute(() -> deliver(fn, event, messageId, attempt + 1)),
                    delay,
                    TimeUnit.MILLISECONDS);
        }
    }

    /** The retries are spent: the invocation record goes to the on-failure destination, if there is one here. */
    private void onFailure(
            FunctionRuntime fn,
            LocalTemplate.AsyncInvokeConfig config,
            String event,
            String messageId,
            String requestId,
            int attempts,
            FunctionRuntime.InvocationException e) {
        String destination = config.onFailureDestination();
        if (destination == null) {
            LOG.warn(
                    "sns {} -> {} failed {} times, dropped (no OnFailure destination in EventInvokeConfig): {}",
                    messageId,
                    fn.definition().functionName(),
                    attempts,
                    e.getMessage());
            return;
        }
        if (!queues.send(destination, invocationRecord(fn, event, requestId, attempts, e))) {
            LOG.warn(
                    "sns {} -> {} failed {} times, dropped: its OnFailure destination {} is not a queue of the template "
                            + "(only SQS destinations are emulated): {}",
                    messageId,
                    fn.definition().functionName(),
                    attempts,
                    destination,
                    e.getMessage());
            return;
        }
        LOG.warn(
                "sns {} -> {} failed {} times, sent to its OnFailure destination {}: {}",
                messageId,
                fn.definition().functionName(),
                attempts,
                destination,
                e.getMessage());
    }

    /** Lambda's asynchronous invocation record for a failure: the event, why it failed, how often it was tried. */
    private static String invocationRecord(
            FunctionRuntime fn, String event, String requestId, int attempts, FunctionRuntime.InvocationException e) {
        JsonObject context = new JsonObject();
        context.addProperty("requestId", requestId);
        context.addProperty(
                "functionArn",
                "arn:aws:lambda:" + LocalCloud.REGION + ":" + LocalCloud.ACCOUNT + ":function:"
                        + fn.definition().functionName() + ":$LATEST");
        context.addProperty("condition", "RetriesExhausted");
        context.addProperty("approximateInvokeCount", attempts);
        JsonObject responseContext = new JsonObject();
        responseContext.addProperty("statusCode", 200);
        responseContext.addProperty("executedVersion", "$LATEST");
        responseContext.addProperty("functionError", "Unhandled");
        JsonObject error = new JsonObject();
        error.addProperty("errorMessage", e.getMessage());
        error.addProperty(
                "errorType",
                e.getCause() == null
                        ? "Runtime.Unknown"
                        : e.getCause().getClass().getName());
        JsonObject record = new JsonObject();
        record.addProperty("version", "1.0");
        record.addProperty("timestamp", Instant.now().toString());
        record.add("requestContext", context);
        record.add("requestPayload", JsonParser.parseString(event));
        record.add("responseContext", responseContext);
        record.add("responsePayload", error);
        return record.toString();
    }

    private String event(String messageId, String arn, String subject, String message, Map<String, String[]> attrs) {
        JsonObject sns = new JsonObject();
        sns.addProperty("Type", "Notification");
        sns.addProperty("MessageId", messageId);
        sns.addProperty("TopicArn", arn);
        sns.addProperty("Subject", subject);
        sns.addProperty("Message", message);
        sns.addProperty("Timestamp", Instant.now().toString());
        sns.addProperty("SignatureVersion", "1");
        sns.addProperty("Signature", "LOCAL");
        sns.addProperty("SigningCertUrl", "http://localhost/local.pem");
        sns.addProperty("UnsubscribeUrl", "http://localhost/unsubscribe");
        JsonObject attributes = new JsonObject();
        attrs.forEach((name, typeAndValue) -> {
            JsonObject a = new JsonObject();
            a.addProperty("Type", typeAndValue[0]);
            a.addProperty("Value", typeAndValue[1]);
            attributes.add(name, a);
        });
        sns.add("MessageAttributes", attributes);
        JsonObject record = new JsonObject();
        record.addProperty("EventSource", "aws:sns");
        record.addProperty("EventVersion", "1.0");
        record.addProperty(
                "EventSubscriptionArn", arn + ":" + UUID.nameUUIDFromBytes(arn.getBytes(StandardCharsets.UTF_8)));
        record.add("Sns", sns);
        JsonArray records = new JsonArray();
        records.add(record);
        JsonObject event = new JsonObject();
        event.add("Records", records);
        return event.toString();
    }

    /** {@code MessageAttributes.entry.N.Name / .Value.DataType / .Value.StringValue}. */
    private static Map<String, String[]> attributes(Map<String, String> form) {
        Map<String, String[]> out = new TreeMap<>();
        for (int n = 1; form.containsKey("MessageAttributes.entry." + n + ".Name"); n++) {
            String p = "MessageAttributes.entry." + n;
            String type = form.getOrDefault(p + ".Value.DataType", "String");
            String value = form.getOrDefault(p + ".Value.StringValue", form.get(p + ".Value.BinaryValue"));
            out.put(form.get(p + ".Name"), new String[] {type, value});
        }
        return out;
    }

    private static void parse(String encoded, Map<String, String> into) {
        if (encoded == null || encoded.isEmpty()) {
            return;
        }
        for (String pair : encoded.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                into.put(
                        URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
    }

    private static void error(
            Response response, Callback callback, int status, String code, String message, String requestId) {
        xml(
                response,
                callback,
                status,
                "<ErrorResponse xmlns=\"" + XMLNS + "\"><Error><Type>Sender</Type><Code>"
                        + code + "</Code><Message>" + escape(message) + "</Message></Error><RequestId>" + requestId
                        + "</RequestId></ErrorResponse>");
    }

    private static void xml(Response response, Callback callback, int status, String body) {
        response.setStatus(status);
        response.getHeaders().put("Content-Type", "text/xml");
        Content.Sink.write(response, true, "<?xml version=\"1.0\"?>\n" + body, callback);
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
