package dev.switchboard.local;

import java.lang.reflect.Field;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.dynamodb.services.local.main.CommandLineInput;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

/** DynamoDB Local as a network server in this JVM, with the template's table created in it. */
final class DynamoDbLocal implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard.dynamodb");
    /**
     * sqlite4java logs "SQLite: unknown jar version" through java.util.logging at WARNING on every start:
     * noise above the ready block that a user cannot act on. Held here because JUL keeps loggers weakly;
     * its level is set once DynamoDB Local has configured logging (which resets JUL levels).
     */
    private static final java.util.logging.Logger SQLITE_LOG =
            java.util.logging.Logger.getLogger("com.almworks.sqlite4java");

    private final DynamoDBProxyServer server;
    private final int port;

    private DynamoDbLocal(DynamoDBProxyServer server, int port) {
        this.server = server;
        this.port = port;
    }

    /**
     * Starts DynamoDB Local on {@code host} (null = loopback) and {@code port} (0 = a free one).
     *
     * @throws Exception when it cannot start, e.g. the port is in use
     */
    static DynamoDbLocal start(String host, int port, Path dataDir) throws Exception {
        // -sharedDb: one database whatever the credentials and region, so the aws CLI, tests and handlers see the same
        // table.
        // The -port given is a placeholder: its listener is replaced below, before it binds.
        List<String> args = new ArrayList<>(List.of("-port", "8000", "-disableTelemetry", "-sharedDb"));
        if (dataDir == null) {
            args.add("-inMemory");
        } else {
            java.nio.file.Files.createDirectories(dataDir);
            args.addAll(List.of("-dbPath", dataDir.toAbsolutePath().toString()));
        }
        // createServerFromCommandLineArgs would print its configuration banner to stdout, above the local
        // cloud's ready block; it is this, plus that println.
        CommandLineInput input = new CommandLineInput(args.toArray(new String[0]));
        if (!input.init()) {
            throw new IllegalStateException("DynamoDB Local refused its arguments " + args);
        }
        DynamoDBProxyServer server = ServerRunner.createServer(input);
        SQLITE_LOG.setLevel(java.util.logging.Level.SEVERE);
        Server jetty = jettyOf(server);
        for (Connector c : jetty.getConnectors()) {
            jetty.removeConnector(c);
        }
        LocalListeners.bind(jetty, host, port);
        jetty.setHandler(LocalListeners.localHostsOnly(host, jetty.getHandler()));
        server.start();
        return new DynamoDbLocal(server, LocalListeners.port(jetty));
    }

    /**
     * DynamoDB Local has no option for its listen address (only {@code -port}) and binds every
     * interface; its Jetty server is reached by reflection to bind the local cloud's listeners instead.
     */
    private static Server jettyOf(DynamoDBProxyServer server) throws ReflectiveOperationException {
        for (Field f : DynamoDBProxyServer.class.getDeclaredFields()) {
            if (Server.class.isAssignableFrom(f.getType())) {
                f.setAccessible(true);
                return (Server) f.get(server);
            }
        }
        throw new IllegalStateException(
                "DynamoDB Local " + DynamoDBProxyServer.class.getPackage().getImplementationVersion()
                        + " has no Jetty server field: check DynamoDbLocal.jettyOf after upgrading DynamoDBLocal");
    }

    String endpoint() {
        return "http://localhost:" + port;
    }

    /** Creates the table (keys, on-demand billing, GSIs, TTL) unless a persisted one exists. */
    void createTable(LocalTemplate.TableDef t, String region) {
        createTable(URI.create(endpoint()), t, region);
    }

    /**
     * {@link #createTable(LocalTemplate.TableDef, String)} on the DynamoDB Local at {@code endpoint}: a
     * global table's replicas are that one table (it runs with -sharedDb, one database whatever the region).
     */
    static void createTable(URI endpoint, LocalTemplate.TableDef t, String region) {
        try (DynamoDbClient client = DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.of(region))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                .build()) {
            List<AttributeDefinition> attributes = new ArrayList<>();
            for (Map.Entry<String, String> a : t.attributeTypes().entrySet()) {
                attributes.add(AttributeDefinition.builder()
                        .attributeName(a.getKey())
                        .attributeType(a.getValue())
                        .build());
            }
            List<GlobalSecondaryIndex> indexes = new ArrayList<>();
            for (LocalTemplate.Index i : t.globalSecondaryIndexes()) {
                indexes.add(GlobalSecondaryIndex.builder()
                        .indexName(i.name())
                        .keySchema(keys(i.hashKey(), i.rangeKey()))
                        .projection(projection(i))
                        .build());
            }
            CreateTableRequest.Builder create = CreateTableRequest.builder()
                    .tableName(t.tableName())
                    .attributeDefinitions(attributes)
                    .keySchema(keys(t.hashKey(), t.rangeKey()))
                    .billingMode(BillingMode.PAY_PER_REQUEST);
            if (!indexes.isEmpty()) {
                create.globalSecondaryIndexes(indexes);
            }
            try {
                client.createTable(create.build());
                LOG.info("created table {} ({} indexes)", t.tableName(), indexes.size());
            } catch (ResourceInUseException exists) {
                LOG.info("table {} already exists (persisted data)", t.tableName());
            }
            if (t.ttlAttribute() != null) {
                try {
                    client.updateTimeToLive(r -> r.tableName(t.tableName())
                            .timeToLiveSpecification(
                                    s -> s.attributeName(t.ttlAttribute()).enabled(true)));
                } catch (RuntimeException alreadyEnabled) {
                    LOG.debug("TTL on {}: {}", t.tableName(), alreadyEnabled.getMessage());
                }
            }
        }
    }

    private static Projection projection(LocalTemplate.Index index) {
        Projection.Builder projection = Projection.builder().projectionType(index.projectionType());
        if (!index.nonKeyAttributes().isEmpty()) {
            projection.nonKeyAttributes(index.nonKeyAttributes());
        }
        return projection.build();
    }

    private static List<KeySchemaElement> keys(String hash, String range) {
        List<KeySchemaElement> keys = new ArrayList<>();
        keys.add(KeySchemaElement.builder()
                .attributeName(hash)
                .keyType(KeyType.HASH)
                .build());
        if (range != null) {
            keys.add(KeySchemaElement.builder()
                    .attributeName(range)
                    .keyType(KeyType.RANGE)
                    .build());
        }
        return keys;
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
