package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.gson.JsonParser;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Lambda's system log events in both formats. The JSON shapes are the documented examples of the
 * Telemetry API schema reference (https://docs.aws.amazon.com/lambda/latest/dg/telemetry-schema-reference.html,
 * {@code platform.start}, {@code platform.runtimeDone}, {@code platform.report}), which the JSON log
 * format writes to the log group as they are; without their {@code tracing} (and {@code spans}),
 * which Lambda adds with active tracing only.
 */
class SystemLogTest {
    private static final Instant REPORTED = Instant.parse("2022-10-12T00:01:15.000Z");
    private static final String REQUEST = "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa";

    @Test
    void reportEvent_isTheDocumentedPlatformReport_withInitDurationOnAColdStart() {
        InvocationReport cold = new InvocationReport("Fn", REQUEST, 1, 693.92, 694, 128, 84, 397.68, null);

        assertThat(JsonParser.parseString(SystemLog.reportEvent(REPORTED, cold)))
                .isEqualTo(JsonParser.parseString("""
                        {"time": "2022-10-12T00:01:15.000Z", "type": "platform.report",
                         "record": {"metrics": {"billedDurationMs": 694, "durationMs": 693.92, "initDurationMs": 397.68,
                                                "maxMemoryUsedMB": 84, "memorySizeMB": 128},
                                    "requestId": "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa", "status": "success"}}
                        """));
        assertThat(SystemLog.reportEvent(REPORTED, cold)).doesNotContain("\n");
    }

    @Test
    void reportEvent_ofAWarmInvocationThatTimedOut_hasNoInitDuration_andSaysTimeout() {
        InvocationReport warm = new InvocationReport("Fn", REQUEST, 1, 3000.004, 3001, 128, 90, null, "timeout");

        assertThat(JsonParser.parseString(SystemLog.reportEvent(REPORTED, warm)))
                .isEqualTo(JsonParser.parseString("""
                        {"time": "2022-10-12T00:01:15.000Z", "type": "platform.report",
                         "record": {"requestId": "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa", "status": "timeout",
                                    "metrics": {"durationMs": 3000.0, "billedDurationMs": 3001, "memorySizeMB": 128,
                                                "maxMemoryUsedMB": 90}}}
                        """));
    }

    @Test
    void startAndRuntimeDoneEvents_areTheDocumentedOnes() {
        assertThat(JsonParser.parseString(SystemLog.startEvent(Instant.parse("2022-10-12T00:00:15.064Z"), REQUEST)))
                .isEqualTo(JsonParser.parseString("""
                        {"time": "2022-10-12T00:00:15.064Z", "type": "platform.start",
                         "record": {"requestId": "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa", "version": "$LATEST"}}
                        """));
        assertThat(JsonParser.parseString(SystemLog.runtimeDoneEvent(REPORTED, REQUEST, null, 140.0, 16)))
                .isEqualTo(JsonParser.parseString("""
                        {"time": "2022-10-12T00:01:15.000Z", "type": "platform.runtimeDone",
                         "record": {"requestId": "6d68ca91-49c9-448d-89b8-7ca3e6dc66aa", "status": "success",
                                    "metrics": {"durationMs": 140.0, "producedBytes": 16}}}
                        """));
    }

    @Test
    void textFormat_writesStartEndAndReportLines_whateverTheLevels() {
        ListAppender<ILoggingEvent> log = new ListAppender<>();
        SystemLog system = new SystemLog(logger(log), new LocalTemplate.LoggingConfig("Text", "ERROR", "WARN"));
        InvocationReport report = new InvocationReport("Fn", "r1", 1, 12.345, 13, 1024, 150, 1234.567, null);

        system.start("r1");
        system.end("r1", null, 12.345, 2);
        system.report(report);

        assertThat(log.list)
                .extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly(
                        "START RequestId: r1 Version: $LATEST",
                        "END RequestId: r1",
                        "REPORT RequestId: r1\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 1024 MB"
                                + "\tMax Memory Used: 150 MB\tInit Duration: 1234.57 ms");
        assertThat(system.applicationLineShown("{\"level\":\"DEBUG\"}")).isTrue();
    }

    @Test
    void jsonFormat_writesWhatTheSystemLogLevelLetThrough_eachAtLambdasLevel() {
        InvocationReport ok = new InvocationReport("Fn", "r1", 1, 5, 5, 128, 60, null, null);
        InvocationReport timedOut = new InvocationReport("Fn", "r2", 1, 3000, 3000, 128, 60, null, "timeout");

        // INFO (the template's): start and report; END (runtimeDone) is DEBUG unless it failed
        ListAppender<ILoggingEvent> info = new ListAppender<>();
        SystemLog atInfo = new SystemLog(logger(info), new LocalTemplate.LoggingConfig("JSON", "INFO", "INFO"));
        atInfo.start("r1");
        atInfo.end("r1", null, 5, 2);
        atInfo.report(ok);
        atInfo.end("r2", "timeout", 3000, 0);
        assertThat(types(info)).containsExactly("platform.start", "platform.report", "platform.runtimeDone");
        assertThat(info.list.get(2).getLevel()).isEqualTo(Level.WARN);

        // WARN: only what went wrong
        ListAppender<ILoggingEvent> warn = new ListAppender<>();
        SystemLog atWarn = new SystemLog(logger(warn), new LocalTemplate.LoggingConfig("JSON", "INFO", "WARN"));
        atWarn.start("r1");
        atWarn.end("r1", null, 5, 2);
        atWarn.report(ok);
        atWarn.report(timedOut);
        atWarn.initError(1500, "Runtime.ExitError");
        assertThat(types(warn)).containsExactly("platform.report", "platform.initReport");
        assertThat(warn.list).allMatch(e -> e.getLevel() == Level.WARN);

        // DEBUG: END too
        ListAppender<ILoggingEvent> debug = new ListAppender<>();
        SystemLog atDebug = new SystemLog(logger(debug), new LocalTemplate.LoggingConfig("JSON", "INFO", "DEBUG"));
        atDebug.start("r1");
        atDebug.end("r1", null, 5, 2);
        atDebug.report(ok);
        assertThat(types(debug)).containsExactly("platform.start", "platform.runtimeDone", "platform.report");
    }

    @Test
    void jsonFormat_dropsApplicationLinesBelowTheApplicationLogLevel_textAndNoLevelCountingAsInfo() {
        SystemLog warn =
                new SystemLog(logger(new ListAppender<>()), new LocalTemplate.LoggingConfig("JSON", "WARN", "INFO"));
        assertThat(warn.applicationLineShown("{\"level\":\"ERROR\",\"formattedMessage\":\"boom\"}"))
                .isTrue();
        assertThat(warn.applicationLineShown("{\"level\":\"warn\"}")).isTrue();
        assertThat(warn.applicationLineShown("{\"level\":\"INFO\",\"formattedMessage\":\"x\"}"))
                .isFalse();
        assertThat(warn.applicationLineShown("plain text"))
                .as("a text line is INFO")
                .isFalse();

        SystemLog info =
                new SystemLog(logger(new ListAppender<>()), new LocalTemplate.LoggingConfig("JSON", "INFO", "INFO"));
        assertThat(info.applicationLineShown("{\"level\":\"DEBUG\"}")).isFalse();
        assertThat(info.applicationLineShown("{\"level\":\"NOTICE\"}"))
                .as("an unknown level is INFO")
                .isTrue();
        assertThat(info.applicationLineShown("{\"msg\":\"no level\"}")).isTrue();
        assertThat(info.applicationLineShown("{\"level\":\"ERROR\""))
                .as("not JSON: INFO")
                .isTrue();
        assertThat(info.applicationLineShown("[\"level\",\"DEBUG\"]")).isTrue();
    }

    private static org.slf4j.Logger logger(ListAppender<ILoggingEvent> appender) {
        appender.start();
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("lambda.SystemLogTest-" + UUID.randomUUID());
        logger.setAdditive(false); // not on the console
        logger.setLevel(Level.DEBUG);
        logger.addAppender(appender);
        return logger;
    }

    private static List<String> types(ListAppender<ILoggingEvent> log) {
        return log.list.stream()
                .map(e -> JsonParser.parseString(e.getFormattedMessage())
                        .getAsJsonObject()
                        .get("type")
                        .getAsString())
                .toList();
    }
}
