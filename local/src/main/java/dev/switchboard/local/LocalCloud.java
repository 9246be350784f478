package dev.switchboard.local;

import dev.switchboard.local.metrics.CostReadout;
import dev.switchboard.local.metrics.EmfCapture;
import dev.switchboard.local.metrics.MetricsBoard;
import dev.switchboard.local.metrics.Usage;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole backend on one machine: API Gateway WebSocket API + {@code @connections}, the
 * template's functions, DynamoDB Local and an SNS endpoint. Closing it gives every open connection
 * its {@code $disconnect}, then stops everything.
 *
 * <pre>{@code
 * try (LocalCloud cloud = LocalCloud.start(LocalCloudOptions.builder().build())) {
 *   HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(cloud.webSocketUri(), listener);
 * }
 * }</pre>
 */
public final class LocalCloud implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard.local");
    static final String REGION = "us-east-1";
    static final String ACCOUNT = "000000000000";
    static final String API_ID = "localws001";

    private final LocalCloudOptions options;
    private final LocalTemplate template;
    /** Null when another cloud's DynamoDB Local is used ({@link LocalCloudOptions#dynamoDbEndpoint()}). */
    private final DynamoDbLocal dynamoDb;

    private final String dynamoDbEndpoint;
    private final DynamoDbFaultProxy dynamoDbFaults;
    private final Server server;
    private final Server snsServer;
    private final SqsServer sqs;
    private final Gateway gateway;
    private final Faults faults = new Faults();
    private final ExecutorService lambdaPool;
    private final ExecutorService dispatchPool;
    private final ScheduledExecutorService scheduler;
    private final int port;
    private final int snsPort;
    private final List<FunctionRuntime> functionRuntimes = new ArrayList<>();
    private final List<java.util.function.Consumer<InvocationReport>> reportListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();
    private final LocalCloudOptions.FunctionMode functionMode;
    private RuntimeApiServer runtimeApi;
    private RuntimeLibraries runtimeLibraries;
    private Signals signals;
    private TaskRoots taskRoots;
    private final MetricsBoard metrics = new MetricsBoard();
    private final Usage usage = new Usage();
    private final CostReadout readout = new CostReadout(usage, metrics);

    private LocalCloud(LocalCloudOptions options, List<AutoCloseable> started) throws Exception {
        this.options = options;
        if (options.host() != null) {
            LOG.warn(
                    "listening on {}, not only on this machine's loopback: anyone who can reach it can connect{}",
                    options.host(),
                    options.devAuth() ? " AS ANY USER (--dev-auth)" : "");
        }
        // Bound now, so ports of 0 are resolved before the template's endpoints are.
        this.server = new Server();
        HttpConfiguration http = new HttpConfiguration();
        // Every @connections POST carries fresh SigV4 headers (date, signature, invocation id): caching
        // header values only churns Jetty's per-connection field cache (a fifth of the gateway's CPU in a
        // 1,000-member fan-out profile), so it is off.
        http.setHeaderCacheSize(0);
        LocalListeners.bind(server, options.host(), options.port(), () -> new HttpConnectionFactory(http));
        started.add(() -> LocalListeners.stop(server));
        this.port = LocalListeners.port(server);
        this.snsServer = new Server();
        LocalListeners.bind(snsServer, options.host(), options.snsPort());
        started.add(() -> LocalListeners.stop(snsServer));
        this.snsPort = LocalListeners.port(snsServer);
        lambdaPool = Executors.newCachedThreadPool(daemon("lambda-"));
        // Bounded like Lambda's account concurrency: a burst from thousands of clients queues instead of
        // starting a thread per in-flight event.
        java.util.concurrent.ThreadPoolExecutor events = new java.util.concurrent.ThreadPoolExecutor(
                256,
                256,
                30,
                java.util.concurrent.TimeUnit.SECONDS,
                new java.util.concurrent.LinkedBlockingQueue<>(),
                daemon("ws-events-"));
        events.allowCoreThreadTimeOut(true);
        dispatchPool = events;
        scheduler = Executors.newSingleThreadScheduledExecutor(daemon("local-timer-"));

        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("StageName", options.stage());
        parameters.put("DevAuth", Boolean.toString(options.devAuth()));
        if (options.publicRooms() != null) {
            parameters.put("PublicRooms", options.publicRooms());
        }
        if (!options.replicaRegions().isEmpty()) {
            parameters.put("ReplicaRegions", String.join(",", options.replicaRegions()));
        }
        Map<String, String> env = new LinkedHashMap<>();
        if (options.jwtSecret() != null) {
            env.put("SWITCHBOARD_JWT_SECRET", options.jwtSecret());
        }
        env.putAll(options.environment());
        // Several regions (LocalRegions): one DynamoDB Local, started once, stands in for every replica.
        this.dynamoDb = options.dynamoDbEndpoint() != null
                ? null
                : DynamoDbLocal.start(options.host(), options.dynamoDbPort(), options.dynamoDbData());
        if (dynamoDb != null) {
            started.add(dynamoDb);
        }
        this.dynamoDbEndpoint = dynamoDb != null
                ? dynamoDb.endpoint()
                : options.dynamoDbEndpoint().toString();
        // With fault injection the functions reach DynamoDB Local through the proxy; everything else directly.
        this.dynamoDbFaults = options.dynamoDbFaults() ? DynamoDbFaultProxy.start(URI.create(dynamoDbEndpoint)) : null;
        if (dynamoDbFaults != null) {
            started.add(dynamoDbFaults);
        }
        String functionsDynamoDb =
                dynamoDbFaults != null ? dynamoDbFaults.endpoint().toString() : dynamoDbEndpoint;
        TemplateReader.Context ctx = new TemplateReader.Context(
                options.stage(),
                options.region(),
                ACCOUNT,
                options.apiId(),
                "switchboard-local",
                port,
                functionsDynamoDb,
                "http://localhost:" + snsPort,
                parameters,
                env);
        this.template = TemplateReader.read(options.template(), ctx);
        if (template.table() != null) {
            // the regional table, or the global table in the region whose stack owns it (the first of ReplicaRegions)
            DynamoDbLocal.createTable(URI.create(dynamoDbEndpoint), template.table(), options.region());
        }

        long timeoutOverride = options.functionTimeout() == null
                ? 0
                : options.functionTimeout().toMillis();
        this.functionMode = functionMode(options, started);
        Map<String, FunctionRuntime> functions = new LinkedHashMap<>();
        List<java.util.concurrent.CompletableFuture<Void>> prewarming = new ArrayList<>();
        if (functionMode == LocalCloudOptions.FunctionMode.PROCESS) {
            ProcessRuntime.Host host = new ProcessRuntime.Host(
                    new java.util.concurrent.Semaphore(ProcessRuntime.CONCURRENT_INITS, true),
                    runtimeApi,
                    runtimeLibraries,
                    signals,
                    scheduler,
                    options.region(),
                    ACCOUNT,
                    report -> reportListeners.forEach(l -> l.accept(report)));
            for (var entry : template.functions().entrySet()) {
                Path code = options.functionCode().get(entry.getKey());
                Path root = code != null ? code.toAbsolutePath() : taskRoots.build(entry.getKey());
                ProcessRuntime function = new ProcessRuntime(
                        entry.getValue(),
                        root,
                        host,
                        timeoutOverride,
                        ProcessRuntime.DEFAULT_MAX_INSTANCES,
                        options.functionIdleTimeout(),
                        options.functionInitTimeout());
                functions.put(entry.getKey(), function);
                if (options.prewarmFunctions()) {
                    prewarming.add(function.prewarm());
                }
            }
        } else {
            // The deployed code when it can be laid out (the real handlers, each instance with its own
            // environment); else the handler from this class path (tests' handlers).
            taskRoots = TaskRoots.create(options.template());
            started.add(taskRoots);
            for (var entry : template.functions().entrySet()) {
                Path code = options.functionCode().get(entry.getKey());
                Path root = code != null ? code.toAbsolutePath() : inProcessTaskRoot(entry.getValue());
                functions.put(
                        entry.getKey(),
                        new InProcessRuntime(entry.getValue(), lambdaPool, timeoutOverride, root, options.region()));
            }
        }
        // Requests and duration for the cost readout, measured around each invocation.
        functions.replaceAll((id, fn) -> new MeteredRuntime(fn, usage));
        // The functions' EMF records (stdout, as on Lambda): in process, from System.out; in processes of
        // their own, from each instance's output (ProcessRuntime hands every line to EmfCapture first).
        EmfCapture.register(metrics);
        started.add(() -> EmfCapture.unregister(metrics));
        functionRuntimes.addAll(functions.values());
        started.add(() -> functionRuntimes.forEach(FunctionRuntime::close));

        this.gateway = new Gateway(
                template,
                functions,
                options.stage(),
                options.apiId(),
                options.idleTimeout(),
                options.maxConnectionAge(),
                dispatchPool,
                lambdaPool,
                scheduler,
                faults,
                options.throttling(),
                options.serialDispatch());
        gateway.usage(usage);
        server.setHandler(LocalListeners.localHostsOnly(
                options.host(), new MetricsEndpoint(readout, usage, gateway.handler(server))));
        server.setStopTimeout(2000);
        server.start();

        Map<String, List<FunctionRuntime>> subscribers = new LinkedHashMap<>();
        for (LocalTemplate.Topic topic : template.topics()) {
            subscribers.put(
                    topic.arn(),
                    topic.subscribers().stream().map(functions::get).toList());
        }
        this.sqs = new SqsServer(template.queues());
        // SQS (AWS JSON protocol, X-Amz-Target header) and SNS (Query protocol) share the port.
        AsyncInvoker asyncInvoker = new AsyncInvoker(
                template.asyncInvoke(),
                sqs,
                lambdaPool,
                scheduler,
                options.snsRetryBase().toMillis(),
                options.region());
        SnsServer sns = new SnsServer(subscribers, asyncInvoker);
        sns.usage(usage);
        snsServer.setHandler(LocalListeners.localHostsOnly(options.host(), new Handler.Sequence(sqs, sns)));
        snsServer.start();
        startSchedules(options, functions, asyncInvoker);
        // "Ready" means the functions' first instances have initialised (each gives up by its own init limit).
        java.util.concurrent.CompletableFuture.allOf(prewarming.toArray(java.util.concurrent.CompletableFuture[]::new))
                .join();
    }

    /**
     * Invokes each enabled {@code Schedule} event's function every period through Lambda's asynchronous
     * invocation, as EventBridge does (so a failed run is retried as Lambda retries, and a tick while the previous
     * run still runs starts a second one), with EventBridge's "Scheduled Event" JSON. The first run is one period
     * after start, as a new rule's. Not modelled: EventBridge's own retries when Lambda refuses the event
     * (throttling), which the local cloud never does for an asynchronous invocation (docs/LOCAL.md).
     */
    private void startSchedules(
            LocalCloudOptions options, Map<String, FunctionRuntime> functions, AsyncInvoker asyncInvoker) {
        for (LocalTemplate.Schedule schedule : template.schedules()) {
            if (!schedule.enabled()) {
                continue;
            }
            long period = (options.schedulePeriod() != null ? options.schedulePeriod() : schedule.rate()).toMillis();
            FunctionRuntime function = functions.get(schedule.functionId());
            String source = "schedule " + schedule.functionId() + "." + schedule.eventName();
            scheduler.scheduleAtFixedRate(
                    () -> asyncInvoker.invoke(function, scheduledEvent(schedule, options.region()), source),
                    period,
                    period,
                    TimeUnit.MILLISECONDS);
            LOG.info(
                    "{} runs every {} s ({} {})",
                    schedule.functionId(),
                    period / 1000,
                    schedule.eventName(),
                    options.schedulePeriod() != null ? "period set by the caller" : "rate from the template");
        }
    }

    /**
     * EventBridge's Scheduled Event, as in https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html:
     * {@code region} and the rule's ARN name the cloud's own region (eu-west-1 for the second of {@code --regions}).
     */
    static String scheduledEvent(LocalTemplate.Schedule schedule, String region) {
        com.google.gson.JsonObject event = new com.google.gson.JsonObject();
        event.addProperty("version", "0");
        event.addProperty("id", java.util.UUID.randomUUID().toString());
        event.addProperty("detail-type", "Scheduled Event");
        event.addProperty("source", "aws.events");
        event.addProperty("account", ACCOUNT);
        event.addProperty(
                "time",
                java.time.Instant.now()
                        .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                        .toString());
        event.addProperty("region", region);
        com.google.gson.JsonArray resources = new com.google.gson.JsonArray();
        resources.add(
                "arn:aws:events:" + region + ":" + ACCOUNT + ":rule/" + schedule.functionId() + schedule.eventName());
        event.add("resources", resources);
        event.add("detail", new com.google.gson.JsonObject());
        return event.toString();
    }

    /** Starts everything; fails (having stopped what it started) if any part cannot start. */
    public static LocalCloud start(LocalCloudOptions options) throws Exception {
        List<AutoCloseable> started = new ArrayList<>();
        try {
            return new LocalCloud(options, started);
        } catch (Exception | Error e) {
            for (int i = started.size() - 1; i >= 0; i--) {
                try {
                    started.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /**
     * Process mode needs the runtime interface client's native library for this platform: where the
     * RIC ships none, the local cloud says so and falls back to in-process mode. Starts what process
     * mode shares (Runtime API server, runtime libraries, the freezing shell, the task roots).
     */
    private LocalCloudOptions.FunctionMode functionMode(LocalCloudOptions options, List<AutoCloseable> started)
            throws Exception {
        if (options.functionMode() == LocalCloudOptions.FunctionMode.IN_PROCESS) {
            LOG.info(
                    "functions run in process (--in-process): one JVM, never frozen, each instance with a class loader "
                            + "and environment of its own");
            return LocalCloudOptions.FunctionMode.IN_PROCESS;
        }
        runtimeLibraries = RuntimeLibraries.unpack();
        started.add(runtimeLibraries);
        if (runtimeLibraries.nativeLibrary().isEmpty()) {
            LOG.warn(
                    "functions run IN PROCESS, not as Lambda runs them: {}. See docs/LOCAL.md, \"In-process mode\".",
                    runtimeLibraries.nativeProblem());
            return LocalCloudOptions.FunctionMode.IN_PROCESS;
        }
        runtimeApi = new RuntimeApiServer();
        started.add(runtimeApi);
        signals = Signals.start();
        started.add(signals);
        taskRoots = TaskRoots.create(options.template());
        started.add(taskRoots);
        LOG.info("functions run as Lambda runs them: a process per instance on AWS's runtime interface client "
                + "(--in-process runs them inside this JVM instead)");
        return LocalCloudOptions.FunctionMode.PROCESS;
    }

    /**
     * In-process mode: the function's task root, or null when it cannot be laid out (no Makefile
     * target: a test's template), in which case the handler is looked up on this class path.
     */
    private Path inProcessTaskRoot(LocalTemplate.FunctionDef def) {
        try {
            return taskRoots.build(def.logicalId());
        } catch (java.io.IOException e) {
            LOG.info(
                    "function {}: runs from the local cloud's class path, with the local cloud's environment ({})",
                    def.logicalId(),
                    e.getMessage());
            checkHandlerClass(def);
            return null;
        }
    }

    /** A missing handler class is reported now rather than at the first event. */
    private static void checkHandlerClass(LocalTemplate.FunctionDef def) {
        try {
            Class.forName(def.handlerClass(), false, LocalCloud.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            LOG.warn(
                    "function {}: handler class {} is not on the classpath; its invocations will fail",
                    def.logicalId(),
                    def.handlerClass());
        }
    }

    private static ThreadFactory daemon(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    public int port() {
        return port;
    }

    public URI webSocketUri() {
        return URI.create("ws://localhost:" + port + "/" + options.stage());
    }
    /** The management API base, as given to the SDK's {@code endpointOverride}. */
    public URI connectionsEndpoint() {
        return URI.create("http://localhost:" + port + "/" + options.stage());
    }

    public URI dynamoDbEndpoint() {
        return URI.create(dynamoDbEndpoint);
    }

    public URI snsEndpoint() {
        return URI.create("http://localhost:" + snsPort);
    }

    public String topicArn() {
        return template.topicArn();
    }
    /** The local ARN of the template's topic with this logical id (e.g. {@code FanOutTopic}). */
    public String topicArn(String logicalId) {
        return template.topics().stream()
                .filter(t -> t.logicalId().equals(logicalId))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("template.yaml has no AWS::SNS::Topic " + logicalId))
                .arn();
    }
    /** SQS (AWS JSON protocol) shares the SNS endpoint's port: use it as the SQS client's endpoint. */
    public URI sqsEndpoint() {
        return snsEndpoint();
    }
    /** The URL of the template's queue with this logical id (e.g. {@code BroadcastDeadLetterQueue}). */
    public String queueUrl(String logicalId) {
        return template.queues().stream()
                .filter(q -> q.logicalId().equals(logicalId))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("template.yaml has no AWS::SQS::Queue " + logicalId))
                .url();
    }

    public URI chatPageUri() {
        return URI.create("http://localhost:" + port + "/");
    }
    /**
     * The table the functions use: the template's, or, in a region whose stack does not own the
     * global table, the replica its functions are configured with.
     */
    public String tableName() {
        if (template.table() != null) {
            return template.table().tableName();
        }
        return template.functions().values().stream()
                .map(f -> f.environment().get("SWITCHBOARD_TABLE"))
                .filter(t -> t != null && !t.isBlank())
                .findFirst()
                .orElse(null);
    }

    public String stage() {
        return options.stage();
    }

    public String region() {
        return options.region();
    }

    public LocalTemplate template() {
        return template;
    }
    /** Fault injection for {@code @connections}. */
    public Faults faults() {
        return faults;
    }
    /**
     * Throttling injection between the functions and DynamoDB Local; only with
     * {@link LocalCloudOptions.Builder#dynamoDbFaults(boolean)}.
     */
    public DynamoDbFaultProxy dynamoDbFaults() {
        if (dynamoDbFaults == null) {
            throw new IllegalStateException(
                    "start the local cloud with LocalCloudOptions.builder().dynamoDbFaults(true)");
        }
        return dynamoDbFaults;
    }

    public int openConnections() {
        return gateway.openConnections();
    }
    /**
     * Calls {@code listener} with every invocation's {@code REPORT} (process mode only), on the thread
     * that saw the invocation end; it must return quickly.
     */
    public void addReportListener(java.util.function.Consumer<InvocationReport> listener) {
        reportListeners.add(listener);
    }

    /**
     * Ends every function instance, as Lambda does after a configuration change: the next event of
     * each function is a cold start (process mode; in process, nothing to end).
     */
    public void endInstances() {
        functionRuntimes.stream()
                .map(f -> f instanceof MeteredRuntime m ? m.unwrap() : f)
                .filter(ProcessRuntime.class::isInstance)
                .forEach(f -> ((ProcessRuntime) f).endInstances());
    }

    /** How the functions run: process mode, unless asked otherwise or the platform cannot. */
    public LocalCloudOptions.FunctionMode functionMode() {
        return functionMode;
    }
    /** The functions' metrics, read from their EMF records. */
    public MetricsBoard metrics() {
        return metrics;
    }
    /** The AWS billing units of the traffic so far. */
    public Usage usage() {
        return usage;
    }
    /** Metrics, billing units and their cost; also served as JSON at {@link #metricsUri()}. */
    public CostReadout readout() {
        return readout;
    }

    public URI metricsUri() {
        return URI.create("http://localhost:" + port + MetricsEndpoint.PATH);
    }

    /** Every endpoint, one per line, for the console. */
    public String describe() {
        List<String> lines = new ArrayList<>(List.of(
                "WebSocket API     " + webSocketUri(),
                "@connections API  " + connectionsEndpoint() + "/@connections/{connectionId}",
                "DynamoDB          " + dynamoDbEndpoint() + "   table " + tableName(),
                "SNS               " + snsEndpoint() + "   topic " + topicArn()));
        template.queues().forEach(q -> lines.add("SQS               " + sqsEndpoint() + "   queue " + q.url()));
        lines.add("Chat page         " + chatPageUri());
        lines.add("Metrics and cost  " + metricsUri());
        return String.join(System.lineSeparator(), lines);
    }

    @Override
    public void close() {
        gateway.shutdown(Duration.ofSeconds(15));
        stopQuietly("WebSocket server", server::stop);
        stopQuietly("SNS server", snsServer::stop);
        if (dynamoDbFaults != null) {
            stopQuietly("DynamoDB fault proxy", dynamoDbFaults::close);
        }
        if (dynamoDb != null) {
            stopQuietly("DynamoDB Local", dynamoDb::close);
        }
        functionRuntimes.forEach(FunctionRuntime::close);
        if (signals != null) {
            signals.close();
        }
        if (runtimeApi != null) {
            runtimeApi.close();
        }
        if (runtimeLibraries != null) {
            runtimeLibraries.close();
        }
        if (taskRoots != null) {
            taskRoots.close();
        }
        EmfCapture.unregister(metrics);
        lambdaPool.shutdownNow();
        dispatchPool.shutdownNow();
        scheduler.shutdownNow();
        LOG.info("local cloud stopped");
    }

    private static void stopQuietly(String what, AutoCloseable stop) {
        try {
            stop.close();
        } catch (Exception e) {
            LOG.warn("stopping {} failed: {}", what, e.toString());
        }
    }
}
