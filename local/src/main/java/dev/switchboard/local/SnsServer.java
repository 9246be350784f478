package dev.switchboard.local;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
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
 * SnsClient and {@code aws sns publish} send. Each message is delivered to every subscribed
 * function as an SNS event, asynchronously, retried with backoff when the function fails.
 */
final class SnsServer extends Handler.Abstract {
  private static final Logger LOG = LoggerFactory.getLogger("switchboard.sns");
  private static final String XMLNS = "http://sns.amazonaws.com/doc/2010-03-31/";
  static final int MAX_ATTEMPTS = 3;

  private final String topicArn;
  private final List<FunctionRuntime> subscribers;
  private final ExecutorService executor;
  private final ScheduledExecutorService scheduler;
  private final long retryBaseMillis;

  SnsServer(String topicArn, List<FunctionRuntime> subscribers, ExecutorService executor,
      ScheduledExecutorService scheduler, long retryBaseMillis) {
    this.topicArn = topicArn;
    this.subscribers = subscribers;
    this.executor = executor;
    this.scheduler = scheduler;
    this.retryBaseMillis = retryBaseMillis;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    Map<String, String> form = new LinkedHashMap<>();
    parse(request.getHttpURI().getQuery(), form);
    if ("POST".equals(request.getMethod())) {
      parse(Content.Source.asString(request, StandardCharsets.UTF_8), form);
    }
    String action = form.getOrDefault("Action", "");
    String requestId = UUID.randomUUID().toString();
    switch (action) {
      case "Publish" -> {
        String arn = form.getOrDefault("TopicArn", form.get("TargetArn"));
        if (arn == null || !arn.equals(topicArn)) {
          error(response, callback, 404, "NotFound", "Topic does not exist", requestId);
          return true;
        }
        String message = form.get("Message");
        if (message == null) {
          error(response, callback, 400, "InvalidParameter",
              "Invalid parameter: Message", requestId);
          return true;
        }
        String messageId = UUID.randomUUID().toString();
        String event = event(messageId, arn, form.get("Subject"), message, attributes(form));
        for (FunctionRuntime fn : subscribers) {
          executor.execute(() -> deliver(fn, event, messageId, 1));
        }
        xml(response, callback, 200, "<PublishResponse xmlns=\"" + XMLNS + "\"><PublishResult><MessageId>"
            + messageId + "</MessageId></PublishResult><ResponseMetadata><RequestId>" + requestId
            + "</RequestId></ResponseMetadata></PublishResponse>");
      }
      case "PublishBatch" -> {
        String arn = form.get("TopicArn");
        if (arn == null || !arn.equals(topicArn)) {
          error(response, callback, 404, "NotFound", "Topic does not exist", requestId);
          return true;
        }
        StringBuilder ok = new StringBuilder();
        for (int n = 1; form.containsKey("PublishBatchRequestEntries.member." + n + ".Id"); n++) {
          String p = "PublishBatchRequestEntries.member." + n + ".";
          Map<String, String> entry = new LinkedHashMap<>();
          form.forEach((k, v) -> {
            if (k.startsWith(p)) {
              entry.put(k.substring(p.length()), v);
            }
          });
          String messageId = UUID.randomUUID().toString();
          String event = event(messageId, arn, entry.get("Subject"), entry.getOrDefault("Message", ""),
              attributes(entry));
          for (FunctionRuntime fn : subscribers) {
            executor.execute(() -> deliver(fn, event, messageId, 1));
          }
          ok.append("<member><Id>").append(escape(entry.get("Id"))).append("</Id><MessageId>").append(messageId)
              .append("</MessageId></member>");
        }
        xml(response, callback, 200, "<PublishBatchResponse xmlns=\"" + XMLNS + "\"><PublishBatchResult><Successful>"
            + ok + "</Successful><Failed/></PublishBatchResult><ResponseMetadata><RequestId>" + requestId
            + "</RequestId></ResponseMetadata></PublishBatchResponse>");
      }
      case "ListTopics" -> xml(response, callback, 200, "<ListTopicsResponse xmlns=\"" + XMLNS
          + "\"><ListTopicsResult><Topics><member><TopicArn>" + escape(topicArn)
          + "</TopicArn></member></Topics></ListTopicsResult><ResponseMetadata><RequestId>" + requestId
          + "</RequestId></ResponseMetadata></ListTopicsResponse>");
      default -> error(response, callback, 400, "InvalidAction",
          "The action " + action + " is not valid for this local endpoint", requestId);
    }
    return true;
  }

  private void deliver(FunctionRuntime fn, String event, String messageId, int attempt) {
    long start = System.nanoTime();
    try {
      fn.invoke(event, UUID.randomUUID().toString());
      LOG.info("sns {} -> {} {} ms OK", messageId, fn.definition().functionName(),
          (System.nanoTime() - start) / 1_000_000);
    } catch (FunctionRuntime.InvocationException e) {
      if (attempt >= MAX_ATTEMPTS) {
        LOG.warn("sns {} -> {} failed {} times, dropped: {}", messageId, fn.definition().functionName(),
            attempt, e.getMessage());
        return;
      }
      long delay = retryBaseMillis << (attempt - 1);
      LOG.warn("sns {} -> {} attempt {} failed ({}), retry in {} ms", messageId,
          fn.definition().functionName(), attempt, e.getMessage(), delay);
      scheduler.schedule(() -> executor.execute(() -> deliver(fn, event, messageId, attempt + 1)),
          delay, TimeUnit.MILLISECONDS);
    }
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
    record.addProperty("EventSubscriptionArn", arn + ":" + UUID.nameUUIDFromBytes(arn.getBytes(StandardCharsets.UTF_8)));
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
        into.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
  }

  private static void error(Response response, Callback callback, int status, String code, String message,
      String requestId) {
    xml(response, callback, status, "<ErrorResponse xmlns=\"" + XMLNS + "\"><Error><Type>Sender</Type><Code>"
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
