package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.local.metrics.EmfCapture;
import dev.switchboard.local.metrics.MetricsBoard;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** What becomes of the lines a function instance prints ({@link ProcessRuntime#functionOutput}). */
class FunctionOutputTest {

    static final String EMF = "{\"_aws\":{\"Timestamp\":1,\"CloudWatchMetrics\":[{\"Namespace\":\"Switchboard\","
            + "\"Metrics\":[{\"Name\":\"Deliveries\",\"Unit\":\"Count\"}],\"Dimensions\":[[\"Service\"]]}]},"
            + "\"Service\":\"switchboard\",\"Deliveries\":2.0}";

    @Test
    void anEmfRecord_isCounted_andLoggedAtDebugOnly_whileOtherLinesAreLoggedAtInfo() {
        ch.qos.logback.classic.Logger log =
                (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("lambda.FunctionOutputTest");
        log.setLevel(Level.DEBUG);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        log.addAppender(logged);
        MetricsBoard board = new MetricsBoard();
        EmfCapture.register(board);
        try {
            SystemLog systemLog = new SystemLog(log, LocalTemplate.LoggingConfig.TEXT);
            ProcessRuntime.functionOutput(EMF, log, systemLog);
            ProcessRuntime.functionOutput("{\"level\":\"INFO\",\"formattedMessage\":\"sent\"}", log, systemLog);

            assertThat(board.total("Deliveries")).isEqualTo(2.0);
            // the record was swallowed: a user could not see what DEPLOY.md's sample record should match
            assertThat(logged.list)
                    .extracting(ILoggingEvent::getLevel, ILoggingEvent::getFormattedMessage)
                    .containsExactly(
                            tuple(Level.DEBUG, EMF),
                            tuple(Level.INFO, "{\"level\":\"INFO\",\"formattedMessage\":\"sent\"}"));
        } finally {
            EmfCapture.unregister(board);
            log.detachAppender(logged);
        }
    }
}
