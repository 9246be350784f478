package dev.switchboard.local;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * How to start a {@link LocalCloud}. Ports of 0 pick free ports.
 *
 * @param template the SAM template to read
 * @param port WebSocket API, {@code @connections} and chat page
 * @param dynamoDbPort DynamoDB Local
 * @param snsPort the SNS endpoint (Query protocol), which also serves the template's SQS queues (JSON protocol)
 * @param stage the stage in {@code /{stage}/@connections}
 * @param devAuth sets the template's DevAuth parameter: INSECURE {@code ?user=NAME} logins
 * @param jwtSecret HS256 secret given to the functions as SWITCHBOARD_JWT_SECRET (null = none)
 * @param idleTimeout close connections idle this long (API Gateway: 10 min)
 * @param maxConnectionAge close connections this old (API Gateway: 2 h)
 * @param dynamoDbData directory to persist DynamoDB Local's data, null = in memory
 * @param functionTimeout overrides every function's template timeout when non-null (tests)
 * @param snsRetryBase first delay between SNS delivery attempts (doubles per attempt)
 * @param environment extra variables for every function, winning over the template
 * @param throttling enforce the stage's DefaultRouteSettings rate/burst limits (off by default so
 *     local load tests are not capped at the production stage limit)
 * @param publicRooms sets the template's PublicRooms parameter (comma-separated room patterns
 *     anyone may use without a rooms claim); null keeps the template's default ({@code lobby})
 * @param dynamoDbFaults put a {@link DynamoDbFaultProxy} between the functions and DynamoDB Local,
 *     so tests can make DynamoDB throttle ({@link LocalCloud#dynamoDbFaults()})
 * @param functionMode how function instances run: {@link FunctionMode#PROCESS} (default, as Lambda)
 *     or {@link FunctionMode#IN_PROCESS}
 * @param functionCode task roots by function logical id (a directory of classes and/or {@code lib/*.jar}),
 *     replacing what the template's Makefile lays out (tests with handlers of their own)
 * @param functionIdleTimeout a process instance waiting this long for an event is ended (reaped)
 * @param prewarmFunctions in process mode, start one instance of every function at start-up (and
 *     wait for its initialisation), so the first events do not each wait for a cold start (default on)
 * @param functionInitTimeout how long an instance's initialisation may take, on top of its timeout,
 *     before it is ended: Lambda's 10 s by default; longer for tests on a machine far slower than Lambda
 * @param host null (the default) listens on loopback only, IPv4 and IPv6; else the address every
 *     listener binds ({@code 0.0.0.0} = all interfaces: anyone on the network can connect)
 * @param serialDispatch handle each connection's frames one at a time in arrival order, for
 *     debugging only: API Gateway runs them concurrently (default off)
 * @param region the AWS region this cloud plays (AWS_REGION of its functions, its ARNs); default us-east-1
 * @param apiId the API id in events and in the management endpoint the template builds; default localws001
 * @param replicaRegions sets the template's ReplicaRegions: the regions of one global table, this
 *     one among them (empty = one region, the default). {@link LocalRegions} sets it for each region
 * @param dynamoDbEndpoint an already running DynamoDB Local to use instead of starting one (null = start
 *     one); the table is created there when the template declares it in this region
 * @param schedulePeriod runs every {@code Schedule} event at this period instead of its {@code rate(...)}
 *     (tests, which cannot wait minutes; null = the template's rate, as EventBridge does)
 */
public record LocalCloudOptions(
        Path template,
        int port,
        int dynamoDbPort,
        int snsPort,
        String stage,
        boolean devAuth,
        String jwtSecret,
        Duration idleTimeout,
        Duration maxConnectionAge,
        Path dynamoDbData,
        Duration functionTimeout,
        Duration snsRetryBase,
        Map<String, String> environment,
        boolean throttling,
        boolean dynamoDbFaults,
        String publicRooms,
        FunctionMode functionMode,
        Map<String, Path> functionCode,
        Duration functionIdleTimeout,
        boolean prewarmFunctions,
        Duration functionInitTimeout,
        boolean serialDispatch,
        String host,
        String region,
        String apiId,
        java.util.List<String> replicaRegions,
        java.net.URI dynamoDbEndpoint,
        Duration schedulePeriod) {

    /** How function instances run. */
    public enum FunctionMode {
        /**
         * Each instance is its own process on AWS's runtime interface client and the Lambda Runtime API,
         * on the code {@code sam build} lays out, frozen between invocations: Lambda's way. The default.
         */
        PROCESS,
        /**
         * Instances run in the local cloud's JVM, built with the handler's no-argument constructor,
         * each from the function's deployment jars in a class loader of its own that gives it the
         * function's environment (see {@code InProcessRuntime}); one process, never frozen. For
         * tests whose handlers record into the test's JVM, and the fallback where the runtime
         * interface client's native library cannot load.
         */
        IN_PROCESS
    }

    public LocalCloudOptions {
        environment = Map.copyOf(environment);
        functionCode = Map.copyOf(functionCode);
        replicaRegions = java.util.List.copyOf(replicaRegions);
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Defaults: template.yaml, free ports, stage "local", API Gateway's and Lambda's limits. The one place
     * they are set: {@code switchboard-local}'s flags show and start from them ({@link Main}).
     */
    public static final class Builder {
        private Path template = Path.of("template.yaml");
        private int port;
        private int dynamoDbPort;
        private int snsPort;
        private String stage = "local";
        private boolean devAuth;
        private String jwtSecret;
        private Duration idleTimeout = Duration.ofMinutes(10);
        private Duration maxConnectionAge = Duration.ofHours(2);
        private Path dynamoDbData;
        private Duration functionTimeout;
        private Duration snsRetryBase = Duration.ofSeconds(1);
        private Map<String, String> environment = Map.of();
        private boolean throttling;
        private boolean dynamoDbFaults;
        private String publicRooms;
        private FunctionMode functionMode = FunctionMode.PROCESS;
        private Map<String, Path> functionCode = Map.of();
        private Duration functionIdleTimeout = Duration.ofMinutes(5);
        private boolean prewarmFunctions = true;
        private Duration functionInitTimeout = ProcessRuntime.LAMBDA_INIT_LIMIT;
        private boolean serialDispatch;
        private String host;
        private String region = LocalCloud.REGION;
        private String apiId = LocalCloud.API_ID;
        private java.util.List<String> replicaRegions = java.util.List.of();
        private java.net.URI dynamoDbEndpoint;
        private Duration schedulePeriod;

        public Builder template(Path v) {
            template = v;
            return this;
        }

        public Builder port(int v) {
            port = v;
            return this;
        }

        public Builder dynamoDbPort(int v) {
            dynamoDbPort = v;
            return this;
        }

        public Builder snsPort(int v) {
            snsPort = v;
            return this;
        }

        public Builder stage(String v) {
            stage = v;
            return this;
        }

        public Builder devAuth(boolean v) {
            devAuth = v;
            return this;
        }

        public Builder jwtSecret(String v) {
            jwtSecret = v;
            return this;
        }

        public Builder idleTimeout(Duration v) {
            idleTimeout = v;
            return this;
        }

        public Builder maxConnectionAge(Duration v) {
            maxConnectionAge = v;
            return this;
        }

        public Builder dynamoDbData(Path v) {
            dynamoDbData = v;
            return this;
        }

        public Builder functionTimeout(Duration v) {
            functionTimeout = v;
            return this;
        }

        public Builder snsRetryBase(Duration v) {
            snsRetryBase = v;
            return this;
        }

        public Builder environment(Map<String, String> v) {
            environment = v;
            return this;
        }

        public Builder throttling(boolean v) {
            throttling = v;
            return this;
        }

        public Builder dynamoDbFaults(boolean v) {
            dynamoDbFaults = v;
            return this;
        }

        public Builder publicRooms(String v) {
            publicRooms = v;
            return this;
        }

        public Builder functionMode(FunctionMode v) {
            functionMode = v;
            return this;
        }

        public Builder functionCode(Map<String, Path> v) {
            functionCode = v;
            return this;
        }

        public Builder functionIdleTimeout(Duration v) {
            functionIdleTimeout = v;
            return this;
        }

        public Builder prewarmFunctions(boolean v) {
            prewarmFunctions = v;
            return this;
        }

        public Builder functionInitTimeout(Duration v) {
            functionInitTimeout = v;
            return this;
        }

        public Builder serialDispatch(boolean v) {
            serialDispatch = v;
            return this;
        }

        public Builder host(String v) {
            host = v;
            return this;
        }

        public Builder region(String v) {
            region = v;
            return this;
        }

        public Builder apiId(String v) {
            apiId = v;
            return this;
        }

        public Builder replicaRegions(java.util.List<String> v) {
            replicaRegions = v;
            return this;
        }

        public Builder dynamoDbEndpoint(java.net.URI v) {
            dynamoDbEndpoint = v;
            return this;
        }

        /** A builder holding {@code options}' values, to start from them and change a few. */
        public static Builder from(LocalCloudOptions o) {
            Builder b = new Builder();
            b.template = o.template();
            b.port = o.port();
            b.dynamoDbPort = o.dynamoDbPort();
            b.snsPort = o.snsPort();
            b.stage = o.stage();
            b.devAuth = o.devAuth();
            b.jwtSecret = o.jwtSecret();
            b.idleTimeout = o.idleTimeout();
            b.maxConnectionAge = o.maxConnectionAge();
            b.dynamoDbData = o.dynamoDbData();
            b.functionTimeout = o.functionTimeout();
            b.snsRetryBase = o.snsRetryBase();
            b.environment = o.environment();
            b.throttling = o.throttling();
            b.dynamoDbFaults = o.dynamoDbFaults();
            b.publicRooms = o.publicRooms();
            b.functionMode = o.functionMode();
            b.functionCode = o.functionCode();
            b.functionIdleTimeout = o.functionIdleTimeout();
            b.prewarmFunctions = o.prewarmFunctions();
            b.functionInitTimeout = o.functionInitTimeout();
            b.serialDispatch = o.serialDispatch();
            b.host = o.host();
            b.region = o.region();
            b.apiId = o.apiId();
            b.replicaRegions = o.replicaRegions();
            b.dynamoDbEndpoint = o.dynamoDbEndpoint();
            b.schedulePeriod = o.schedulePeriod();
            return b;
        }

        public Builder schedulePeriod(Duration v) {
            schedulePeriod = v;
            return this;
        }

        public LocalCloudOptions build() {
            return new LocalCloudOptions(
                    template,
                    port,
                    dynamoDbPort,
                    snsPort,
                    stage,
                    devAuth,
                    jwtSecret,
                    idleTimeout,
                    maxConnectionAge,
                    dynamoDbData,
                    functionTimeout,
                    snsRetryBase,
                    environment,
                    throttling,
                    dynamoDbFaults,
                    publicRooms,
                    functionMode,
                    functionCode,
                    functionIdleTimeout,
                    prewarmFunctions,
                    functionInitTimeout,
                    serialDispatch,
                    host,
                    region,
                    apiId,
                    replicaRegions,
                    dynamoDbEndpoint,
                    schedulePeriod);
        }
    }
}
