package dev.switchboard.logging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactionTest {

    static final String JWT =
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0aW5hIiwiZXhwIjoxNzY0MDAwMDAwfQ.c2lnbmF0dXJlLWJ5dGVzLWhlcmU";

    @Test
    void queryStringTokens_areRedacted_otherParametersKept() {
        assertThat(Redaction.redact("GET /local?token=abc.def.ghi&user=tina HTTP/1.1"))
                .isEqualTo("GET /local?token=[redacted]&user=tina HTTP/1.1");
        assertThat(Redaction.redact("ws://localhost:8080/local?user=x&token=s3cr3t"))
                .isEqualTo("ws://localhost:8080/local?user=x&token=[redacted]");
        assertThat(Redaction.redact("id_token=xyz access_token=uvw"))
                .isEqualTo("id_token=[redacted] access_token=[redacted]");
        assertThat(Redaction.redact("{token=abc, user=u}")).isEqualTo("{token=[redacted], user=u}"); // Map.toString()
    }

    @Test
    void bearerHeaders_andJsonFields_areRedacted() {
        assertThat(Redaction.redact("Authorization: Bearer s3cr3t-value"))
                .isEqualTo("Authorization: [redacted]".replace("[redacted]", "Bearer [redacted]"));
        assertThat(Redaction.redact(
                        "{\"headers\":{\"Authorization\":\"Bearer abc\"},\"queryStringParameters\":{\"token\":\"s3cr3t\"},"
                                + "\"multiValueQueryStringParameters\":{\"token\":[\"s3cr3t\"]}}"))
                .doesNotContain("s3cr3t")
                .doesNotContain("abc")
                .contains("\"token\":\"[redacted]\"")
                .contains("\"token\":[\"[redacted]\"");
    }

    @Test
    void anythingShapedLikeAJwt_isRedacted_wherever_itIs() {
        assertThat(Redaction.redact("failed to parse " + JWT + " because"))
                .isEqualTo("failed to parse [redacted] because");
        assertThat(Redaction.redact("Source: (String)\"{\"t\":\"" + JWT + "\"}\""))
                .doesNotContain("c2lnbmF0dXJl");
    }

    @Test
    void redactingTwice_changesNothingMore() {
        // a function's line is redacted by its JSON encoder and again by the local cloud that relays it: the
        // $connect refusal read "?token=[redacted]] or Authorization: Bearer [redacted]"
        for (String line : java.util.List.of(
                "a token is required: ?token=JWT or Authorization: Bearer JWT",
                "GET /local?token=abc.def.ghi&user=tina HTTP/1.1",
                "{token=abc, user=u} (token=x) [token=y]",
                "{\"queryStringParameters\":{\"token\":\"s3cr3t\"},\"headers\":{\"Authorization\":\"Bearer abc\"}}",
                "failed to parse " + JWT)) {
            String once = Redaction.redact(line);
            assertThat(Redaction.redact(once)).as(line).isEqualTo(once);
        }
        assertThat(Redaction.redact("a token is required: ?token=JWT or Authorization: Bearer JWT"))
                .isEqualTo("a token is required: ?token=[redacted] or Authorization: Bearer [redacted]");
    }

    @Test
    void ordinaryLogLines_areUntouched() {
        String line = "send 01KAX3T8Y9ZC4Q2D7N6B5V8M1P to lobby: delivered=3 gone=0 failed=0";
        assertThat(Redaction.redact(line)).isEqualTo(line);
        assertThat(Redaction.redact("$connect abc= user=tina admin=false"))
                .isEqualTo("$connect abc= user=tina admin=false");
        assertThat(Redaction.redact(null)).isNull();
    }

    @Test
    void stackTraces_areRedactedToo() {
        Exception e = new IllegalStateException("cannot read " + JWT, new RuntimeException("Bearer " + JWT));
        assertThat(Redaction.stackTrace(e))
                .contains("IllegalStateException")
                .contains("at dev.switchboard.logging.RedactionTest")
                .doesNotContain("c2lnbmF0dXJl");
    }

    @Test
    void controlAndBidiCharacters_becomeVisibleEscapes_soNoLineCanBeForged() {
        String out = Redaction.forLog("refused x: c-1\r\nINFO forged\u001b[2J\u202e\u2066\u0085");
        assertThat(out)
                .doesNotContain("\r")
                .doesNotContain("\n")
                .doesNotContain("\u001b")
                .doesNotContain("\u202e")
                .doesNotContain("\u0085")
                .isEqualTo("refused x: c-1\\u000d\\u000aINFO forged\\u001b[2J\\u202e\\u2066\\u0085");
        assertThat(Redaction.neutralise("line one\n\tat Frame", true)).isEqualTo("line one\n\tat Frame");
        assertThat(Redaction.forLog("plain text, ünïcödé and emoji 🎉 stay"))
                .isEqualTo("plain text, ünïcödé and emoji 🎉 stay");
    }
}
