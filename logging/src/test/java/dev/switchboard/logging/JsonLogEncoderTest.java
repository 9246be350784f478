package dev.switchboard.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonLogEncoderTest {

    static final String JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0aW5hIn0.c2lnbmF0dXJlLWJ5dGVz";

    static String encode(String message, Throwable error, Map<String, String> mdc) {
        LoggerContext context = new LoggerContext();
        Logger logger = context.getLogger("dev.switchboard.core.ChatService");
        LoggingEvent event = new LoggingEvent(Logger.class.getName(), logger, Level.INFO, message, error, null);
        event.setMDCPropertyMap(mdc);
        JsonLogEncoder encoder = new JsonLogEncoder();
        encoder.setContext(context);
        encoder.start();
        return new String(encoder.encode(event), StandardCharsets.UTF_8);
    }

    @Test
    void encode_writesOneJsonObjectOnOneLine_withTheExceptionInside_andNoCredentials() {
        String line = encode(
                "refused bogus\r\n[main] INFO forged\u001b[31m\u202e from c1: token=" + JWT,
                new IllegalStateException("Bearer " + JWT, new RuntimeException("query ?token=s3cr3t")),
                Map.of(
                        "requestId",
                        "req-1",
                        "function",
                        "MessageFunction",
                        "connectionId",
                        "c1=",
                        "coldStart",
                        "true"));

        assertThat(line.stripTrailing())
                .doesNotContain("\n")
                .doesNotContain("\r")
                .doesNotContain("\u001b")
                .doesNotContain("\u202e");
        JsonObject json = JsonParser.parseString(line).getAsJsonObject();
        assertThat(json.get("level").getAsString()).isEqualTo("INFO");
        assertThat(json.get("loggerName").getAsString()).isEqualTo("dev.switchboard.core.ChatService");
        assertThat(json.getAsJsonObject("mdc").get("requestId").getAsString()).isEqualTo("req-1");
        assertThat(json.getAsJsonObject("mdc").get("function").getAsString()).isEqualTo("MessageFunction");
        String message = json.get("formattedMessage").getAsString();
        // the LF stays inside the object (JSON-escaped by the encoder); CR, ESC and the bidi override become visible
        // escapes
        assertThat(message)
                .startsWith("refused bogus\\u000d\n[main] INFO forged\\u001b[31m\\u202e from c1: token=[redacted]");
        assertThat(line).doesNotContain("c2lnbmF0dXJl").doesNotContain("s3cr3t");
        JsonObject throwable = json.getAsJsonObject("throwable");
        assertThat(throwable.get("className").getAsString()).isEqualTo("java.lang.IllegalStateException");
        assertThat(throwable.get("message").getAsString()).isEqualTo("Bearer [redacted]");
        assertThat(throwable.getAsJsonArray("stepArray")).isNotEmpty();
        assertThat(throwable.getAsJsonObject("cause").get("message").getAsString())
                .isEqualTo("query ?token=[redacted]");
    }

    @Test
    void safeMessageConverter_keepsTheLocalConsoleToOneLinePerEvent() {
        LoggerContext context = new LoggerContext();
        LoggingEvent event = new LoggingEvent(
                Logger.class.getName(),
                context.getLogger("x"),
                Level.INFO,
                "$disconnect c1 reason={}",
                null,
                new Object[] {"bye\r\nFORGED Bearer abc"});
        assertThat(new SafeMessageConverter().convert(event))
                .isEqualTo("$disconnect c1 reason=bye\\u000d\\u000aFORGED Bearer [redacted]");
    }
}
