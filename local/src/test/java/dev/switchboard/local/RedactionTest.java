package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RedactionTest {
  private static final String JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0aW5hIn0.c2lnbmF0dXJlLWJ5dGVz";

  @Test
  void eventJsonQueryStringsAndHeaders_loseTheirTokens() {
    String event = "{\"queryStringParameters\":{\"token\":\"abc\"},\"headers\":{\"Authorization\":\"Bearer xyz\"}}";
    assertThat(Redaction.redact(event)).doesNotContain("abc").doesNotContain("xyz");
    assertThat(Redaction.redact("GET http://localhost/local?token=" + JWT + "&x=1")).isEqualTo("GET http://localhost/local?token=[redacted]&x=1");
  }

  @Test
  void stackTraces_areRedactedToo() {
    Exception e = new IllegalStateException("cannot read " + JWT, new RuntimeException("Bearer " + JWT));
    assertThat(Redaction.stackTrace(e)).contains("IllegalStateException").contains("at dev.switchboard.local.RedactionTest")
        .doesNotContain("c2lnbmF0dXJl");
  }
}
