package dev.switchboard.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

/** The forms themselves are protocol's DurationsTest; here, that the CLI reads them and says what it wants. */
class DurationConverterTest {

    final DurationConverter converter = new DurationConverter();

    @Test
    void convert_readsTheSharedForms() {
        assertThat(converter.convert("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(converter.convert("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(converter.convert("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void convert_refusesAnythingElse_asAPicocliConversionError_namingTheAcceptedForms() {
        assertThatThrownBy(() -> converter.convert("10"))
                .isInstanceOf(TypeConversionException.class)
                .hasMessageContaining("'10' is not a duration")
                .hasMessageContaining("30s, 2m, 1h or PT1M30S");
    }

    @Test
    void commandLine_readsADurationOption_inTheShortForm_andRefusesABadOneInOneLine() {
        StringWriter err = new StringWriter();
        var commandLine = Main.commandLine(new Main());
        commandLine.setErr(new PrintWriter(err, true));
        int code = commandLine.execute("send", "--timeout", "ten", "--room", "lobby", "hi");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--timeout").contains("'ten' is not a duration");
    }
}
