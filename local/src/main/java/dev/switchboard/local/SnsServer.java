package dev.switchboard.local;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
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
 * delivered to every function subscribed to its topic as an SNS event through Lambda's asynchronous
 * invocation ({@link AsyncInvoker}: retries, then the {@code OnFailure} destination).
 */
final class SnsServer extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard.sns");
    private static final String XMLNS = "http://sns.amazonaws.com/doc/2010-03-31/";
    /** SNS's message size limit, bytes ("Publish": up to 256 KB of text). */
    static final int MAX_MESSAGE_BYTES = 262_144;
    /** PublishBatch's most entries per request. */
    static final int MAX_BATCH_ENTRIES = 10;
    /**
     * Request body bound, bytes: a 256 KB message form-encoded (up to 3 bytes per byte) plus
     * attributes and headroom. Larger bodies are refused unread instead of filling the heap.
     */
    static final int MAX_REQUEST_BYTES = 1024 * 1024;

    private final Map<String, List<FunctionRuntime>> subscribers;
    private final AsyncInvoker invoker;
    /** Publishes for the cost readout. */
    private volatile Usage usage = new Usage();

    void usage(Usage usage) {
        this.usage = usage;
    }

    /**
     * @param subscribers topic ARN → the functions subscribed to it (every topic of the template)
     * @param invoker invokes the subscribers asynchronously, with Lambda's retries and on-failure destination
     */
    SnsServer(Map<String, List<FunctionRuntime>> subscribers, AsyncInvoker invoker) {
        this.subscribers = subscribers;
        this.invoker = invoker;
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
        byte[] body = null;
        // refused by its declared length without opening the content: a client that sent Expect: 100-continue is
        // answered before it uploads anything (RFC 9110 §10.1.1)
        if (request.getLength() <= MAX_REQUEST_BYTES) {
            try (InputStream in = Content.Source.asInputStream(request)) {
                body = in.readNBytes(MAX_REQUEST_BYTES + 1);
            }
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
                if (size(message, attributes(form)) > MAX_MESSAGE_BYTES) {
                    error(
                            response,
                            callback,
                            400,
                            "InvalidParameter",
                            "Invalid parameter: Message too long (at most " + MAX_MESSAGE_BYTES
                                    + " bytes with its attributes)",
                            requestId);
                    return true;
                }
                usage.snsPublish(message.getBytes(StandardCharsets.UTF_8).length);
                String messageId = UUID.randomUUID().toString();
                String event = event(messageId, arn, form.get("Subject"), message, attributes(form));
                for (FunctionRuntime fn : subscribers.get(arn)) {
                    invoker.invoke(fn, event, "sns " + messageId);
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
                List<Map<String, String>> entries = new java.util.ArrayList<>();
                long batchBytes = 0;
                for (int n = 1; form.containsKey("PublishBatchRequestEntries.member." + n + ".Id"); n++) {
                    String p = "PublishBatchRequestEntries.member." + n + ".";
                    Map<String, String> entry = new LinkedHashMap<>();
                    form.forEach((k, v) -> {
                        if (k.startsWith(p)) {
                            entry.put(k.substring(p.length()), v);
                        }
                    });
                    entries.add(entry);
                    batchBytes += size(entry.getOrDefault("Message", ""), attributes(entry));
                }
                // SNS checks the batch as a whole before publishing any of it (PublishBatch's errors:
                // https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html)
                String refused = entries.isEmpty()
                        ? "EmptyBatchRequest"
                        : entries.size() > MAX_BATCH_ENTRIES
                                ? "TooManyEntriesInBatchRequest"
                                : batchBytes > MAX_MESSAGE_BYTES ? "BatchRequestTooLong" : null;
                if (refused != null) {
                    error(
                            response,
                            callback,
                            400,
                            refused,
                            "a batch holds 1 to " + MAX_BATCH_ENTRIES + " entries of at most " + MAX_MESSAGE_BYTES
                                    + " bytes together, attributes included; this one has " + entries.size()
                                    + " entries, " + batchBytes + " bytes: split it",
                            requestId);
                    return true;
                }
                StringBuilder ok = new StringBuilder();
                for (Map<String, String> entry : entries) {
                    String messageId = UUID.randomUUID().toString();
                    String event = event(
                            messageId, arn, entry.get("Subject"), entry.getOrDefault("Message", ""), attributes(entry));
                    for (FunctionRuntime fn : subscribers.get(arn)) {
                        invoker.invoke(fn, event, "sns " + messageId);
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

    /**
     * What counts against SNS's message size: the body and each attribute's name, type and value
     * (https://docs.aws.amazon.com/sns/latest/dg/sns-message-attributes.html), in UTF-8 bytes.
     */
    static long size(String message, Map<String, String[]> attributes) {
        long bytes = utf8(message);
        for (Map.Entry<String, String[]> a : attributes.entrySet()) {
            bytes += utf8(a.getKey()) + utf8(a.getValue()[0]) + utf8(a.getValue()[1]);
        }
        return bytes;
    }

    private static long utf8(String s) {
        return s == null ? 0 : s.getBytes(StandardCharsets.UTF_8).length;
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
