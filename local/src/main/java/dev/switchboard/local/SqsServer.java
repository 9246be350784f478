package dev.switchboard.local;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The template's SQS queues, in SQS's AWS JSON 1.0 protocol ({@code X-Amz-Target: AmazonSQS.*}),
 * the protocol SDK v2's SqsClient and the AWS CLI ({@code aws sqs receive-message}) speak. Only what
 * the template needs: Lambda's on-failure destination puts invocation records in (internally), and
 * people and tests read them with {@code ReceiveMessage} / {@code DeleteMessage}, find queues with
 * {@code GetQueueUrl} / {@code ListQueues}, count them with {@code GetQueueAttributes} and put a
 * record back with {@code SendMessage} (body only: no message attributes, no delay).
 * Sizes are SQS's: a message body of at most {@value #MAX_MESSAGE_BYTES} bytes (1 MiB since August
 * 2025, https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html),
 * refused above it with SQS's own {@code InvalidParameterValue}; a request body over
 * {@value #MAX_REQUEST_BYTES} bytes is refused unread (413) rather than read into the heap.
 * A received message is invisible for its visibility timeout (30 s unless asked otherwise), then
 * received again unless deleted, as on SQS. Requests without that header fall through to SNS.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-making-api-requests-json.html
 */
final class SqsServer extends Handler.Abstract {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard.sqs");
    private static final String TARGET_PREFIX = "AmazonSQS.";
    private static final int DEFAULT_VISIBILITY_SECONDS = 30;
    private static final int MAX_WAIT_SECONDS = 20;
    /** SQS's largest message body, bytes (1 MiB; the queue's {@code MaximumMessageSize} default). */
    static final int MAX_MESSAGE_BYTES = 1_048_576;
    /**
     * Request body bound, bytes: a message of {@link #MAX_MESSAGE_BYTES} in JSON, where a control
     * character takes six bytes as an escape, plus the rest of the request. Larger bodies are refused unread.
     */
    static final int MAX_REQUEST_BYTES = 6 * MAX_MESSAGE_BYTES + 65_536;

    private final Map<String, LocalQueue> byName = new LinkedHashMap<>();
    private final Map<String, LocalQueue> byArn = new LinkedHashMap<>();

    SqsServer(List<LocalTemplate.Queue> queues) {
        for (LocalTemplate.Queue q : queues) {
            LocalQueue queue = new LocalQueue(q);
            byName.put(q.name(), queue);
            byArn.put(q.arn(), queue);
        }
    }

    /** Whether {@code arn} is one of these queues. */
    boolean has(String arn) {
        return byArn.containsKey(arn);
    }

    /** Puts a message on the queue with this ARN (what Lambda's destination does); false if there is none. */
    boolean send(String arn, String body) {
        LocalQueue queue = byArn.get(arn);
        if (queue == null) {
            return false;
        }
        queue.add(body);
        return true;
    }

    /** Messages in the queue with this ARN, visible or not (tests). */
    int depth(String arn) {
        LocalQueue queue = byArn.get(arn);
        return queue == null ? 0 : queue.depth();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String target = request.getHeaders().get("X-Amz-Target");
        if (target == null || !target.startsWith(TARGET_PREFIX)) {
            return false;
        }
        String operation = target.substring(TARGET_PREFIX.length());
        byte[] body = null;
        // refused by its declared length without opening the content: a client that sent Expect: 100-continue is
        // answered before it uploads anything (RFC 9110 §10.1.1)
        if (request.getLength() <= MAX_REQUEST_BYTES) {
            try (InputStream stream = Content.Source.asInputStream(request)) {
                body = stream.readNBytes(MAX_REQUEST_BYTES + 1);
            }
        }
        if (body == null || body.length > MAX_REQUEST_BYTES) {
            // SQS's front end refuses an oversized body by its length, before parsing it
            response.setStatus(413);
            response.getHeaders().put("Content-Type", "text/plain");
            Content.Sink.write(
                    response,
                    true,
                    "HTTP content length exceeded " + MAX_REQUEST_BYTES + " bytes: an SQS message body is at most "
                            + MAX_MESSAGE_BYTES + " bytes",
                    callback);
            return true;
        }
        JsonObject in;
        try {
            JsonElement parsed = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
            in = parsed.isJsonObject() ? parsed.getAsJsonObject() : new JsonObject();
        } catch (JsonParseException e) {
            error(
                    response,
                    callback,
                    "InvalidParameterValue",
                    "InvalidParameterValue",
                    "the request body is not JSON: send AWS JSON 1.0 as the AWS SDK and CLI do");
            return true;
        }
        try {
            JsonObject out = switch (operation) {
                case "SendMessage" -> sendMessage(in);
                case "ReceiveMessage" -> receive(in);
                case "DeleteMessage" -> delete(in);
                case "GetQueueUrl" -> queueUrl(in);
                case "ListQueues" -> listQueues(in);
                case "GetQueueAttributes" -> attributes(in);
                default ->
                    throw new SqsException(
                            "UnsupportedOperation",
                            "AWS.SimpleQueueService.UnsupportedOperation",
                            "the local SQS endpoint serves SendMessage, ReceiveMessage, DeleteMessage, GetQueueUrl, "
                                    + "ListQueues and GetQueueAttributes only, not " + operation);
            };
            response.setStatus(200);
            response.getHeaders().put("Content-Type", "application/x-amz-json-1.0");
            response.getHeaders().put("x-amzn-RequestId", UUID.randomUUID().toString());
            Content.Sink.write(response, true, out.toString(), callback);
        } catch (SqsException e) {
            error(response, callback, e.code, e.queryCode, e.getMessage());
        }
        return true;
    }

    /**
     * SendMessage of a body alone. Over {@link #MAX_MESSAGE_BYTES} it answers what SQS answers
     * ({@code InvalidParameterValue}, "Message must be shorter than 1048576 bytes"); message
     * attributes and delays are refused by name rather than ignored.
     */
    private JsonObject sendMessage(JsonObject in) throws SqsException {
        LocalQueue queue = queue(in);
        String body = string(in, "MessageBody");
        if (body == null || body.isEmpty()) {
            throw new SqsException(
                    "MissingParameter",
                    "MissingParameter",
                    "The request must contain the parameter MessageBody (1 byte to " + MAX_MESSAGE_BYTES + " bytes)");
        }
        if (body.getBytes(StandardCharsets.UTF_8).length > MAX_MESSAGE_BYTES) {
            throw new SqsException(
                    "InvalidParameterValue",
                    "InvalidParameterValue",
                    "One or more parameters are invalid. Reason: Message must be shorter than " + MAX_MESSAGE_BYTES
                            + " bytes.");
        }
        if (asks(in, "MessageAttributes") || in.has("MessageSystemAttributes") || integer(in, "DelaySeconds", 0) != 0) {
            throw new SqsException(
                    "UnsupportedOperation",
                    "AWS.SimpleQueueService.UnsupportedOperation",
                    "the local SQS endpoint stores a message body only: send it without MessageAttributes, "
                            + "MessageSystemAttributes and DelaySeconds");
        }
        LocalMessage message = queue.add(body);
        JsonObject out = new JsonObject();
        out.addProperty("MessageId", message.id);
        out.addProperty("MD5OfMessageBody", md5(body));
        return out;
    }

    private JsonObject receive(JsonObject in) throws SqsException, InterruptedException {
        LocalQueue queue = queue(in);
        int max = integer(in, "MaxNumberOfMessages", 1);
        if (max < 1 || max > 10) {
            throw new SqsException(
                    "InvalidParameterValue",
                    "InvalidParameterValue",
                    "MaxNumberOfMessages must be between 1 and 10, got " + max);
        }
        int visibility = integer(in, "VisibilityTimeout", DEFAULT_VISIBILITY_SECONDS);
        int wait = Math.min(integer(in, "WaitTimeSeconds", 0), MAX_WAIT_SECONDS);
        boolean allAttributes = asks(in, "AttributeNames") || asks(in, "MessageSystemAttributeNames");
        JsonArray messages = new JsonArray();
        for (LocalMessage m : queue.receive(max, visibility * 1000L, wait * 1000L)) {
            JsonObject message = new JsonObject();
            message.addProperty("MessageId", m.id);
            message.addProperty("ReceiptHandle", m.receiptHandle);
            message.addProperty("MD5OfBody", md5(m.body));
            message.addProperty("Body", m.body);
            if (allAttributes) {
                JsonObject attributes = new JsonObject();
                attributes.addProperty("SentTimestamp", Long.toString(m.sentAt));
                attributes.addProperty("ApproximateReceiveCount", Integer.toString(m.receiveCount));
                attributes.addProperty("ApproximateFirstReceiveTimestamp", Long.toString(m.firstReceivedAt));
                message.add("Attributes", attributes);
            }
            messages.add(message);
        }
        JsonObject out = new JsonObject();
        if (!messages.isEmpty()) {
            out.add("Messages", messages);
        }
        return out;
    }

    private JsonObject delete(JsonObject in) throws SqsException {
        LocalQueue queue = queue(in);
        String handle = string(in, "ReceiptHandle");
        if (handle == null || !queue.delete(handle)) {
            throw new SqsException(
                    "ReceiptHandleIsInvalid",
                    "ReceiptHandleIsInvalid",
                    "the receipt handle is not one this queue gave out: use the ReceiptHandle of a ReceiveMessage answer");
        }
        return new JsonObject();
    }

    private JsonObject queueUrl(JsonObject in) throws SqsException {
        LocalQueue queue = byName.get(string(in, "QueueName"));
        if (queue == null) {
            throw noSuchQueue(string(in, "QueueName"));
        }
        JsonObject out = new JsonObject();
        out.addProperty("QueueUrl", queue.definition.url());
        return out;
    }

    private JsonObject listQueues(JsonObject in) {
        String prefix = string(in, "QueueNamePrefix");
        JsonArray urls = new JsonArray();
        byName.forEach((name, queue) -> {
            if (prefix == null || name.startsWith(prefix)) {
                urls.add(queue.definition.url());
            }
        });
        JsonObject out = new JsonObject();
        out.add("QueueUrls", urls);
        return out;
    }

    private JsonObject attributes(JsonObject in) throws SqsException {
        LocalQueue queue = queue(in);
        int[] counts = queue.counts();
        JsonObject attributes = new JsonObject();
        attributes.addProperty("QueueArn", queue.definition.arn());
        attributes.addProperty("ApproximateNumberOfMessages", Integer.toString(counts[0]));
        attributes.addProperty("ApproximateNumberOfMessagesNotVisible", Integer.toString(counts[1]));
        attributes.addProperty("VisibilityTimeout", Integer.toString(DEFAULT_VISIBILITY_SECONDS));
        JsonObject out = new JsonObject();
        out.add("Attributes", attributes);
        return out;
    }

    /** The queue a request's QueueUrl names: matched by its last path segment, the queue name. */
    private LocalQueue queue(JsonObject in) throws SqsException {
        String url = string(in, "QueueUrl");
        if (url == null) {
            throw new SqsException(
                    "MissingParameter", "MissingParameter", "QueueUrl is required (aws sqs get-queue-url gives it)");
        }
        String name = url.substring(url.lastIndexOf('/') + 1);
        LocalQueue queue = byName.get(name);
        if (queue == null) {
            throw noSuchQueue(name);
        }
        return queue;
    }

    private SqsException noSuchQueue(String name) {
        return new SqsException(
                "QueueDoesNotExist",
                "AWS.SimpleQueueService.NonExistentQueue",
                "The specified queue " + name + " does not exist: the local cloud has " + byName.keySet()
                        + " (from template.yaml)");
    }

    /** A non-empty array or object in {@code field}. */
    private static boolean asks(JsonObject in, String field) {
        JsonElement names = in.get(field);
        return names != null
                && (names.isJsonArray() && !names.getAsJsonArray().isEmpty()
                        || names.isJsonObject() && !names.getAsJsonObject().isEmpty());
    }

    private static String string(JsonObject in, String field) {
        JsonElement e = in.get(field);
        return e != null && e.isJsonPrimitive() ? e.getAsString() : null;
    }

    private static int integer(JsonObject in, String field, int fallback) throws SqsException {
        JsonElement e = in.get(field);
        if (e == null || e.isJsonNull()) {
            return fallback;
        }
        try {
            return e.getAsInt();
        } catch (RuntimeException notANumber) {
            throw new SqsException("InvalidParameterValue", "InvalidParameterValue", field + " must be a whole number");
        }
    }

    private static String md5(String body) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("MD5").digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is missing from this JVM (every Java SE has it)", e);
        }
    }

    /**
     * An error as SQS's JSON protocol sends it: 400, {@code __type} and {@code message}, and the
     * query-protocol code in {@code x-amzn-query-error}, which SDKs of the query era map to their
     * exception types (SQS is "awsQueryCompatible").
     */
    private static void error(Response response, Callback callback, String code, String queryCode, String message) {
        JsonObject body = new JsonObject();
        body.addProperty("__type", "com.amazonaws.sqs#" + code);
        body.addProperty("message", message);
        response.setStatus(400);
        response.getHeaders().put("Content-Type", "application/x-amz-json-1.0");
        response.getHeaders().put("x-amzn-query-error", queryCode + ";Sender");
        Content.Sink.write(response, true, body.toString(), callback);
    }

    /** A request SQS would refuse. */
    private static final class SqsException extends Exception {
        private static final long serialVersionUID = 1L;
        private final String code;
        private final String queryCode;

        SqsException(String code, String queryCode, String message) {
            super(message);
            this.code = code;
            this.queryCode = queryCode;
        }
    }

    private static final class LocalMessage {
        final String id = UUID.randomUUID().toString();
        final String body;
        final long sentAt = System.currentTimeMillis();
        String receiptHandle;
        long visibleAt;
        int receiveCount;
        long firstReceivedAt;

        LocalMessage(String body) {
            this.body = body;
        }
    }

    /** One queue: FIFO-ish order (standard queues promise none), visibility timeouts, long polling. */
    private static final class LocalQueue {
        final LocalTemplate.Queue definition;
        private final Deque<LocalMessage> messages = new ArrayDeque<>();

        LocalQueue(LocalTemplate.Queue definition) {
            this.definition = definition;
        }

        synchronized LocalMessage add(String body) {
            LocalMessage message = new LocalMessage(body);
            messages.add(message);
            LOG.info("sqs {} <- message ({} in queue)", definition.name(), messages.size());
            notifyAll();
            return message;
        }

        synchronized List<LocalMessage> receive(int max, long visibilityMillis, long waitMillis)
                throws InterruptedException {
            long deadline = System.currentTimeMillis() + waitMillis;
            while (true) {
                long now = System.currentTimeMillis();
                List<LocalMessage> out = new ArrayList<>();
                for (LocalMessage m : messages) {
                    if (out.size() == max) {
                        break;
                    }
                    if (m.visibleAt <= now) {
                        m.visibleAt = now + visibilityMillis;
                        m.receiptHandle = UUID.randomUUID().toString();
                        m.receiveCount++;
                        if (m.firstReceivedAt == 0) {
                            m.firstReceivedAt = now;
                        }
                        out.add(m);
                    }
                }
                if (!out.isEmpty() || now >= deadline) {
                    return out;
                }
                // long polling: woken by add(); re-checked at least every second for timeouts that expired
                wait(Math.min(1000, deadline - now));
            }
        }

        synchronized boolean delete(String receiptHandle) {
            for (Iterator<LocalMessage> it = messages.iterator(); it.hasNext(); ) {
                if (receiptHandle.equals(it.next().receiptHandle)) {
                    it.remove();
                    return true;
                }
            }
            return false;
        }

        synchronized int depth() {
            return messages.size();
        }

        /** {visible, in flight}. */
        synchronized int[] counts() {
            long now = System.currentTimeMillis();
            int visible = 0;
            for (LocalMessage m : messages) {
                if (m.visibleAt <= now) {
                    visible++;
                }
            }
            return new int[] {visible, messages.size() - visible};
        }
    }
}
