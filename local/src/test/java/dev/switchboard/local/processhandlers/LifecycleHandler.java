package dev.switchboard.local.processhandlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One handler for every lifecycle test, by {@code "action"}: {@code state} answers its process id
 * and a static counter (per process: per instance), {@code env} a few environment variables,
 * {@code log} writes a DEBUG and a WARN line through the runtime's {@code LambdaLogger},
 * {@code userAgent} answers {@code sdk.ua.appId} after appending to it as Powertools does,
 * {@code javaVersion} the {@code java.version} property,
 * {@code background} starts a thread that ticks every 5 ms and returns, {@code ticks} answers the
 * longest gap between two ticks so far (a frozen instance shows the frozen time as a gap),
 * {@code sleep} sleeps {@code ms} (and answers when its process started and when it loaded this class), {@code allocate} keeps {@code mb} megabytes reachable.
 */
public final class LifecycleHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    private static final AtomicInteger CALLS = new AtomicInteger();
    private static final AtomicLong LAST_TICK = new AtomicLong();
    private static final AtomicLong LONGEST_GAP = new AtomicLong();
    private static final List<byte[]> KEPT = new ArrayList<>();
    /** When the runtime loaded this class, ms since the epoch: during the instance's initialisation. */
    private static final long LOADED_AT_MS = System.currentTimeMillis();

    /**
     * What Powertools does as it initialises (UserAgentConfigurator.configureUserAgent): appends its user
     * agent to the {@code sdk.ua.appId} system property, once per JVM, i.e. per instance.
     */
    private static final class UserAgent {
        static final String APP_ID;

        static {
            String existing = System.getProperty("sdk.ua.appId");
            System.setProperty(
                    "sdk.ua.appId", existing == null || existing.isEmpty() ? "PT/TEST" : existing + "/PT/TEST");
            APP_ID = System.getProperty("sdk.ua.appId");
        }
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("pid", ProcessHandle.current().pid());
        switch (String.valueOf(event.get("action"))) {
            case "state" -> out.put("calls", CALLS.incrementAndGet());
            case "env" -> {
                for (String name : List.of(
                        "SWITCHBOARD_TABLE",
                        "AWS_ENDPOINT_URL_DYNAMODB",
                        "AWS_REGION",
                        "AWS_LAMBDA_FUNCTION_NAME",
                        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
                        "AWS_ACCESS_KEY_ID",
                        "AWS_LAMBDA_LOG_FORMAT",
                        "AWS_LAMBDA_LOG_LEVEL",
                        "HOME_OF_TEST_JVM")) {
                    out.put(name, System.getenv(name));
                }
                // the same read as a method reference (an invokedynamic handle, not a call instruction)
                java.util.function.UnaryOperator<String> getenv = System::getenv;
                out.put("SWITCHBOARD_TABLE_BY_REFERENCE", getenv.apply("SWITCHBOARD_TABLE"));
                out.put("maxHeapMb", Runtime.getRuntime().maxMemory() / (1024 * 1024));
                out.put("remainingMs", context.getRemainingTimeInMillis());
                out.put("requestId", context.getAwsRequestId());
            }
            case "background" -> {
                LAST_TICK.set(System.currentTimeMillis());
                Thread ticker = new Thread(
                        () -> {
                            while (true) {
                                long now = System.currentTimeMillis();
                                LONGEST_GAP.accumulateAndGet(now - LAST_TICK.getAndSet(now), Math::max);
                                try {
                                    Thread.sleep(5);
                                } catch (InterruptedException e) {
                                    return;
                                }
                            }
                        },
                        "ticker");
                ticker.setDaemon(true);
                ticker.start();
            }
            case "ticks" -> {
                // Thawed just now: let the ticker tick once more, so a gap spanning the freeze is counted.
                long asked = System.currentTimeMillis();
                long until = asked + 5000;
                while (LAST_TICK.get() < asked && System.currentTimeMillis() < until) {
                    Thread.onSpinWait();
                }
                out.put("longestGapMs", LONGEST_GAP.get());
            }
            case "userAgent" -> out.put("appId", UserAgent.APP_ID);
            case "javaVersion" -> out.put("javaVersion", System.getProperty("java.version"));
            case "log" -> {
                // through the runtime's own logger, which the JSON log format's variables configure
                context.getLogger().log("debug-line", com.amazonaws.services.lambda.runtime.logging.LogLevel.DEBUG);
                context.getLogger().log("warn-line", com.amazonaws.services.lambda.runtime.logging.LogLevel.WARN);
            }
            case "sleep" -> {
                out.put("loadedAtMs", LOADED_AT_MS);
                // the JVM's own start time (ms, the epoch clock): the process's start instant is rounded to 1 s
                out.put(
                        "processStartMs",
                        java.lang.management.ManagementFactory.getRuntimeMXBean()
                                .getStartTime());
                try {
                    Thread.sleep(((Number) event.get("ms")).longValue());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            case "allocate" -> {
                for (int i = 0; i < ((Number) event.get("mb")).intValue(); i++) {
                    KEPT.add(new byte[1024 * 1024]);
                }
            }
            default -> throw new IllegalArgumentException("unknown action " + event.get("action"));
        }
        return out;
    }
}
