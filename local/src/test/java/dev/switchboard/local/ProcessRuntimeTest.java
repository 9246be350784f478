package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.switchboard.local.processhandlers.LifecycleHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Functions as separate processes on AWS's runtime interface client and the local Runtime API:
 * Lambda's lifecycle (per-instance state, freezing, timeouts, memory, init errors). The task root is
 * this module's test classes directory; {@link LifecycleHandler} needs nothing but
 * aws-lambda-java-core, which the runtime provides.
 */
class ProcessRuntimeTest {
    private static final Path TASK_ROOT = Path.of("target", "test-classes").toAbsolutePath();
    private static RuntimeApiServer api;
    private static RuntimeLibraries libraries;
    private static Signals signals;
    private static ScheduledExecutorService scheduler;
    private static final List<InvocationReport> REPORTS = new CopyOnWriteArrayList<>();
    private ProcessRuntime fn;

    @BeforeAll
    static void host() throws Exception {
        libraries = RuntimeLibraries.unpack();
        api = new RuntimeApiServer();
        signals = Signals.start();
        scheduler = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterAll
    static void stopHost() {
        scheduler.shutdownNow();
        signals.close();
        api.close();
        libraries.close();
    }

    @AfterEach
    void stop() {
        if (fn != null) {
            fn.close();
        }
    }

    private static final int TIMEOUT_SECONDS = 60;

    private static ProcessRuntime function(String handler, int memoryMb, long timeoutMs) {
        return function(handler, memoryMb, timeoutMs, new Semaphore(ProcessRuntime.CONCURRENT_INITS, true));
    }

    private static ProcessRuntime function(String handler, int memoryMb, long timeoutMs, Semaphore initSlots) {
        return function(handler, memoryMb, timeoutMs, initSlots, LocalTemplate.LoggingConfig.TEXT);
    }

    private static ProcessRuntime function(
            String handler, int memoryMb, long timeoutMs, Semaphore initSlots, LocalTemplate.LoggingConfig logging) {
        String[] parts = handler.split("::");
        LocalTemplate.FunctionDef def = new LocalTemplate.FunctionDef(
                "Lifecycle",
                "Lifecycle-" + UUID.randomUUID(),
                parts[0],
                parts.length > 1 ? parts[1] : "handleRequest",
                // the template's Timeout, s: generous, as only the timeout test (its own 1 s) is about timing; 3 s
                // timed out an out-of-memory allocation in a fresh-clone run at load average 38
                TIMEOUT_SECONDS,
                memoryMb,
                Map.of("SWITCHBOARD_TABLE", "t1", "AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:1"),
                -1,
                logging);
        return new ProcessRuntime(
                def,
                TASK_ROOT,
                new ProcessRuntime.Host(
                        initSlots, api, libraries, signals, scheduler, "us-east-1", "000000000000", REPORTS::add),
                timeoutMs,
                4,
                Duration.ofMinutes(5),
                ProcessRuntime.LAMBDA_INIT_LIMIT);
    }

    private JsonObject invoke(String event) throws FunctionRuntime.InvocationException {
        return JsonParser.parseString(fn.invoke(event, UUID.randomUUID().toString()))
                .getAsJsonObject();
    }

    private static List<InvocationReport> reportsOf(ProcessRuntime f) {
        return REPORTS.stream()
                .filter(r -> r.function().equals(f.definition().functionName()))
                .toList();
    }

    @Test
    void instance_getsTemplateEnvironment_heapFromMemorySize_andRemainingTime() throws Exception {
        fn = function(LifecycleHandler.class.getName(), 512, 0);
        JsonObject env = invoke("{\"action\":\"env\"}");
        assertThat(env.get("SWITCHBOARD_TABLE").getAsString()).isEqualTo("t1");
        assertThat(env.get("AWS_ENDPOINT_URL_DYNAMODB").getAsString()).isEqualTo("http://localhost:1");
        assertThat(env.get("AWS_REGION").getAsString()).isEqualTo("us-east-1");
        assertThat(env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").getAsString()).isEqualTo("512");
        assertThat(env.get("AWS_ACCESS_KEY_ID").getAsString()).isNotBlank();
        // 85% of 512 MB as the managed runtime sizes it (the JVM reports a little less than MaxHeapSize)
        assertThat(env.get("maxHeapMb").getAsLong()).isBetween(380L, 436L);
        assertThat(env.get("remainingMs").getAsLong()).isBetween(1L, TIMEOUT_SECONDS * 1000L);
        assertThat(env.get("pid").getAsLong())
                .isNotEqualTo(ProcessHandle.current().pid());
    }

    @Test
    void staticState_isPerInstance_keptWarm_notSharedAcrossInstances() throws Exception {
        fn = function(LifecycleHandler.class.getName(), 256, 0);
        JsonObject first = invoke("{\"action\":\"state\"}");
        JsonObject second = invoke("{\"action\":\"state\"}");
        assertThat(second.get("pid")).isEqualTo(first.get("pid"));
        assertThat(second.get("calls").getAsInt()).isEqualTo(2);

        // Two events at once need two instances: the second starts with its own static state.
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try {
            Set<Long> pids = burstOfTwo(callers);
            assertThat(pids).hasSize(2);
            long other = pids.stream()
                    .filter(p -> p != first.get("pid").getAsLong())
                    .findFirst()
                    .orElseThrow();
            // whichever instance answers next, its counter counts only its own calls
            for (int i = 0; i < 3; i++) {
                JsonObject state = invoke("{\"action\":\"state\"}");
                if (state.get("pid").getAsLong() == other) {
                    assertThat(state.get("calls").getAsInt()).isLessThanOrEqualTo(i + 1);
                } else {
                    assertThat(state.get("calls").getAsInt()).isGreaterThanOrEqualTo(3);
                }
            }
        } finally {
            callers.shutdownNow();
        }
        assertThat(reportsOf(fn).stream().filter(r -> r.initDurationMs() != null))
                .hasSize(2);
    }

    @Test
    void warmInstances_areAllReused_soABurstAfterSequentialEventsStartsNoNewInstance() throws Exception {
        fn = function(LifecycleHandler.class.getName(), 256, 0);
        ExecutorService callers = Executors.newFixedThreadPool(2);
        try {
            Set<Long> firstBurst = burstOfTwo(callers);
            assertThat(firstBurst).hasSize(2);
            // Sequential events each take one warm instance and must leave the other in the pool.
            for (int i = 0; i < 3; i++) {
                assertThat(invoke("{\"action\":\"state\"}").get("pid").getAsLong())
                        .isIn(firstBurst);
            }
            // Two warm instances, two events at once: both are reused, no third cold start.
            assertThat(burstOfTwo(callers)).isEqualTo(firstBurst);
        } finally {
            callers.shutdownNow();
        }
        assertThat(reportsOf(fn).stream().filter(r -> r.initDurationMs() != null))
                .hasSize(2);
        assertThat(fn.instances()).isEqualTo(2);
    }

    /** Two events at once, each sleeping long enough that they overlap; the pids that answered. */
    private Set<Long> burstOfTwo(ExecutorService callers) throws Exception {
        List<Future<JsonObject>> calls = List.of(
                callers.submit(() -> invoke("{\"action\":\"sleep\",\"ms\":1500}")),
                callers.submit(() -> invoke("{\"action\":\"sleep\",\"ms\":1500}")));
        Set<Long> pids = new HashSet<>();
        for (Future<JsonObject> call : calls) {
            pids.add(call.get().get("pid").getAsLong());
        }
        return pids;
    }

    @Test
    void coldStarts_waitForAnInitSlot_soInstancesInitialiseOneAfterAnother() throws Exception {
        Semaphore oneSlot = new Semaphore(1, true);
        fn = function(LifecycleHandler.class.getName(), 256, 0, oneSlot);
        ExecutorService callers = Executors.newFixedThreadPool(3);
        try {
            List<Future<JsonObject>> calls = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                calls.add(callers.submit(() -> invoke("{\"action\":\"sleep\",\"ms\":3000}")));
            }
            List<JsonObject> answers = new ArrayList<>();
            for (Future<JsonObject> call : calls) {
                answers.add(call.get(3, TimeUnit.MINUTES));
            }
            // three events at once, each sleeping past the others' start: three instances
            assertThat(answers.stream().map(a -> a.get("pid").getAsLong()).distinct())
                    .hasSize(3);
            answers.sort(java.util.Comparator.comparingLong(
                    a -> a.get("processStartMs").getAsLong()));
            for (int i = 1; i < answers.size(); i++) {
                // the next process started only after the previous one had initialised (loaded its handler);
                // 50 ms for the process start time's clock-tick resolution
                assertThat(answers.get(i).get("processStartMs").getAsLong())
                        .isGreaterThanOrEqualTo(
                                answers.get(i - 1).get("loadedAtMs").getAsLong() - 50);
            }
            assertThat(oneSlot.availablePermits()).isEqualTo(1);
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void backgroundWork_doesNotRun_whileTheInstanceIsFrozen() throws Exception {
        fn = function(LifecycleHandler.class.getName(), 256, 0);
        long pid = invoke("{\"action\":\"background\"}").get("pid").getAsLong();
        long returned = System.currentTimeMillis();
        // Frozen once its runtime asks for the next event: the process is stopped (state T).
        await().atMost(Duration.ofSeconds(10)).until(() -> processState(pid) == 'T');
        // The subject of this test is time passing while frozen: 1.5 s of it.
        await().pollDelay(Duration.ofMillis(1500))
                .atMost(Duration.ofSeconds(5))
                .until(() -> System.currentTimeMillis() - returned >= 1500);
        assertThat(processState(pid)).isEqualTo('T');
        JsonObject ticks = invoke("{\"action\":\"ticks\"}");
        assertThat(ticks.get("pid").getAsLong()).isEqualTo(pid);
        // The 5 ms ticker saw one long gap: the time the instance was frozen.
        assertThat(ticks.get("longestGapMs").getAsLong()).isGreaterThanOrEqualTo(1400);
    }

    @Test
    void timeout_endsTheInstance_andTheNextEventGetsANewOne_withInitDuration() throws Exception {
        fn = function(LifecycleHandler.class.getName(), 256, 1000);
        long before = invoke("{\"action\":\"state\"}").get("pid").getAsLong();
        assertThatThrownBy(() -> invoke("{\"action\":\"sleep\",\"ms\":20000}"))
                .isInstanceOf(FunctionRuntime.InvocationException.class)
                .hasMessageContaining("Task timed out after 1.00 seconds")
                .satisfies(e -> assertThat(((FunctionRuntime.InvocationException) e).timeout())
                        .isTrue());
        await().atMost(Duration.ofSeconds(10))
                .until(() -> ProcessHandle.of(before).isEmpty());
        JsonObject after = invoke("{\"action\":\"state\"}");
        assertThat(after.get("pid").getAsLong()).isNotEqualTo(before);
        assertThat(after.get("calls").getAsInt()).isEqualTo(1);
        // The last REPORT comes when the runtime asks for the next event, just after it answered.
        await().atMost(Duration.ofSeconds(10)).until(() -> reportsOf(fn).size() == 3);
        List<InvocationReport> reports = reportsOf(fn);
        assertThat(reports.get(1).status()).isEqualTo("timeout");
        assertThat(reports.get(2).initDurationMs()).isNotNull().isPositive();
        assertThat(reports.get(2).instance()).isEqualTo(2);
    }

    @Test
    void delivered_isToldOnce_whenTheRuntimeTakesTheEvent_afterTheColdStartsInit() throws Exception {
        // The gateway's integration timeout counts the wait before this moment only up to Lambda's init limit
        // (RouteInvoker), so it must come after the initialisation, not when invoke is called.
        fn = function(LifecycleHandler.class.getName(), 256, 0);
        List<Long> delivered = new CopyOnWriteArrayList<>();
        long start = System.nanoTime();
        String out = fn.invoke(
                "{\"action\":\"state\"}", UUID.randomUUID().toString(), () -> delivered.add(System.nanoTime()));
        long returned = System.nanoTime();
        assertThat(JsonParser.parseString(out).getAsJsonObject().get("calls").getAsInt())
                .isEqualTo(1);
        assertThat(delivered).hasSize(1);
        await().atMost(Duration.ofSeconds(10)).until(() -> reportsOf(fn).size() == 1);
        double initMs = reportsOf(fn).get(0).initDurationMs();
        assertThat((delivered.get(0) - start) / 1e6).isGreaterThanOrEqualTo(initMs);
        assertThat(delivered.get(0)).isLessThanOrEqualTo(returned);
    }

    @Test
    void overMemorySize_failsWithOutOfMemory_andEndsTheInstance() throws Exception {
        fn = function(LifecycleHandler.class.getName(), 128, 0);
        long before = invoke("{\"action\":\"state\"}").get("pid").getAsLong();
        assertThatThrownBy(() -> invoke("{\"action\":\"allocate\",\"mb\":256}"))
                .isInstanceOf(FunctionRuntime.InvocationException.class)
                .hasMessageContaining("java.lang.OutOfMemoryError");
        await().atMost(Duration.ofSeconds(10))
                .until(() -> ProcessHandle.of(before).isEmpty());
        assertThat(invoke("{\"action\":\"state\"}").get("pid").getAsLong()).isNotEqualTo(before);
    }

    @Test
    void unknownHandlerClass_failsWithLambdasClassNotFoundError() {
        // The runtime interface client loads the class at init and, when it is missing, answers every
        // invocation with this error (Lambda's "Class not found" shape), keeping the instance.
        fn = function("dev.switchboard.local.processhandlers.NoSuchHandler", 128, 0);
        assertThatThrownBy(() -> fn.invoke("{}", "r1"))
                .isInstanceOf(FunctionRuntime.InvocationException.class)
                .hasMessage(
                        "java.lang.ClassNotFoundException: Class not found: dev.switchboard.local.processhandlers.NoSuchHandler");
    }

    @Test
    void unknownHandlerMethod_failsWithTheRuntimesNoMethodError() {
        fn = function(LifecycleHandler.class.getName() + "::noSuchMethod", 128, 0);
        assertThatThrownBy(() -> fn.invoke("{}", "r1"))
                .isInstanceOf(FunctionRuntime.InvocationException.class)
                .hasMessageContaining("No public method named noSuchMethod");
    }

    @Test
    void constructorThatThrows_failsAtInit_andEndsTheInstance() {
        // A fatal init error: the runtime posts it to /runtime/init/error and exits; the event fails with it.
        fn = function(dev.switchboard.local.processhandlers.FailingInitHandler.class.getName(), 128, 0);
        assertThatThrownBy(() -> fn.invoke("{}", "r1"))
                .isInstanceOf(FunctionRuntime.InvocationException.class)
                .hasMessageContaining("java.lang.IllegalStateException")
                .hasMessageContaining("SWITCHBOARD_TABLE is not set");
        await().atMost(Duration.ofSeconds(10)).until(() -> fn.instances() == 0);
    }

    /** What the function's logger ({@code lambda.<FunctionName>}) receives from now on. */
    private static ListAppender<ILoggingEvent> logOf(ProcessRuntime f) {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ((ch.qos.logback.classic.Logger)
                        LoggerFactory.getLogger("lambda." + f.definition().functionName()))
                .addAppender(appender);
        return appender;
    }

    private static List<String> messages(ListAppender<ILoggingEvent> log) {
        synchronized (log) { // AppenderBase.doAppend holds the appender's lock; its list is a plain ArrayList
            return log.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
        }
    }

    /** The platform events among the log's messages (JSON objects with a "type"), parsed. */
    private static List<JsonObject> platformEvents(ListAppender<ILoggingEvent> log) {
        return messages(log).stream()
                .filter(m -> m.startsWith("{\"time\""))
                .map(m -> JsonParser.parseString(m).getAsJsonObject())
                .toList();
    }

    @Test
    void textLogFormat_writesLambdasStartEndAndTabSeparatedReportLines() throws Exception {
        fn = function(LifecycleHandler.class.getName(), 256, 0);
        ListAppender<ILoggingEvent> log = logOf(fn);
        JsonObject env = invoke("{\"action\":\"env\"}");
        String id = env.get("requestId").getAsString();
        assertThat(env.get("AWS_LAMBDA_LOG_FORMAT"))
                .as("unset: the runtime's default, TEXT")
                .isNull();

        await().atMost(Duration.ofSeconds(30))
                .until(() ->
                        messages(log).stream().anyMatch(m -> m.startsWith("REPORT RequestId: " + id + "\tDuration: ")));
        assertThat(messages(log))
                .contains("START RequestId: " + id + " Version: $LATEST", "END RequestId: " + id)
                .noneMatch(m -> m.startsWith("{\"time\""));
    }

    @Test
    void jsonLogFormat_givesTheRuntimeItsSettings_andWritesPlatformEvents_withInitDurationOnTheColdStart()
            throws Exception {
        // template.yaml's Globals: LogFormat JSON; here ApplicationLogLevel WARN to see the runtime filter
        fn = function(
                LifecycleHandler.class.getName(),
                256,
                0,
                new Semaphore(ProcessRuntime.CONCURRENT_INITS, true),
                new LocalTemplate.LoggingConfig("JSON", "WARN", "INFO"));
        ListAppender<ILoggingEvent> log = logOf(fn);
        JsonObject env = invoke("{\"action\":\"env\"}");
        assertThat(env.get("AWS_LAMBDA_LOG_FORMAT").getAsString()).isEqualTo("JSON");
        assertThat(env.get("AWS_LAMBDA_LOG_LEVEL").getAsString()).isEqualTo("WARN");
        invoke("{\"action\":\"log\"}");

        await().atMost(Duration.ofSeconds(30))
                .until(() -> platformEvents(log).stream()
                                .filter(e -> e.get("type").getAsString().equals("platform.report"))
                                .count()
                        == 2);
        List<JsonObject> reports = platformEvents(log).stream()
                .filter(e -> e.get("type").getAsString().equals("platform.report"))
                .toList();
        JsonObject cold = reports.get(0).getAsJsonObject("record");
        assertThat(cold.get("requestId").getAsString())
                .isEqualTo(env.get("requestId").getAsString());
        assertThat(cold.get("status").getAsString()).isEqualTo("success");
        JsonObject metrics = cold.getAsJsonObject("metrics");
        assertThat(metrics.get("initDurationMs").getAsDouble()).isPositive();
        assertThat(metrics.get("durationMs").getAsDouble()).isPositive();
        assertThat(metrics.get("billedDurationMs").getAsLong()).isPositive();
        assertThat(metrics.get("memorySizeMB").getAsInt()).isEqualTo(256);
        assertThat(reports.get(1)
                        .getAsJsonObject("record")
                        .getAsJsonObject("metrics")
                        .has("initDurationMs"))
                .as("a warm invocation has no Init Duration")
                .isFalse();
        assertThat(platformEvents(log).stream().map(e -> e.get("type").getAsString()))
                .as("SystemLogLevel INFO: platform.runtimeDone (END) is DEBUG")
                .containsExactly("platform.start", "platform.report", "platform.start", "platform.report");
        assertThat(messages(log))
                .noneMatch(m -> m.startsWith("START RequestId") || m.startsWith("END RequestId"))
                .noneMatch(m -> m.startsWith("REPORT RequestId"))
                .noneMatch(m -> m.contains("debug-line"));
        // the runtime's own logger writes a JSON object per line in this format
        JsonObject warn = messages(log).stream()
                .filter(m -> m.contains("warn-line"))
                .map(m -> JsonParser.parseString(m).getAsJsonObject())
                .findFirst()
                .orElseThrow();
        assertThat(warn.get("level").getAsString()).isEqualTo("WARN");
    }

    /** The state letter of /proc/PID/stat: R, S, T (stopped), ... */
    private static char processState(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2);
        } catch (java.io.IOException e) {
            return '?';
        }
    }
}
