package dev.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

    @ParameterizedTest
    @CsvSource({
        "30s, PT30S",
        "2m, PT2M",
        "1h, PT1H",
        "500ms, PT0.5S",
        "0s, PT0S",
        "10S, PT10S",
        "' 90s ', PT1M30S",
        "PT30S, PT30S",
        "PT1M30S, PT1M30S",
        "pt2m, PT2M",
        "PT0S, PT0S",
    })
    void parse_readsUnitsAndIso8601(String text, String expected) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.parse(expected));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10", "abc", "1.5s", "-5s", "PT-5S", "5 s", "3d", ""})
    void parse_refusesAnythingElse_namingTheAcceptedForms(String text) {
        assertThatThrownBy(() -> Durations.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("'" + text + "' is not a duration: write it like 500ms, 30s, 2m, 1h or PT1M30S");
    }
}
