package dev.switchboard.local;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;

/**
 * Lambda's system log of one function (the events Lambda writes itself around each invocation), in
 * the function's {@code LogFormat}, and the application-log filter of its JSON format.
 *
 * <ul>
 *   <li><b>Text</b> (Lambda's default): {@code START RequestId: … Version: $LATEST}, {@code END
 *       RequestId: …} and the tab-separated {@code REPORT} line ({@link InvocationReport#line()}), every
 *       one written.
 *   <li><b>JSON</b>: each event one JSON object, {@code {"time","type","record"}}
 *       (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-logformat.html, "JSON
 *       format for system logs"), its {@code record} shaped as the Telemetry API's
 *       (https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html):
 *       {@code platform.start} for START, {@code platform.runtimeDone} for END,
 *       {@code platform.report} for REPORT (its {@code metrics} carry {@code initDurationMs} on a cold
 *       start), {@code platform.initReport} for a failed initialisation. Written only at or above the
 *       function's {@code SystemLogLevel}, each event at the level Lambda gives it ("System log level
 *       event mapping" in
 *       https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html): start
 *       and a successful report INFO, a successful runtimeDone DEBUG (so the default INFO shows no END),
 *       a failed or timed-out runtimeDone or report and a failed initReport WARN. No {@code tracing}
 *       member: Lambda adds one only with active tracing, which the template does not turn on.
 * </ul>
 *
 * <p>Events go to the function's {@code lambda.<FunctionName>} logger: WARN events as warnings, the
 * others as INFO, so the local cloud's console shows what the function's log group would.
 */
final class SystemLog {
    /** Lambda's log levels, least severe first. */
    private static final List<String> LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL");

    private static final int DEBUG = LEVELS.indexOf("DEBUG");
    private static final int INFO = LEVELS.indexOf("INFO");
    private static final int WARN = LEVELS.indexOf("WARN");
    /** The platform events' {@code time}: UTC, milliseconds, as in the documented examples. */
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern(
                    "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);

    private final Logger log;
    private final boolean json;
    private final int systemLevel;
    private final int applicationLevel;

    /**
     * @param log the function's logger ({@code lambda.<FunctionName>})
     * @param config the function's {@code LoggingConfig}
     */
    SystemLog(Logger log, LocalTemplate.LoggingConfig config) {
        this.log = log;
        this.json = config.json();
        this.systemLevel = level(config.systemLogLevel());
        this.applicationLevel = level(config.applicationLogLevel());
    }

    /** An invocation handed to the runtime. */
    void start(String requestId) {
        if (!json) {
            log.info("START RequestId: {} Version: $LATEST", requestId);
            return;
        }
        write(INFO, startEvent(Instant.now(), requestId));
    }

    /**
     * The runtime done with an invocation.
     *
     * @param status null when it ended normally, else {@code timeout} or {@code error}
     * @param durationMs from handing the event over until the runtime's answer or the timeout, ms
     * @param producedBytes the size of the runtime's response, bytes (0 without one)
     */
    void end(String requestId, String status, double durationMs, long producedBytes) {
        if (!json) {
            log.info("END RequestId: {}", requestId);
            return;
        }
        write(
                status == null ? DEBUG : WARN,
                runtimeDoneEvent(Instant.now(), requestId, status, durationMs, producedBytes));
    }

    /** The invocation's report. */
    void report(InvocationReport report) {
        if (!json) {
            log.info("{}", report.line());
            return;
        }
        write(report.status() == null ? INFO : WARN, reportEvent(Instant.now(), report));
    }

    /** An initialisation that failed ({@code /runtime/init/error}) after {@code durationMs}. */
    void initError(double durationMs, String errorType) {
        if (!json) {
            log.error(
                    "INIT_REPORT Init Duration: {} ms\tPhase: init\tStatus: error\tError Type: {}",
                    String.format(Locale.ROOT, "%.2f", durationMs),
                    errorType);
            return;
        }
        write(WARN, initErrorEvent(Instant.now(), durationMs, errorType));
    }

    /**
     * Whether a line the function printed reaches its log: always in the Text format; in JSON, when
     * its level is at or above {@code ApplicationLogLevel}. Lambda reads the level from a JSON object's
     * {@code "level"} and gives INFO to a line without a valid one (a text line, an object without
     * it): https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-log-level.html
     */
    boolean applicationLineShown(String line) {
        return !json || applicationLevel(line) >= applicationLevel;
    }

    private void write(int level, String event) {
        if (level < systemLevel) {
            return;
        }
        if (level >= WARN) {
            log.warn("{}", event);
        } else {
            log.info("{}", event);
        }
    }

    /** {@code platform.start}: {@code {"requestId","version"}}. */
    static String startEvent(Instant time, String requestId) {
        JsonObject record = new JsonObject();
        record.addProperty("requestId", requestId);
        record.addProperty("version", "$LATEST");
        return event(time, "platform.start", record);
    }

    /** {@code platform.runtimeDone}: {@code {"requestId","status","metrics":{"durationMs","producedBytes"}}}. */
    static String runtimeDoneEvent(
            Instant time, String requestId, String status, double durationMs, long producedBytes) {
        JsonObject metrics = new JsonObject();
        metrics.addProperty("durationMs", twoDecimals(durationMs));
        metrics.addProperty("producedBytes", producedBytes);
        JsonObject record = new JsonObject();
        record.addProperty("requestId", requestId);
        record.addProperty("status", status == null ? "success" : status);
        record.add("metrics", metrics);
        return event(time, "platform.runtimeDone", record);
    }

    /**
     * {@code platform.report}: {@code {"requestId","metrics":{"durationMs","billedDurationMs",
     * "memorySizeMB","maxMemoryUsedMB","initDurationMs"},"status"}}; {@code initDurationMs} on a cold
     * start only, {@code maxMemoryUsedMB} where it is known.
     */
    static String reportEvent(Instant time, InvocationReport report) {
        JsonObject metrics = new JsonObject();
        metrics.addProperty("durationMs", twoDecimals(report.durationMs()));
        metrics.addProperty("billedDurationMs", report.billedDurationMs());
        metrics.addProperty("memorySizeMB", report.memorySizeMb());
        if (report.maxMemoryUsedMb() >= 0) {
            metrics.addProperty("maxMemoryUsedMB", report.maxMemoryUsedMb());
        }
        if (report.initDurationMs() != null) {
            metrics.addProperty("initDurationMs", twoDecimals(report.initDurationMs()));
        }
        JsonObject record = new JsonObject();
        record.addProperty("requestId", report.requestId());
        record.add("metrics", metrics);
        record.addProperty("status", report.status() == null ? "success" : report.status());
        return event(time, "platform.report", record);
    }

    /** {@code platform.initReport} of a failed on-demand initialisation. */
    static String initErrorEvent(Instant time, double durationMs, String errorType) {
        JsonObject metrics = new JsonObject();
        metrics.addProperty("durationMs", twoDecimals(durationMs));
        JsonObject record = new JsonObject();
        record.addProperty("initializationType", "on-demand");
        record.addProperty("phase", "init");
        record.addProperty("status", "error");
        if (errorType != null) {
            record.addProperty("errorType", errorType);
        }
        record.add("metrics", metrics);
        return event(time, "platform.initReport", record);
    }

    private static String event(Instant time, String type, JsonObject record) {
        JsonObject event = new JsonObject();
        event.addProperty("time", TIME.format(time));
        event.addProperty("type", type);
        event.add("record", record);
        return event.toString();
    }

    /** Milliseconds as Lambda reports them: two decimals. */
    private static double twoDecimals(double ms) {
        return Math.round(ms * 100) / 100.0;
    }

    /** The index of a level name in {@link #LEVELS} (any case), INFO for anything else. */
    private static int level(String name) {
        int index = name == null ? -1 : LEVELS.indexOf(name.toUpperCase(Locale.ROOT));
        return index < 0 ? INFO : index;
    }

    /** The level Lambda gives a line of application log: its JSON {@code "level"}, else INFO. */
    static int applicationLevel(String line) {
        String trimmed = line.strip();
        if (!trimmed.startsWith("{")) {
            return INFO;
        }
        try {
            JsonElement level =
                    JsonParser.parseString(trimmed).getAsJsonObject().get("level");
            return level != null
                            && level.isJsonPrimitive()
                            && level.getAsJsonPrimitive().isString()
                    ? level(level.getAsString())
                    : INFO;
        } catch (JsonParseException | IllegalStateException e) {
            return INFO; // not one JSON object: Lambda treats it as text
        }
    }
}
