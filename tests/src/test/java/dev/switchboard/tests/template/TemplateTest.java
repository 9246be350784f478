package dev.switchboard.tests.template;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import dev.switchboard.local.CloudFormationYaml;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks template.yaml against the code: the template is what deploys, so a handler renamed in Java
 * or a route without its permission would otherwise only show up as a failed deployment.
 */
class TemplateTest {

    static final Path TEMPLATE = Path.of("..", "template.yaml");
    static Map<String, Object> template;
    static Map<String, Object> resources;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws Exception {
        template = CloudFormationYaml.read(TEMPLATE);
        resources = (Map<String, Object>) template.get("Resources");
    }

    @Test
    void everyFunctionHandler_isARequestHandlerClassOnTheClasspath() throws Exception {
        List<String> handlers = functions().values().stream()
                .map(f -> (String) properties(f).get("Handler"))
                .collect(Collectors.toList());
        assertThat(handlers).hasSize(5);
        for (String handler : handlers) {
            String[] classAndMethod = handler.split("::");
            Class<?> type = Class.forName(classAndMethod[0]);
            assertThat(RequestHandler.class).as(handler).isAssignableFrom(type);
            assertThat(type.getConstructor())
                    .as("no-arg constructor the Lambda runtime uses: " + handler)
                    .isNotNull();
            // Only Lambda's way in (issue 18): no constructor that exists for the local cloud alone.
            assertThat(type.getConstructors())
                    .as("public constructors of " + handler)
                    .hasSize(1);
            assertThat(List.of(type.getMethods()))
                    .as(handler)
                    .anyMatch(m -> m.getName().equals(classAndMethod[1])
                            && m.getParameterCount() == 2
                            && m.getParameterTypes()[1] == Context.class);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void functions_runJava21WithSnapStartOnAPublishedAlias() {
        Map<String, Object> globals =
                (Map<String, Object>) ((Map<String, Object>) template.get("Globals")).get("Function");
        assertThat(globals).containsEntry("Runtime", "java21").containsEntry("AutoPublishAlias", "live");
        assertThat((Map<String, Object>) globals.get("SnapStart")).containsEntry("ApplyOn", "PublishedVersions");
        functions().forEach((name, function) -> {
            assertThat(properties(function)).as(name).containsKeys("Timeout", "Description");
            assertThat(properties(function))
                    .as(name + " must not turn SnapStart off")
                    .doesNotContainKey("SnapStart");
        });
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyRoute_invokesItsFunctionAlias_withAPermissionScopedToThatRoute() {
        Map<String, String> routeToFunction = Map.of(
                "$connect",
                "ConnectFunction",
                "refresh",
                "ConnectFunction",
                "$default",
                "MessageFunction",
                "$disconnect",
                "DisconnectFunction");
        routeToFunction.forEach((routeKey, function) -> {
            Map<String, Object> route = resourcesOfType("AWS::ApiGatewayV2::Route").values().stream()
                    .filter(r -> routeKey.equals(properties(r).get("RouteKey")))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no route " + routeKey));
            // Target: !Join ['/', [integrations, !Ref SomeIntegration]]
            List<Object> joined = (List<Object>)
                    ((List<Object>) ((Map<String, Object>) properties(route).get("Target")).get("Fn::Join")).get(1);
            String integrationName = (String) ((Map<String, Object>) joined.get(1)).get("Ref");
            Map<String, Object> integration = (Map<String, Object>) resources.get(integrationName);
            assertThat(properties(integration)).containsEntry("IntegrationType", "AWS_PROXY");
            assertThat(String.valueOf(properties(integration).get("IntegrationUri")))
                    .as("the alias, so SnapStart applies")
                    .contains("${" + function + ".Alias}");

            Map<String, Object> permission = resourcesOfType("AWS::Lambda::Permission").values().stream()
                    .filter(p -> Map.of("Ref", function + ".Alias")
                            .equals(properties(p).get("FunctionName")))
                    .filter(p -> String.valueOf(properties(p).get("SourceArn")).endsWith("/" + routeKey + "}"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no Lambda::Permission for " + function + " on " + routeKey));
            assertThat(properties(permission)).containsEntry("Principal", "apigateway.amazonaws.com");
            assertThat(String.valueOf(properties(permission).get("SourceArn"))).contains("${WebSocketApi}");
        });
    }

    @Test
    @SuppressWarnings("unchecked")
    void api_routesOnTheActionField_andTheStageIsThrottled() {
        Map<String, Object> api =
                resourcesOfType("AWS::ApiGatewayV2::Api").values().iterator().next();
        assertThat(properties(api))
                .containsEntry("ProtocolType", "WEBSOCKET")
                .containsEntry("RouteSelectionExpression", "$request.body.action");
        Map<String, Object> stage =
                resourcesOfType("AWS::ApiGatewayV2::Stage").values().iterator().next();
        assertThat((Map<String, Object>) properties(stage).get("DefaultRouteSettings"))
                .containsKeys("ThrottlingRateLimit", "ThrottlingBurstLimit");
    }

    @Test
    void functionsThatPost_mayManageConnectionsOfThisApiOnly() {
        // ConnectFunction posts only the answer to refresh (the socket is open by then); $connect itself
        // never posts: on AWS it runs before the socket is open and a post would fail with 410.
        for (String poster : List.of("MessageFunction", "BroadcastFunction", "DisconnectFunction", "ConnectFunction")) {
            List<Map<String, Object>> statements = statements(poster, "execute-api:ManageConnections");
            assertThat(statements).as(poster).hasSize(1);
            assertThat(String.valueOf(statements.get(0).get("Resource")))
                    .contains("${WebSocketApi}/${StageName}/POST/@connections/*");
        }
    }

    @Test
    void tableAccess_isScopedToThisTable_andNeverIncludesScan() {
        functions().keySet().forEach(function -> {
            List<Map<String, Object>> statements = statements(function, "dynamodb:");
            assertThat(statements).as(function).isNotEmpty();
            statements.forEach(statement -> {
                assertThat(String.valueOf(statement.get("Action")))
                        .doesNotContain("Scan")
                        .doesNotContain("dynamodb:*");
                assertThat(String.valueOf(statement.get("Resource"))).contains("Table");
            });
        });
    }

    @Test
    @SuppressWarnings("unchecked")
    void broadcastFunction_isSubscribedToBothTopics_andMessageAndBroadcastPublishToTheFanOutTopicOnly() {
        Map<String, Object> events = (Map<String, Object>)
                properties(functions().get("BroadcastFunction")).get("Events");
        List<Object> subscribed = events.values().stream()
                .filter(e -> "SNS".equals(((Map<String, Object>) e).get("Type")))
                .map(e -> ((Map<String, Object>) ((Map<String, Object>) e).get("Properties")).get("Topic"))
                .toList();
        assertThat(subscribed)
                .containsExactlyInAnyOrder(Map.of("Ref", "NotificationsTopic"), Map.of("Ref", "FanOutTopic"));
        functions().forEach((name, function) -> {
            String policies = String.valueOf(properties(function).get("Policies"));
            boolean publishes = policies.contains("SNSPublishMessagePolicy");
            assertThat(publishes)
                    .as(name)
                    .isEqualTo(name.equals("MessageFunction") || name.equals("BroadcastFunction"));
            // chunks only: no function publishes to the public topic, which other systems use
            assertThat(policies).as(name).doesNotContain("NotificationsTopic");
            if (publishes) {
                assertThat(policies).as(name).contains("{Fn::GetAtt=[FanOutTopic, TopicName]}");
                assertThat((Map<String, Object>)
                                ((Map<String, Object>) properties(function).get("Environment")).get("Variables"))
                        .as(name)
                        .containsEntry("SWITCHBOARD_FANOUT_TOPIC_ARN", Map.of("Ref", "FanOutTopic"));
            }
        });
        assertThat(globalEnvironment())
                .as("only the publishers know the fan-out topic")
                .doesNotContainKey("SWITCHBOARD_FANOUT_TOPIC_ARN");
    }

    @Test
    @SuppressWarnings("unchecked")
    void fanOutTopic_deniesPublishToEveryoneButTheMessageAndBroadcastRoles() {
        Map<String, Object> policy = properties(resourcesOfType("AWS::SNS::TopicPolicy").values().stream()
                .filter(p -> List.of(Map.of("Ref", "FanOutTopic"))
                        .equals(properties(p).get("Topics")))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no AWS::SNS::TopicPolicy for FanOutTopic")));
        List<Map<String, Object>> statements =
                (List<Map<String, Object>>) ((Map<String, Object>) policy.get("PolicyDocument")).get("Statement");
        assertThat(statements).anySatisfy(statement -> {
            assertThat(statement)
                    .containsEntry("Effect", "Deny")
                    .containsEntry("Principal", "*")
                    .containsEntry("Action", "sns:Publish")
                    .containsEntry("Resource", Map.of("Ref", "FanOutTopic"));
            Map<String, Object> condition =
                    (Map<String, Object>) ((Map<String, Object>) statement.get("Condition")).get("ArnNotEquals");
            assertThat((List<Object>) condition.get("aws:PrincipalArn"))
                    .containsExactlyInAnyOrder(
                            Map.of("Fn::GetAtt", List.of("MessageFunctionRole", "Arn")),
                            Map.of("Fn::GetAtt", List.of("BroadcastFunctionRole", "Arn")));
        });
    }

    @Test
    @SuppressWarnings("unchecked")
    void broadcastFunction_sendsWhatStillFailsAfterLambdasRetries_toItsDeadLetterQueue() {
        Map<String, Object> invoke = (Map<String, Object>)
                properties(functions().get("BroadcastFunction")).get("EventInvokeConfig");
        assertThat(invoke).containsEntry("MaximumRetryAttempts", 2);
        Map<String, Object> onFailure =
                (Map<String, Object>) ((Map<String, Object>) invoke.get("DestinationConfig")).get("OnFailure");
        assertThat(onFailure)
                .containsEntry("Type", "SQS")
                .containsEntry("Destination", Map.of("Fn::GetAtt", List.of("BroadcastDeadLetterQueue", "Arn")));
        Map<String, Object> queue = properties(resources.get("BroadcastDeadLetterQueue"));
        assertThat(((Map<String, Object>) resources.get("BroadcastDeadLetterQueue")).get("Type"))
                .isEqualTo("AWS::SQS::Queue");
        assertThat(queue)
                .as("14 days to look and redrive")
                .containsEntry("MessageRetentionPeriod", 1209600)
                .containsEntry("SqsManagedSseEnabled", true);
        assertThat(String.valueOf(((Map<String, Object>) template.get("Outputs")).get("BroadcastDeadLetterQueueUrl")))
                .contains("BroadcastDeadLetterQueue");
    }

    @Test
    @SuppressWarnings("unchecked")
    void table_hasTheKeysIndexesAndTtlTheStoreUses() {
        Map<String, Object> table = properties(resources.get("Table"));
        assertThat(table).containsEntry("BillingMode", "PAY_PER_REQUEST");
        assertThat(String.valueOf(table.get("KeySchema"))).contains("pk").contains("sk");
        List<String> indexes = ((List<Map<String, Object>>) table.get("GlobalSecondaryIndexes"))
                .stream().map(i -> (String) i.get("IndexName")).toList();
        assertThat(indexes).containsExactlyInAnyOrder("byUser", "byShard");
        assertThat((Map<String, Object>) table.get("TimeToLiveSpecification"))
                .containsEntry("AttributeName", "expiresAt")
                .containsEntry("Enabled", true);
    }

    @Test
    @SuppressWarnings("unchecked")
    void managementEndpoint_isBuiltFromTheApiId_notFromARequestDomain() {
        Map<String, Object> variables = globalEnvironment();
        assertThat(String.valueOf(variables.get("SWITCHBOARD_MANAGEMENT_ENDPOINT")))
                .contains("https://${WebSocketApi}.execute-api.${AWS::Region}.amazonaws.com/${StageName}");
        assertThat(variables).containsEntry("SWITCHBOARD_DEV_AUTH", Map.of("Ref", "DevAuth"));
        Map<String, Object> devAuth =
                (Map<String, Object>) ((Map<String, Object>) template.get("Parameters")).get("DevAuth");
        assertThat(devAuth).as("dev auth is insecure: off unless asked for").containsEntry("Default", "false");
    }

    @Test
    void everyVariableTheCodeRequires_isSetForEveryFunction_andNothingUnknownIsSet() {
        Map<String, Object> variables = globalEnvironment();
        assertThat(variables).containsKeys(dev.switchboard.core.Config.REQUIRED.toArray(String[]::new));
        List<String> known = new ArrayList<>(dev.switchboard.core.Config.REQUIRED);
        known.addAll(dev.switchboard.core.Config.OPTIONAL);
        known.add("JAVA_TOOL_OPTIONS");
        assertThat(known).as("a variable the code never reads is a typo").containsAll(variables.keySet());
        functions()
                .forEach((name, function) -> assertThat(
                                String.valueOf(properties(function).get("Environment")))
                        .as(name + " must not drop the global variables")
                        .doesNotContain("SWITCHBOARD_TABLE: ''"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void jwtSecret_reachesOnlyTheConnectFunction() {
        assertThat(globalEnvironment())
                .as("Globals give every function their variables")
                .doesNotContainKey("SWITCHBOARD_JWT_SECRET");
        functions().forEach((name, function) -> {
            Map<String, Object> environment =
                    (Map<String, Object>) properties(function).get("Environment");
            Map<String, Object> variables =
                    environment == null ? Map.of() : (Map<String, Object>) environment.get("Variables");
            assertThat(variables.containsKey("SWITCHBOARD_JWT_SECRET"))
                    .as(name)
                    .isEqualTo(name.equals("ConnectFunction"));
        });
        assertThat(String.valueOf(((Map<String, Object>)
                                ((Map<String, Object>) properties(functions().get("ConnectFunction"))
                                                .get("Environment"))
                                        .get("Variables"))
                        .get("SWITCHBOARD_JWT_SECRET")))
                .as("a dynamic reference, never the secret in a parameter")
                .contains("{{resolve:secretsmanager:${JwtSecretName}}}");
    }

    @Test
    void connectAndBroadcast_mayUseOnlyTheTableActionsTheyCall() {
        // $connect + refresh: register (PutItem), per-user slots (UpdateItem, BatchGetItem), refresh's rooms (Query),
        // leaving rooms (DeleteItem + UpdateItem in a transaction), 410 cleanup (BatchWriteItem); never a
        // ConditionCheck
        assertThat(tableActions("ConnectFunction"))
                .containsExactlyInAnyOrder(
                        "dynamodb:GetItem",
                        "dynamodb:PutItem",
                        "dynamodb:UpdateItem",
                        "dynamodb:Query",
                        "dynamodb:DeleteItem",
                        "dynamodb:BatchWriteItem",
                        "dynamodb:BatchGetItem");
        // Broadcast: queries recipients (room, byUser, byShard), deletes connections found gone (a batch for a room,
        // conditional DeleteItems otherwise), priming's GetItem, a user's inbox item and its counter (one transaction
        // of a Put and an Update)
        assertThat(tableActions("BroadcastFunction"))
                .containsExactlyInAnyOrder(
                        "dynamodb:GetItem",
                        "dynamodb:Query",
                        "dynamodb:BatchWriteItem",
                        "dynamodb:DeleteItem",
                        "dynamodb:PutItem",
                        "dynamodb:UpdateItem");
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyStore_isEncryptedAtRest() {
        // DynamoDB tables are always encrypted at rest; SSEEnabled true asks for a KMS key (the AWS managed
        // key unless one is named), which CloudTrail logs and key policies can govern:
        // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/EncryptionAtRest.html
        Map<String, Map<String, Object>> tables = new java.util.HashMap<>(resourcesOfType("AWS::DynamoDB::Table"));
        tables.putAll(resourcesOfType("AWS::DynamoDB::GlobalTable"));
        assertThat(tables).containsOnlyKeys("Table", "GlobalTable");
        tables.forEach((name, table) -> assertThat(
                        (Map<String, Object>) properties(table).get("SSESpecification"))
                .as(name)
                .containsEntry("SSEEnabled", true));
        assertThat(resourcesOfType("AWS::SNS::Topic"))
                .isNotEmpty()
                .allSatisfy(
                        (name, topic) -> assertThat(properties(topic)).as(name).containsKey("KmsMasterKeyId"));
        // SSE-SQS (SQS managed keys):
        // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-server-side-encryption.html
        assertThat(resourcesOfType("AWS::SQS::Queue"))
                .isNotEmpty()
                .allSatisfy((name, queue) -> assertThat(properties(queue))
                        .as(name)
                        .satisfiesAnyOf(
                                q -> assertThat(q).containsEntry("SqsManagedSseEnabled", true),
                                q -> assertThat(q).containsKey("KmsMasterKeyId")));
    }

    @Test
    @SuppressWarnings("unchecked")
    void topics_areEncryptedAtRest_withTheAwsManagedKeyByDefault() {
        assertThat(resourcesOfType("AWS::SNS::Topic"))
                .as("every topic: notifications and the internal chunks")
                .containsOnlyKeys("NotificationsTopic", "FanOutTopic")
                .allSatisfy((name, topic) -> assertThat(properties(topic))
                        .as(name)
                        .containsEntry("KmsMasterKeyId", Map.of("Ref", "TopicKmsKeyId")));
        Map<String, Object> key =
                (Map<String, Object>) ((Map<String, Object>) template.get("Parameters")).get("TopicKmsKeyId");
        assertThat(key).containsEntry("Default", "alias/aws/sns");
    }

    @Test
    @SuppressWarnings("unchecked")
    void indexes_projectOnlyWhatTheirReadersUse_soConnectionUpdatesWriteTheTableAlone() {
        List<Map<String, Object>> indexes =
                (List<Map<String, Object>>) properties(resources.get("Table")).get("GlobalSecondaryIndexes");
        assertThat(indexes)
                .allSatisfy(index -> assertThat((Map<String, Object>) index.get("Projection"))
                        .containsEntry("ProjectionType", "INCLUDE")
                        .containsEntry("NonKeyAttributes", List.of("connectionId", "user", "expiresAt", "tokenExp")));
    }

    @SuppressWarnings("unchecked")
    static List<String> tableActions(String function) {
        List<String> actions = new ArrayList<>();
        statements(function, "dynamodb:").forEach(statement -> actions.addAll((List<String>) statement.get("Action")));
        return actions;
    }

    // ------------------------------------------------------------------ helpers

    @SuppressWarnings("unchecked")
    static Map<String, Object> globalEnvironment() {
        Map<String, Object> globals =
                (Map<String, Object>) ((Map<String, Object>) template.get("Globals")).get("Function");
        return (Map<String, Object>) ((Map<String, Object>) globals.get("Environment")).get("Variables");
    }

    static Map<String, Map<String, Object>> functions() {
        return resourcesOfType("AWS::Serverless::Function");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> resourcesOfType(String type) {
        return resources.entrySet().stream()
                .filter(e -> type.equals(((Map<String, Object>) e.getValue()).get("Type")))
                .collect(Collectors.toMap(Map.Entry::getKey, e -> (Map<String, Object>) e.getValue()));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> properties(Object resource) {
        return (Map<String, Object>) ((Map<String, Object>) resource).get("Properties");
    }

    /** Inline policy statements of a function whose Action mentions {@code actionPrefix}. */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> statements(String function, String actionPrefix) {
        List<Map<String, Object>> found = new ArrayList<>();
        for (Object policy :
                (List<Object>) properties(functions().get(function)).get("Policies")) {
            Object statements = ((Map<String, Object>) policy).get("Statement");
            if (statements == null) {
                continue;
            }
            for (Map<String, Object> statement : (List<Map<String, Object>>) statements) {
                if (String.valueOf(statement.get("Action")).contains(actionPrefix)) {
                    found.add(statement);
                }
            }
        }
        return found;
    }
}
