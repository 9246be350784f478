package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TemplateReaderTest {
    private static final TemplateReader.Context CONTEXT = new TemplateReader.Context(
            "local",
            "us-east-1",
            "000000000000",
            "localws001",
            "switchboard-local",
            8080,
            "http://localhost:8000",
            "http://localhost:9911",
            Map.of("StageName", "local"),
            Map.of());

    @Test
    void realTemplate_mapsRoutesToHandlerClasses() throws Exception {
        LocalTemplate t = TemplateReader.read(Path.of("../template.yaml"), CONTEXT);
        assertThat(t.routeSelectionExpression()).isEqualTo("$request.body.action");
        // refresh is routed to the Connect function: the only one that holds the token secret
        assertThat(t.routes()).containsOnlyKeys("$connect", "$default", "$disconnect", "refresh");
        assertThat(t.routes().get("refresh").functionId())
                .isEqualTo(t.routes().get("$connect").functionId());
        assertThat(t.functions().get(t.routes().get("$connect").functionId()).handlerClass())
                .isEqualTo("dev.switchboard.connect.ConnectHandler");
        assertThat(t.functions().get(t.routes().get("$default").functionId()).handlerClass())
                .isEqualTo("dev.switchboard.message.MessageHandler");
        assertThat(t.functions().get(t.routes().get("$disconnect").functionId()).handlerClass())
                .isEqualTo("dev.switchboard.disconnect.DisconnectHandler");
        assertThat(t.snsSubscribers()).containsExactly("BroadcastFunction");
        assertThat(t.functions().get("MessageFunction").timeoutSeconds()).isEqualTo(29);
        assertThat(t.throttlingRateLimit()).isEqualTo(500);
        assertThat(t.throttlingBurstLimit()).isEqualTo(1000);
    }

    @Test
    void realTemplate_resolvesEnvironmentToLocalResources() throws Exception {
        LocalTemplate t = TemplateReader.read(Path.of("../template.yaml"), CONTEXT);
        Map<String, String> env = t.functions().get("ConnectFunction").environment();
        assertThat(env)
                .containsEntry("SWITCHBOARD_TABLE", "switchboard-local-Table")
                .doesNotContainKey("SWITCHBOARD_FANOUT_TOPIC_ARN") // only the functions that publish know the topic
                .containsEntry("SWITCHBOARD_MANAGEMENT_ENDPOINT", "http://localhost:8080/local")
                .containsEntry("SWITCHBOARD_DEV_AUTH", "false")
                .containsEntry("SWITCHBOARD_JWT_SECRET", "")
                .containsEntry("SWITCHBOARD_MESSAGE_RETENTION_DAYS", "7")
                .containsEntry("AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:8000")
                .containsEntry("AWS_ENDPOINT_URL_SNS", "http://localhost:9911")
                .containsEntry("AWS_REGION", "us-east-1")
                .containsEntry("AWS_LAMBDA_FUNCTION_NAME", "ConnectFunction");
        // a function's own Environment merges with Globals key by key
        assertThat(t.functions().get("MessageFunction").environment())
                .containsEntry(
                        "SWITCHBOARD_FANOUT_TOPIC_ARN",
                        "arn:aws:sns:us-east-1:000000000000:switchboard-local-FanOutTopic")
                .containsEntry("SWITCHBOARD_TABLE", "switchboard-local-Table");
        assertThat(t.table().hashKey()).isEqualTo("pk");
        assertThat(t.table().rangeKey()).isEqualTo("sk");
        assertThat(t.table().globalSecondaryIndexes())
                .extracting(LocalTemplate.Index::name)
                .containsExactly("byUser", "byShard");
        assertThat(t.table().ttlAttribute()).isEqualTo("expiresAt");
    }

    @Test
    void realTemplate_hasBothTopics_theDeadLetterQueue_andBroadcastsOnFailureDestination() throws Exception {
        LocalTemplate t = TemplateReader.read(Path.of("../template.yaml"), CONTEXT);
        assertThat(t.topicArn())
                .as("the first topic is the public one")
                .isEqualTo("arn:aws:sns:us-east-1:000000000000:switchboard-local-NotificationsTopic");
        assertThat(t.topics())
                .extracting(LocalTemplate.Topic::logicalId, LocalTemplate.Topic::subscribers)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "NotificationsTopic", java.util.List.of("BroadcastFunction")),
                        org.assertj.core.groups.Tuple.tuple("FanOutTopic", java.util.List.of("BroadcastFunction")));
        assertThat(t.queues())
                .containsExactly(new LocalTemplate.Queue(
                        "BroadcastDeadLetterQueue",
                        "switchboard-local-BroadcastDeadLetterQueue",
                        "arn:aws:sqs:us-east-1:000000000000:switchboard-local-BroadcastDeadLetterQueue",
                        "http://localhost:9911/000000000000/switchboard-local-BroadcastDeadLetterQueue"));
        assertThat(t.asyncInvoke().get("BroadcastFunction"))
                .isEqualTo(new LocalTemplate.AsyncInvokeConfig(
                        2, "arn:aws:sqs:us-east-1:000000000000:switchboard-local-BroadcastDeadLetterQueue"));
        assertThat(t.asyncInvoke().get("MessageFunction"))
                .as("Lambda's defaults")
                .isEqualTo(new LocalTemplate.AsyncInvokeConfig(2, null));
    }

    @Test
    void conditionsAndDynamicReferences_followParameters() throws Exception {
        TemplateReader.Context withSecret =
                context(Map.of("JwtSecretName", "my-secret"), Map.of("SWITCHBOARD_JWKS_URL", "override"));
        LocalTemplate t = TemplateReader.read(Path.of("src/test/resources/test-template.yaml"), withSecret);
        Map<String, String> env = t.functions().get("MessageFunction").environment();
        // HasJwtSecret is true, so the {{resolve:secretsmanager:...}} branch is taken: it resolves to empty locally.
        assertThat(env)
                .containsEntry("SWITCHBOARD_JWT_SECRET", "")
                .containsEntry("TABLE_ARN", "arn:aws:dynamodb:us-east-1:000000000000:table/switchboard-local-Table")
                .containsEntry("JOINED", "a/prod/c")
                .containsEntry("SWITCHBOARD_JWKS_URL", "override")
                .containsEntry("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512");
        assertThat(t.routes().get("reply").twoWay()).isTrue();
        assertThat(t.routes().get("$default").twoWay()).isFalse();
    }

    @Test
    void jwtSecretOverride_reachesOnlyTheFunctionsTheTemplateGivesItTo() throws Exception {
        TemplateReader.Context withSecret = context(
                Map.of("StageName", "local"),
                Map.of("SWITCHBOARD_JWT_SECRET", "0123456789abcdef0123456789abcdef", "SWITCHBOARD_SEND_BURST", "7"));
        LocalTemplate t = TemplateReader.read(Path.of("../template.yaml"), withSecret);
        assertThat(t.functions().get("ConnectFunction").environment())
                .containsEntry("SWITCHBOARD_JWT_SECRET", "0123456789abcdef0123456789abcdef");
        for (String other : new String[] {"MessageFunction", "BroadcastFunction", "DisconnectFunction"}) {
            // as on AWS: the template gives the secret to $connect alone; other overrides still reach everyone
            assertThat(t.functions().get(other).environment())
                    .as(other)
                    .doesNotContainKey("SWITCHBOARD_JWT_SECRET")
                    .containsEntry("SWITCHBOARD_SEND_BURST", "7");
        }
    }

    @Test
    void indexProjections_areReadWithTheirNonKeyAttributes() throws Exception {
        LocalTemplate t = TemplateReader.read(Path.of("../template.yaml"), CONTEXT);
        assertThat(t.table().globalSecondaryIndexes()).allSatisfy(index -> {
            assertThat(index.projectionType()).isEqualTo("INCLUDE");
            assertThat(index.nonKeyAttributes()).containsExactly("connectionId", "user", "expiresAt", "tokenExp");
        });
    }

    /** A one-function template whose environment variable X is {@code value} (YAML, indented for the map). */
    private static Path templateWith(Path dir, String extraSections, String value) throws Exception {
        Path file = dir.resolve("template.yaml");
        Files.writeString(file, """
        Transform: AWS::Serverless-2016-10-31
        %s
        Resources:
          Table:
            Type: AWS::DynamoDB::Table
            Properties:
              KeySchema: [{AttributeName: pk, KeyType: HASH}]
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: x.Handler
              Environment:
                Variables:
                  X: %s
        """.formatted(extraSections, value));
        return file;
    }

    @Test
    void realTemplate_everyFunctionLogsInTheJsonFormatOfGlobals_atTheLogLevelParameter() throws Exception {
        LocalTemplate t = TemplateReader.read(Path.of("../template.yaml"), CONTEXT);
        assertThat(t.functions().values())
                .isNotEmpty()
                .allSatisfy(f -> assertThat(f.logging())
                        .as(f.logicalId() + ": its own LoggingConfig (LogGroup) merged with Globals'")
                        .isEqualTo(new LocalTemplate.LoggingConfig("JSON", "INFO", "INFO")));

        TemplateReader.Context warn = context(Map.of("StageName", "local", "LogLevel", "WARN"), Map.of());
        assertThat(TemplateReader.read(Path.of("../template.yaml"), warn)
                        .functions()
                        .get("MessageFunction")
                        .logging()
                        .applicationLogLevel())
                .isEqualTo("WARN");
    }

    @Test
    void integrationTimeout_isTimeoutInMillis_29sWithout_andOutside50To29000FailsTheStart(@TempDir Path dir)
            throws Exception {
        assertThat(TemplateReader.read(Path.of("../template.yaml"), CONTEXT)
                        .routes()
                        .values())
                .as("the real template sets none: API Gateway's 29 s on every route")
                .allSatisfy(r -> assertThat(r.integrationTimeout()).isEqualTo(Duration.ofSeconds(29)));
        String template = """
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: x.Handler
          Api:
            Type: AWS::ApiGatewayV2::Api
            Properties:
              ProtocolType: WEBSOCKET
              RouteSelectionExpression: $request.body.action
          Integration:
            Type: AWS::ApiGatewayV2::Integration
            Properties:
              ApiId: !Ref Api
              IntegrationType: AWS_PROXY
              IntegrationUri: !Sub 'arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn.Arn}/invocations'
              TimeoutInMillis: %s
          Route:
            Type: AWS::ApiGatewayV2::Route
            Properties:
              ApiId: !Ref Api
              RouteKey: $default
              Target: !Join ['/', [integrations, !Ref Integration]]
        """;
        Path file = dir.resolve("template.yaml");
        for (String millis : new String[] {"50", "1500", "29000"}) {
            Files.writeString(file, template.formatted(millis));
            assertThat(TemplateReader.read(file, CONTEXT)
                            .routes()
                            .get("$default")
                            .integrationTimeout())
                    .isEqualTo(Duration.ofMillis(Long.parseLong(millis)));
        }
        for (String millis : new String[] {"49", "29001", "'soon'"}) {
            Files.writeString(file, template.formatted(millis));
            assertThatThrownBy(() -> TemplateReader.read(file, CONTEXT))
                    .as(millis)
                    .hasMessageContaining("route $default (integration Integration): TimeoutInMillis")
                    .hasMessageContaining("outside 50-29000");
        }
    }

    @Test
    void loggingConfig_mergesKeyByKeyWithGlobals_defaultsToText_andRefusesWhatLambdaRefuses(@TempDir Path dir)
            throws Exception {
        String template = """
        Transform: AWS::Serverless-2016-10-31
        Globals:
          Function:
            LoggingConfig:
              LogFormat: %s
              SystemLogLevel: WARN
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: x.Handler
              LoggingConfig:
                SystemLogLevel: DEBUG
          Other:
            Type: AWS::Serverless::Function
            Properties:
              Handler: x.Other
        """;
        Path file = dir.resolve("template.yaml");
        Files.writeString(file, template.formatted("JSON"));
        LocalTemplate t = TemplateReader.read(file, CONTEXT);
        assertThat(t.functions().get("Fn").logging())
                .isEqualTo(new LocalTemplate.LoggingConfig("JSON", "INFO", "DEBUG"));
        assertThat(t.functions().get("Other").logging())
                .isEqualTo(new LocalTemplate.LoggingConfig("JSON", "INFO", "WARN"));

        Files.writeString(file, template.formatted("json"));
        assertThatThrownBy(() -> TemplateReader.read(file, CONTEXT))
                .hasMessageContaining("Fn.LoggingConfig.LogFormat is 'json': Lambda accepts one of [JSON, Text]");

        Path plain = templateWith(dir, "", "x");
        assertThat(TemplateReader.read(plain, CONTEXT).functions().get("Fn").logging())
                .as("no LoggingConfig: Lambda's plain text")
                .isEqualTo(LocalTemplate.LoggingConfig.TEXT);
    }

    @Test
    void realTemplate_resolvesEverywhere_inOneRegionAndInSeveral() throws Exception {
        for (String regions : new String[] {"", "us-east-1,eu-west-1", "eu-west-1,us-east-1,ap-south-1"}) {
            TemplateReader.Context context = withParameters(
                    Map.of("ReplicaRegions", regions, "AlarmTopicArn", "arn:aws:sns:us-east-1:000000000000:ops"));
            // every property of every resource is resolved at start-up: a failure names what to fix
            assertThat(TemplateReader.read(Path.of("../template.yaml"), context).functions())
                    .as(regions)
                    .containsKeys("ConnectFunction", "MessageFunction", "BroadcastFunction", "DisconnectFunction");
        }
    }

    @Test
    void anIntrinsicItCannotResolve_failsTheStart_namingIntrinsicResourceAndProperty(@TempDir Path dir)
            throws Exception {
        for (String intrinsic : new String[] {"!ImportValue shared-table", "!GetAZs ''", "!Cidr [10.0.0.0/16, 2, 8]"}) {
            Path template = templateWith(dir, "", intrinsic);
            String name = "Fn::" + intrinsic.substring(1, intrinsic.indexOf(' '));
            assertThatThrownBy(() -> TemplateReader.read(template, CONTEXT))
                    .as(intrinsic)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(template.toString())
                    .hasMessageContaining("resource Fn, property Environment")
                    .hasMessageContaining(name + " is not resolved by the local cloud");
        }
    }

    @Test
    void aGetAttOfAnAttributeItDoesNotModel_failsTheStart(@TempDir Path dir) throws Exception {
        Path template = templateWith(dir, "", "!GetAtt Table.StreamArn");
        assertThatThrownBy(() -> TemplateReader.read(template, CONTEXT))
                .hasMessageContaining("resource Fn, property Environment")
                .hasMessageContaining("Fn::GetAtt Table.StreamArn (AWS::DynamoDB::Table) is not resolved");
    }

    @Test
    void anUnresolvableIntrinsic_inAPropertyTheLocalCloudIgnores_failsToo(@TempDir Path dir) throws Exception {
        Path template = templateWith(dir, "", "plain");
        Files.writeString(template, Files.readString(template) + """
          Alarm:
            Type: AWS::CloudWatch::Alarm
            Properties:
              AlarmActions: [!ImportValue ops-topic]
        """);
        assertThatThrownBy(() -> TemplateReader.read(template, CONTEXT))
                .hasMessageContaining("resource Alarm, property AlarmActions: Fn::ImportValue");
    }

    @Test
    void findInMap_base64_andSamGeneratedRoles_resolve(@TempDir Path dir) throws Exception {
        Path template = templateWith(
                dir,
                """
        Mappings:
          Sizes:
            us-east-1: {Chunk: 250}
        """,
                "!Join ['|', [!FindInMap [Sizes, !Ref 'AWS::Region', Chunk], !Base64 hi, !GetAtt FnRole.Arn]]");
        LocalTemplate t = TemplateReader.read(template, CONTEXT);
        assertThat(t.functions().get("Fn").environment())
                .containsEntry("X", "250|aGk=|arn:aws:iam::000000000000:role/switchboard-local-FnRole");

        Path missing = templateWith(dir, """
        Mappings:
          Sizes:
            eu-west-1: {Chunk: 250}
        """, "!FindInMap [Sizes, !Ref 'AWS::Region', Chunk]");
        assertThatThrownBy(() -> TemplateReader.read(missing, CONTEXT))
                .hasMessageContaining(
                        "Fn::FindInMap [Sizes, us-east-1, Chunk] finds nothing: add that key to Mappings.Sizes");
    }

    @Test
    void realTemplate_runsTheExpiredConnectionsSweepEveryMinute() throws Exception {
        LocalTemplate t = TemplateReader.read(Path.of("../template.yaml"), CONTEXT);
        assertThat(t.schedules())
                .containsExactly(new LocalTemplate.Schedule(
                        "ExpiredConnectionsFunction", "Sweep", java.time.Duration.ofMinutes(1), true));
        assertThat(t.functions().get("ExpiredConnectionsFunction").handlerClass())
                .isEqualTo("dev.switchboard.disconnect.ExpiredConnectionsHandler");
    }

    @Test
    void scheduleExpressions_rateIsRun_othersFailTheStartUpByName(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        assertThat(schedule(dir, "rate(5 minutes)").schedules().get(0).rate())
                .isEqualTo(java.time.Duration.ofMinutes(5));
        assertThat(schedule(dir, "rate(1 hour)").schedules().get(0).rate()).isEqualTo(java.time.Duration.ofHours(1));
        for (String refused : new String[] {
            "cron(0 12 * * ? *)", "rate(1 minutes)", "rate(2 minute)", "rate(0 minutes)", "every minute"
        }) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> schedule(dir, refused))
                    .as(refused)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("function Fn, event Tick")
                    .hasMessageContaining(refused);
        }
    }

    private static LocalTemplate schedule(Path dir, String expression) throws Exception {
        Path template = dir.resolve("schedule.yaml");
        java.nio.file.Files.writeString(
                template,
                String.join(
                        "\n",
                        "Resources:",
                        "  Fn:",
                        "    Type: AWS::Serverless::Function",
                        "    Properties:",
                        "      Handler: a.B::handleRequest",
                        "      Events:",
                        "        Tick:",
                        "          Type: Schedule",
                        "          Properties:",
                        "            Schedule: " + expression,
                        ""));
        return TemplateReader.read(template, CONTEXT);
    }

    @Test
    void conditions_leaveOutResources_listParametersSplit_andARefToALeftOutResourceSaysWhy(
            @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path template = java.nio.file.Files.writeString(dir.resolve("template.yaml"), """
        Parameters:
          Regions: { Type: CommaDelimitedList, Default: '' }
        Conditions:
          Several: !Not [!Equals [!Join ['', !Ref Regions], '']]
          One: !Equals [!Join ['', !Ref Regions], '']
          Second: !Not [!Equals [!Select [1, !Split [',', !Join [',', [!Join [',', !Ref Regions], '', '']]]], '']]
        Resources:
          Table:
            Type: AWS::DynamoDB::Table
            Condition: One
            Properties:
              KeySchema: [{ AttributeName: pk, KeyType: HASH }]
          Global:
            Type: AWS::DynamoDB::GlobalTable
            Condition: Several
            Properties:
              TableName: global-chat
              KeySchema: [{ AttributeName: pk, KeyType: HASH }]
              Replicas:
                - Region: !Select [0, !Ref Regions]
                - !If [Second, { Region: !Select [1, !Ref Regions] }, !Ref AWS::NoValue]
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              Handler: a.B::handleRequest
              Environment:
                Variables:
                  TABLE: !If [Several, global-chat, !Ref Table]
                  REGIONS: !Join [',', !Ref Regions]
        """);
        LocalTemplate one = TemplateReader.read(template, CONTEXT);
        assertThat(one.table().tableName()).isEqualTo("switchboard-local-Table");
        assertThat(one.table().replicaRegions()).isEmpty();
        assertThat(one.functions().get("Fn").environment())
                .containsEntry("TABLE", "switchboard-local-Table")
                .containsEntry("REGIONS", "");

        LocalTemplate two = TemplateReader.read(template, withParameters(Map.of("Regions", "us-east-1, eu-west-1")));
        assertThat(two.table().tableName()).isEqualTo("global-chat");
        assertThat(two.table().replicaRegions()).containsExactly("us-east-1", "eu-west-1");
        assertThat(two.functions().get("Fn").environment())
                .containsEntry("TABLE", "global-chat")
                .containsEntry("REGIONS", "us-east-1,eu-west-1");
        assertThat(TemplateReader.read(template, withParameters(Map.of("Regions", "us-east-1")))
                        .table()
                        .replicaRegions())
                .containsExactly("us-east-1");

        Path unguarded = java.nio.file.Files.writeString(
                dir.resolve("unguarded.yaml"),
                java.nio.file.Files.readString(template)
                        .replace("!If [Several, global-chat, !Ref Table]", "!Ref Table"));
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> TemplateReader.read(unguarded, withParameters(Map.of("Regions", "a-b-1"))))
                .hasMessageContaining("Table")
                .hasMessageContaining("Condition");
    }

    private static TemplateReader.Context withParameters(Map<String, String> parameters) {
        return context(parameters, Map.of());
    }

    /** {@link #CONTEXT} with these template parameters and environment overrides. */
    private static TemplateReader.Context context(Map<String, String> parameters, Map<String, String> overrides) {
        return new TemplateReader.Context(
                CONTEXT.stage(),
                CONTEXT.region(),
                CONTEXT.accountId(),
                CONTEXT.apiId(),
                CONTEXT.stackName(),
                CONTEXT.httpPort(),
                CONTEXT.dynamoDbEndpoint(),
                CONTEXT.snsEndpoint(),
                parameters,
                overrides);
    }

    @Test
    void aRouteWithAnAuthorizer_failsTheStart_ratherThanLettingEveryoneIn(@TempDir Path dir) throws Exception {
        String real = Files.readString(Path.of("../template.yaml"));
        assertThat(real).contains("AuthorizationType: NONE");
        for (String type : new String[] {"CUSTOM", "AWS_IAM"}) {
            Path template = dir.resolve(type + ".yaml");
            Files.writeString(template, real.replaceFirst("AuthorizationType: NONE", "AuthorizationType: " + type));
            assertThatThrownBy(() -> TemplateReader.read(template, CONTEXT))
                    .as(type)
                    .hasMessageContaining("AuthorizationType " + type + " is not emulated by the local cloud")
                    .hasMessageContaining("authenticate in $connect");
        }
    }
}
