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
    int throttlingBurstLimit) {

  /** A route: its key, the function behind its integration, and whether it answers the client. */
  public record Route(String routeKey, String functionId, boolean twoWay) {}

  /**
   * A Lambda function.
   *
   * @param handlerClass e.g. {@code dev.switchboard.connect.ConnectHandler}
   * @param handlerMethod e.g. {@code handleRequest}
   */
  public record FunctionDef(
      String logicalId,
      String functionName,
      String handlerClass,
      String handlerMethod,
      int timeoutSeconds,
      int memorySize,
      Map<String, String> environment) {}

  /** A DynamoDB table's key schema, indexes and TTL attribute. */
  public record TableDef(
      String tableName,
      Map<String, String> attributeTypes,
      String hashKey,
      String rangeKey,
      List<Index> globalSecondaryIndexes,
      String ttlAttribute) {}

  /** A global secondary index with its projection type. */
  public record Index(String name, String hashKey, String rangeKey, String projectionType) {}
}
