package dev.switchboard.local;

import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.switchboard.logging.Redaction;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One function run the way Lambda runs it: each instance (execution environment) is its own
 * process, {@code java ... AWSLambda <Handler>} on AWS's runtime interface client, started in the
 * function's task root with the function's environment, talking to its own Runtime API endpoint.
 * An instance handles one event at a time, is reused warm, is frozen ({@code SIGSTOP}) whenever it
 * waits for an event and thawed for the next, is ended when an invocation runs past the
 * {@code Timeout} (the next event gets a new instance), and is reaped after sitting idle. Reserved
 * concurrency caps the instances and throttles beyond them; without it, events wait for one of at
 * most {@code maxInstances}. Every invocation is logged as Lambda logs it, in the function's
 * {@code LogFormat} ({@link SystemLog}): {@code START}, {@code END}, {@code REPORT} (with
 * {@code Init Duration} on a cold start) as text, or {@code platform.start} /
 * {@code platform.report} JSON events, under the function's name.
 */
final class ProcessRuntime implements FunctionRuntime {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard.lambda");
    /**
     * On-demand initialisation may take 10 s (Lambda's init phase limit); past that Lambda retries
     * init within the invocation's own timeout, so an instance gets both before it is given up.
     * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html#runtimes-lifecycle-ib
     */
    static final Duration LAMBDA_INIT_LIMIT = Duration.ofSeconds(10);
    /**
     * Instances per function at once when it has no reserved concurrency. Lambda would scale out to
     * many environments, but here each is a JVM paying a whole cold start on the same few cores: a
     * burst of connects would spend seconds starting JVMs. Events wait for a warm one instead.
     * Override with -Dswitchboard.local.maxInstances.
     */
    static final int DEFAULT_MAX_INSTANCES = Integer.getInteger(
            "switchboard.local.maxInstances",
            Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));

    /**
     * Instances initialising at once, across all functions of a local cloud (default: the machine's
     * processors). On Lambda every environment initialises on CPU of its own; here every instance is a
     * JVM on the same few cores, and a burst of cold starts (10,000 connects, a loaded CI machine) made
     * each of them so slow that all missed the init limit, were ended and started again, without end.
     * An instance waits for a slot before its process starts; its Init Duration and init limit count
     * from the start, as on Lambda, and its first event waits meanwhile as it waits for any instance.
     * Override with -Dswitchboard.local.concurrentInits.
     */
    static final int CONCURRENT_INITS = Integer.getInteger(
            "switchboard.local.concurrentInits",
            Math.max(1, Runtime.getRuntime().availableProcessors()));

    /**
     * What every function of one local cloud shares.
     *
     * @param initSlots instances allowed to initialise at once ({@link #CONCURRENT_INITS} permits)
     */
    record Host(
            Semaphore initSlots,
            RuntimeApiServer api,
            RuntimeLibraries libraries,
            Signals signals,
            ScheduledExecutorService scheduler,
            String region,
            String account,
            java.util.function.Consumer<InvocationReport> reports) {}

    private final LocalTemplate.FunctionDef def;
    private final Path taskRoot;
    private final Host host;
    private final long timeoutMillis;
    private final long initLimitMillis;
    private final Duration idleLimit;
    private final Logger functionLog;
    /** START / END / REPORT in the function's LogFormat, and its JSON format's application-level filter. */
    private final SystemLog systemLog;

    private final Semaphore concurrency;
    private final boolean reserved;
    private final ConcurrentLinkedDeque<Instance> warm = new ConcurrentLinkedDeque<>();
    private final List<Instance> all = new CopyOnWriteArrayList<>();
    private final AtomicInteger instanceNumbers = new AtomicInteger();
    private final ScheduledFuture<?> reaper;
    private volatile boolean closed;

    /**
     * @param taskRoot the function's code as {@code sam build} lays it out (classes, {@code lib/*.jar})
     * @param timeoutMillisOverride replaces the template's {@code Timeout} when above 0 (tests)
     * @param maxInstances instances at once when the function has no reserved concurrency
     * @param idleLimit an instance idle this long is ended (Lambda reaps idle environments too)
     * @param initLimit how long initialisation may take before the instance is given up, on top of the
     *     timeout ({@link #LAMBDA_INIT_LIMIT} as on Lambda; longer where the machine is much slower)
     */
    ProcessRuntime(
            LocalTemplate.FunctionDef def,
            Path taskRoot,
            Host host,
            long timeoutMillisOverride,
            int maxInstances,
            Duration idleLimit,
            Duration initLimit) {
        this.def = def;
        this.taskRoot = taskRoot;
        this.host = host;
        this.timeoutMillis = timeoutMillisOverride > 0 ? timeoutMillisOverride : def.timeoutSeconds() * 1000L;
        this.initLimitMillis = initLimit.toMillis() + timeoutMillis;
        this.idleLimit = idleLimit;
        this.functionLog = LoggerFactory.getLogger("lambda." + def.functionName());
        this.systemLog = new SystemLog(functionLog, def.logging());
        this.reserved = def.reservedConcurrency() >= 0;
        this.concurrency = new Semaphore(reserved ? def.reservedConcurrency() : maxInstances, true);
        long period = Math.max(1000, Math.min(30_000, idleLimit.toMillis() / 2));
        this.reaper = host.scheduler().scheduleWithFixedDelay(this::reapIdle, period, period, TimeUnit.MILLISECONDS);
    }

    @Override
    public LocalTemplate.FunctionDef definition() {
        return def;
    }

    @Override
    public String invoke(String eventJson, String requestId, Runnable delivered) throws InvocationException {
        if (reserved) {
            // Reserved concurrency is a hard cap: Lambda throttles the invocation rather than queueing it.
            if (!concurrency.tryAcquire()) {
                functionLog.warn(
                        "{} throttled: reserved concurrency {} in use (TooManyRequestsException)",
                        requestId,
                        def.reservedConcurrency());
                throw new InvocationException(
                        "Rate Exceeded. (TooManyRequestsException: reserved concurrency " + def.reservedConcurrency()
                                + " of " + def.functionName() + " in use)",
                        null,
                        false);
            }
        } else {
            try {
                concurrency.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InvocationException("interrupted", e, false);
            }
        }
        try {
            Invocation invocation = new Invocation(requestId, eventJson.getBytes(StandardCharsets.UTF_8), delivered);
            // Take warm instances until one accepts (false: it ended while warm). Polling once more after a
            // successful dispatch would drop a warm instance from the pool: it stayed alive, unused, until
            // reaped, and the next burst paid a cold start for each one dropped.
            boolean dispatched = false;
            while (!dispatched) {
                Instance instance = warm.pollFirst();
                if (instance == null) {
                    break;
                }
                dispatched = instance.dispatch(invocation);
            }
            if (!dispatched) {
                start(invocation);
            }
            try {
                return invocation.result.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof InvocationException failed) {
                    throw failed;
                }
                throw new InvocationException(String.valueOf(e.getCause()), e.getCause(), false);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InvocationException("interrupted", e, false);
            }
        } finally {
            concurrency.release();
        }
    }

    /**
     * Starts one instance now, before any event, and makes it the first to take one (its first event
     * waits for its initialisation instead of starting another): the first events after start-up do
     * not each pay a cold start. Its first REPORT still carries its Init Duration.
     */
    CompletableFuture<Void> prewarm() {
        try {
            Instance instance = new Instance(instanceNumbers.incrementAndGet(), null);
            instance.launch();
            all.add(instance);
            warm.offerLast(instance);
            return instance.initialised;
        } catch (Exception e) {
            functionLog.warn("cannot start an instance ahead of the first event: {}", e.toString());
            return CompletableFuture.completedFuture(null);
        }
    }

    /** A new instance (a cold start) whose first event is {@code first}. */
    private void start(Invocation first) throws InvocationException {
        if (closed) {
            throw new InvocationException(def.functionName() + " is shut down", null, false);
        }
        Instance instance = new Instance(instanceNumbers.incrementAndGet(), first);
        try {
            instance.launch();
        } catch (Exception e) {
            instance.kill();
            throw new InvocationException("cannot start an instance of " + def.functionName() + ": " + e, e, false);
        }
        all.add(instance);
    }

    /** Ends instances that waited for an event longer than the idle limit. */
    private void reapIdle() {
        long now = System.nanoTime();
        for (Instance instance : all) {
            if (instance.idleSince(now) > idleLimit.toNanos() && warm.remove(instance)) {
                functionLog.info("instance {} idle for {} s: reaped", instance.number, idleLimit.toSeconds());
                instance.kill();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        reaper.cancel(false);
        for (Instance instance : all) {
            instance.kill();
        }
    }

    /** Ends every instance; later events start new ones. */
    void endInstances() {
        for (Instance instance : all) {
            warm.remove(instance);
            instance.kill();
        }
    }

    /** Instances alive now (tests and the console). */
    int instances() {
        return (int) all.stream().filter(Instance::alive).count();
    }

    /** One event on its way through an instance. */
    private static final class Invocation {
        final String requestId;
        final byte[] event;
        final CompletableFuture<String> result = new CompletableFuture<>();
        final String traceId = "Root=1-" + Long.toHexString(System.currentTimeMillis() / 1000) + "-"
                + HexFormat.of().formatHex(randomBytes(12)) + ";Parent="
                + HexFormat.of().formatHex(randomBytes(8))
                + ";Sampled=0";
        long deliveredNanos;
        long deadlineEpochMillis;
        /** The size of the runtime's response, bytes (platform.runtimeDone's producedBytes). */
        long producedBytes;

        ScheduledFuture<?> timeout;
        boolean answered;

        /** Told when the runtime is handed the event (the gateway's integration timeout). */
        final Runnable delivered;

        Invocation(String requestId, byte[] event, Runnable delivered) {
            this.requestId = requestId;
            this.event = event;
            this.delivered = delivered;
        }

        private static byte[] randomBytes(int n) {
            byte[] b = new byte[n];
            ThreadLocalRandom.current().nextBytes(b);
            return b;
        }
    }

    /**
     * One line an instance printed. An EMF record becomes metrics (as CloudWatch Logs extracts them) and is
     * logged at DEBUG only: on AWS it stays in the log stream too, and here {@code -Dswitchboard.log.level=DEBUG}
     * shows the records a function writes without them drowning the console. Other lines are logged at INFO
     * unless the function's JSON log format drops them below its ApplicationLogLevel, as Lambda does.
     */
    static void functionOutput(String line, Logger functionLog, SystemLog systemLog) {
        if (dev.switchboard.local.metrics.EmfCapture.offer(line)) {
            functionLog.debug("{}", line);
        } else if (systemLog.applicationLineShown(line)) {
            functionLog.info("{}", line);
        }
    }

    /** One execution environment: a runtime process and its Runtime API endpoint. */
    private final class Instance implements RuntimeApiServer.Endpoint {
        final int number;
        private Process process;
        private int port;
        private long startedNanos;
        /** Set once the first {@code next} arrives (initialisation done); null while initialising. */
        private Double initMillis;

        private boolean initReported;
        private String initError;
        private Response pendingNext;
        private Callback pendingCallback;
        /** The invocation delivered and not yet ended (by the runtime's next {@code next}). */
        private Invocation current;
        /** The invocation given to this instance and waiting for its {@code next}. */
        private Invocation queued;

        private boolean frozen;
        private boolean dead;
        private long idleSinceNanos = Long.MAX_VALUE;
        /** Completes when initialisation ends: the first {@code next}, or the process's end. */
        final CompletableFuture<Void> initialised = new CompletableFuture<>();

        Instance(int number, Invocation first) {
            this.number = number;
            this.queued = first;
        }

        void launch() throws Exception {
            port = host.api().open(this);
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(jvmOptions(def.memorySize()));
            host.libraries()
                    .nativeLibrary()
                    .ifPresent(so -> command.add("-D" + RuntimeLibraries.NATIVE_CLIENT_PROPERTY + "=" + so));
            command.add("-cp");
            command.add(String.join(
                    java.io.File.pathSeparator,
                    host.libraries().classPath().stream().map(Path::toString).toList()));
            command.add(RuntimeLibraries.MAIN_CLASS);
            command.add(def.handlerClass() + "::" + def.handlerMethod());
            ProcessBuilder builder = new ProcessBuilder(command).directory(taskRoot.toFile());
            Map<String, String> env = builder.environment();
            env.clear();
            env.putAll(environment(port));
            host.initSlots().acquire();
            try {
                startedNanos = System.nanoTime();
                process = builder.start();
            } catch (IOException | RuntimeException e) {
                host.initSlots().release();
                throw e;
            }
            // Completes on the first `next` or when the process ends (init error, init limit, killed).
            initialised.whenComplete((v, e) -> host.initSlots().release());
            host.signals().register(process.pid());
            String name = def.functionName() + "-" + number;
            pump(process.getInputStream(), name + "-stdout");
            pump(process.getErrorStream(), name + "-stderr");
            process.onExit().thenRun(this::exited);
            // Initialisation must end (the first `next`) within its limit, or the instance is given up.
            host.scheduler()
                    .schedule(
                            () -> {
                                synchronized (this) {
                                    if (initMillis != null || dead) {
                                        return;
                                    }
                                }
                                functionLog.error(
                                        "instance {}: init did not finish within {} ms: ended",
                                        number,
                                        initLimitMillis);
                                initError = "{\"errorMessage\":\"Init timed out after " + (initLimitMillis) / 1000.0
                                        + " seconds\",\"errorType\":\"Runtime.InitTimeout\"}";
                                kill();
                            },
                            initLimitMillis,
                            TimeUnit.MILLISECONDS);
        }

        private void pump(InputStream stream, String threadName) {
            Thread reader = new Thread(
                    () -> {
                        try (BufferedReader in =
                                new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
                            for (String line = in.readLine(); line != null; line = in.readLine()) {
                                functionOutput(line, functionLog, systemLog);
                            }
                        } catch (IOException e) {
                            // the process ended
                        }
                    },
                    threadName);
            reader.setDaemon(true);
            reader.start();
        }

        boolean alive() {
            synchronized (this) {
                return !dead;
            }
        }

        synchronized long idleSince(long now) {
            return current == null && queued == null && pendingNext != null ? now - idleSinceNanos : 0;
        }

        /**
         * Hands an invocation to this warm instance: delivered at once if it waits in {@code next}, else
         * when its runtime asks next (it has answered the previous event and is about to ask). False
         * when the instance has ended.
         */
        synchronized boolean dispatch(Invocation invocation) {
            if (dead) {
                return false;
            }
            queued = invocation;
            if (pendingNext != null && current == null) {
                deliver();
            }
            return true;
        }

        /** Called with the lock held: answers the waiting `next` with the queued invocation. */
        private void deliver() {
            Invocation invocation = queued;
            queued = null;
            current = invocation;
            Response response = pendingNext;
            Callback callback = pendingCallback;
            pendingNext = null;
            pendingCallback = null;
            if (frozen) {
                host.signals().thaw(process.pid());
                frozen = false;
            }
            invocation.deliveredNanos = System.nanoTime();
            invocation.delivered.run();
            invocation.deadlineEpochMillis = System.currentTimeMillis() + timeoutMillis;
            systemLog.start(invocation.requestId);
            invocation.timeout =
                    host.scheduler().schedule(() -> timedOut(invocation), timeoutMillis, TimeUnit.MILLISECONDS);
            response.setStatus(200);
            var headers = response.getHeaders();
            headers.put(HttpHeader.CONTENT_TYPE, "application/json");
            headers.put("Lambda-Runtime-Aws-Request-Id", invocation.requestId);
            headers.put("Lambda-Runtime-Deadline-Ms", Long.toString(invocation.deadlineEpochMillis));
            headers.put(
                    "Lambda-Runtime-Invoked-Function-Arn",
                    "arn:aws:lambda:" + host.region() + ":" + host.account() + ":function:" + def.functionName());
            headers.put("Lambda-Runtime-Trace-Id", invocation.traceId);
            // Sent even when empty: the RIC's native client crashes the JVM (SIGSEGV) when either is missing.
            headers.put("Lambda-Runtime-Client-Context", "");
            headers.put("Lambda-Runtime-Cognito-Identity", "");
            response.write(true, ByteBuffer.wrap(invocation.event), callback);
        }

        @Override
        public void next(Response response, Callback callback) {
            synchronized (this) {
                if (initMillis == null) {
                    initMillis = (System.nanoTime() - startedNanos) / 1e6;
                    initialised.complete(null);
                }
                Invocation finished = current;
                if (finished != null && finished.answered) {
                    // The runtime asks for more: the invocation is over (Lambda's Duration ends here).
                    current = null;
                    report(finished, null);
                }
                pendingNext = response;
                pendingCallback = callback;
                if (queued != null) {
                    deliver(); // the first event, or one given to it while it finished the previous
                    return;
                }
                idleSinceNanos = System.nanoTime();
                if (!dead) {
                    // Lambda freezes the environment once the runtime asks for the next event: work the
                    // handler left running (threads, timers) does not run until the next invocation.
                    host.signals().freeze(process.pid());
                    frozen = true;
                }
            }
        }

        @Override
        public boolean response(String requestId, byte[] body) {
            Invocation invocation;
            synchronized (this) {
                invocation = current;
                if (invocation == null || !invocation.requestId.equals(requestId) || invocation.answered) {
                    return false;
                }
                invocation.answered = true;
                invocation.producedBytes = body.length;
                invocation.timeout.cancel(false);
            }
            String text = new String(body, StandardCharsets.UTF_8);
            // Warm again now: the next event is queued until the runtime asks for it (right after this POST).
            warm.offerFirst(this);
            invocation.result.complete(text.isBlank() || text.equals("null") ? null : text);
            return true;
        }

        @Override
        public boolean error(String requestId, String errorType, byte[] body) {
            Invocation invocation;
            synchronized (this) {
                invocation = current;
                if (invocation == null || !invocation.requestId.equals(requestId) || invocation.answered) {
                    return false;
                }
                invocation.answered = true;
                invocation.timeout.cancel(false);
            }
            // A handler error leaves the environment warm, as on Lambda (unless the runtime then exits).
            warm.offerFirst(this);
            invocation.result.completeExceptionally(
                    new InvocationException(Redaction.redact(describeError(body, errorType)), null, false));
            return true;
        }

        @Override
        public void initError(String errorType, byte[] body) {
            synchronized (this) {
                initError = new String(body, StandardCharsets.UTF_8);
            }
            systemLog.initError((System.nanoTime() - startedNanos) / 1e6, errorType);
        }

        private void timedOut(Invocation invocation) {
            synchronized (this) {
                if (invocation.answered || current != invocation) {
                    return;
                }
                invocation.answered = true;
            }
            String seconds = String.format(Locale.ROOT, "%.2f", timeoutMillis / 1000.0);
            functionLog.warn("{} Task timed out after {} seconds", invocation.requestId, seconds);
            invocation.result.completeExceptionally(
                    new InvocationException("Task timed out after " + seconds + " seconds", null, true));
            // Lambda ends a timed-out environment: the next event gets a fresh one (with Init Duration).
            synchronized (this) {
                current = null;
                report(invocation, "timeout");
            }
            kill();
        }

        /** Called with the lock held. */
        private void report(Invocation invocation, String status) {
            double duration = (System.nanoTime() - invocation.deliveredNanos) / 1e6;
            Double init = null;
            if (!initReported) {
                initReported = true;
                init = initMillis;
            }
            InvocationReport report = new InvocationReport(
                    def.functionName(),
                    invocation.requestId,
                    number,
                    duration,
                    (long) Math.ceil(duration),
                    def.memorySize(),
                    maxMemoryUsedMb(),
                    init,
                    status);
            systemLog.end(invocation.requestId, status, duration, invocation.producedBytes);
            systemLog.report(report);
            host.reports().accept(report);
        }

        /** Peak resident memory of the process (Linux {@code VmHWM}), as Lambda's "Max Memory Used". */
        private long maxMemoryUsedMb() {
            try {
                for (String l : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
                    if (l.startsWith("VmHWM:")) {
                        return Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not Linux, or the process is gone
            }
            return -1;
        }

        private void exited() {
            initialised.complete(null);
            host.signals().unregister(process.pid());
            List<Invocation> lost = new ArrayList<>();
            synchronized (this) {
                dead = true;
                if (current != null && current.answered) {
                    report(current, "error"); // e.g. out of memory: the RIC reported the error, then exited
                } else if (current != null) {
                    lost.add(current);
                }
                if (queued != null) {
                    lost.add(queued);
                }
                current = null;
                queued = null;
                if (pendingCallback != null) {
                    // nobody reads it (the process is gone): answer the long poll quietly, not with a logged stack
                    // trace
                    pendingNext.setStatus(410);
                    pendingCallback.succeeded();
                    pendingNext = null;
                    pendingCallback = null;
                }
            }
            warm.remove(this);
            all.remove(this);
            host.api().close(port);
            for (Invocation invocation : lost) {
                invocation.answered = true;
                if (invocation.timeout != null) {
                    invocation.timeout.cancel(false);
                }
                invocation.result.completeExceptionally(
                        new InvocationException(Redaction.redact(exitMessage()), null, false));
            }
            if (!closed) {
                functionLog.info("instance {} ended ({})", number, exitMessage());
            }
        }

        /** What Lambda answers when the runtime went away: the init error it posted, else the exit status. */
        private synchronized String exitMessage() {
            if (initError != null) {
                return describeError(initError.getBytes(StandardCharsets.UTF_8), null);
            }
            if (process != null && !process.isAlive() && process.exitValue() == 0) {
                return "Runtime exited without providing a reason (Runtime.ExitError)";
            }
            return "Runtime exited with error: exit status "
                    + (process == null || process.isAlive() ? "unknown" : process.exitValue()) + " (Runtime.ExitError)";
        }

        void kill() {
            synchronized (this) {
                if (process == null) {
                    host.api().close(port);
                    dead = true;
                    return;
                }
            }
            process.destroyForcibly(); // SIGKILL ends a stopped process too
        }
    }

    /** {@code ErrorType: message} from the Runtime API's error body ({"errorMessage","errorType",...}). */
    static String describeError(byte[] body, String headerType) {
        String text = new String(body, StandardCharsets.UTF_8);
        try {
            JsonObject error = JsonParser.parseString(text).getAsJsonObject();
            String type = error.has("errorType") ? error.get("errorType").getAsString() : headerType;
            String message =
                    error.has("errorMessage") ? error.get("errorMessage").getAsString() : "";
            return type + ": " + message;
        } catch (JsonParseException | IllegalStateException | UnsupportedOperationException e) {
            return (headerType == null ? "Unknown" : headerType) + ": " + text;
        }
    }

    /** The instance's process environment: Lambda's (below) plus the address of its Runtime API endpoint. */
    private Map<String, String> environment(int port) {
        Map<String, String> env = lambdaEnvironment(def, taskRoot, host.region());
        env.put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + port);
        return env;
    }

    /**
     * A function's process environment, for both runtimes: the template's variables, then what
     * Lambda sets itself
     * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime):
     * the handler, task root, function name, memory, log group, region, the JSON log format and
     * application log level ({@code AWS_LAMBDA_LOG_FORMAT}, {@code AWS_LAMBDA_LOG_LEVEL}: the
     * runtime interface client's {@code LambdaEnvironment} reads them), and credentials as the
     * standard {@code AWS_*} variables (any value: DynamoDB Local and the local endpoints do not
     * check them). Nothing of the local cloud's own environment leaks in but PATH. A new mutable map.
     */
    static Map<String, String> lambdaEnvironment(LocalTemplate.FunctionDef def, Path taskRoot, String region) {
        Map<String, String> env = new java.util.LinkedHashMap<>();
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin"));
        env.put("LANG", "en_US.UTF-8");
        env.put("TZ", ":UTC");
        env.putAll(def.environment());
        env.put("_HANDLER", def.handlerClass() + "::" + def.handlerMethod());
        env.put("AWS_EXECUTION_ENV", "AWS_Lambda_java21");
        env.put("LAMBDA_TASK_ROOT", taskRoot.toString());
        env.put("AWS_LAMBDA_FUNCTION_NAME", def.functionName());
        env.put("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST");
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(def.memorySize()));
        env.put("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/" + def.functionName());
        env.put("AWS_LAMBDA_LOG_STREAM_NAME", "local/" + def.functionName());
        env.put("AWS_LAMBDA_INITIALIZATION_TYPE", "on-demand");
        if (def.logging().json()) {
            // The JSON log format's settings, where the runtime interface client reads them (LambdaEnvironment):
            // its LambdaLogger then writes JSON objects and drops what is below the level. Text leaves both unset:
            // the client's defaults are TEXT and no filtering.
            env.put("AWS_LAMBDA_LOG_FORMAT", "JSON");
            env.put("AWS_LAMBDA_LOG_LEVEL", def.logging().applicationLogLevel());
        }
        env.putIfAbsent("AWS_REGION", region);
        env.putIfAbsent("AWS_DEFAULT_REGION", region);
        env.put("AWS_ACCESS_KEY_ID", "local");
        env.put("AWS_SECRET_ACCESS_KEY", "local");
        env.put("AWS_SESSION_TOKEN", "local");
        return env;
    }

    /**
     * The JVM options the managed java runtime derives from {@code MemorySize}: 85% of it as heap,
     * 10% as metaspace, 5% as code cache, the serial collector, class data sharing
     * (https://stackoverflow.com/a/40469970 quotes the runtime's java command line), and C1 only
     * (tiered compilation stops at level 1 from the Java 17 runtime on:
     * https://docs.aws.amazon.com/lambda/latest/dg/java-customization.html). The function's
     * {@code JAVA_TOOL_OPTIONS} is read by the JVM itself from the environment, as on Lambda.
     */
    static List<String> jvmOptions(int memorySizeMb) {
        long kb = memorySizeMb * 1024L;
        return List.of(
                "-XX:MaxHeapSize=" + kb * 85 / 100 + "k",
                "-XX:MaxMetaspaceSize=" + kb * 10 / 100 + "k",
                "-XX:ReservedCodeCacheSize=" + kb * 5 / 100 + "k",
                "-XX:+UseSerialGC",
                "-Xshare:auto",
                "-XX:+TieredCompilation",
                "-XX:TieredStopAtLevel=1");
    }

    @Override
    public String toString() {
        return def.functionName() + " (" + def.handlerClass() + ", process per instance)";
    }
}
