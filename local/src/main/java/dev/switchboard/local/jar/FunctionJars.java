package dev.switchboard.local.jar;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.switchboard.local.LocalCloud;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import dev.switchboard.local.LocalTemplate;

/**
 * The template's functions as deployable jars run in fresh JVMs against a running local cloud:
 * each with its template environment (endpoints pointing at the local cloud), dummy credentials
 * and the local region, as Lambda would start them.
 */
public final class FunctionJars {

    /** Function logical id to the module whose shaded jar it deploys (as the Makefile copies them). */
    public static final Map<String, String> MODULES = Map.of(
            "ConnectFunction", "connect-handler",
            "MessageFunction", "message-handler",
            "BroadcastFunction", "message-handler",
            "DisconnectFunction", "disconnect-handler");

    private final LocalCloud cloud;
    private final Path repository;
    private final FreshJvm jvm;

    public FunctionJars(LocalCloud cloud, Path repository) throws IOException {
        this.cloud = cloud;
        this.repository = repository;
        this.jvm = FreshJvm.prepare();
    }

    public Path jar(String function) {
        String module = MODULES.get(function);
        return repository.resolve(module).resolve("target").resolve("switchboard-" + module + "-lambda.jar");
    }

    /**
     * The id the gateway gave {@code user}'s one open connection, read from the table (the byUser
     * index), waiting up to 10 s for {@code $connect} to store it: a fresh JVM's event can then
     * come from a real, open WebSocket.
     */
    public String connectionIdOf(String user) throws InterruptedException {
        try (DynamoDbClient dynamo = DynamoDbClient.builder().endpointOverride(cloud.dynamoDbEndpoint())
                .region(Region.of(cloud.region()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))).build()) {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < deadline) {
                var items = dynamo.query(r -> r.tableName(cloud.tableName()).indexName("byUser")
                        .keyConditionExpression("gsi1pk = :u")
                        .expressionAttributeValues(Map.of(":u", AttributeValue.fromS("USER#" + user)))).items();
                if (items.size() == 1) {
                    return items.get(0).get("connectionId").s();
                }
                if (items.size() > 1) {
                    throw new IllegalStateException(user + " has " + items.size() + " connections; expected one");
                }
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException(user + "'s connection never appeared in the table");
    }

    /** Runs one event through {@code function}'s jar in a fresh JVM with {@code jvmOptions} (and the template's JAVA_TOOL_OPTIONS). */
    public FreshJvm.Run invoke(String function, List<String> jvmOptions, String kind, String connectionId, String payload)
            throws IOException, InterruptedException {
        return invoke(function, jvmOptions, true, kind, connectionId, payload);
    }

    /**
     * @param templateToolOptions whether the template's {@code JAVA_TOOL_OPTIONS} apply (false: JVM defaults)
     * @param kind as {@link FunctionRunner} takes it; {@code baseline-getitem} runs the SDK yardstick instead of the handler
     */
    public FreshJvm.Run invoke(String function, List<String> jvmOptions, boolean templateToolOptions, String kind,
                               String connectionId, String payload) throws IOException, InterruptedException {
        LocalTemplate.FunctionDef def = cloud.template().functions().get(function);
        if (def == null) {
            throw new IllegalArgumentException("no function " + function + " in the template");
        }
        Map<String, String> env = new LinkedHashMap<>(def.environment());
        env.put("AWS_REGION", cloud.region());
        env.put("AWS_ACCESS_KEY_ID", "local");
        env.put("AWS_SECRET_ACCESS_KEY", "local");
        if (!templateToolOptions) {
            env.remove("JAVA_TOOL_OPTIONS");
        }
        if (kind.equals("baseline-getitem")) {
            return jvm.run(jar(function), kind, jvmOptions, env, List.of(), Duration.ofSeconds(60));
        }
        List<String> args = payload == null ? List.of(kind, connectionId) : List.of(kind, connectionId, payload);
        return jvm.run(jar(function), def.handlerClass(), jvmOptions, env, args, Duration.ofSeconds(60));
    }
}
