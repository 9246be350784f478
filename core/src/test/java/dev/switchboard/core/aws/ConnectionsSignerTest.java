package dev.switchboard.core.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/** Our SigV4 must be the SDK's SigV4: same request, clock and credentials give the same headers. */
class ConnectionsSignerTest {

    static final AwsCredentialsIdentity BASIC = AwsCredentialsIdentity.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    static final AwsCredentialsIdentity SESSION = AwsSessionCredentialsIdentity.create("ASIAEXAMPLE", "c2VjcmV0",
            "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+token/with=odd+chars");

    @ParameterizedTest
    @CsvSource({
            "abc123xyz=, https://abcdef1234.execute-api.eu-west-1.amazonaws.com/prod, eu-west-1",
            "L0SM9cOFvHcCIhw=, http://localhost:8080/local, us-east-1",
            "a+b/c=, http://127.0.0.1:18080/local, us-east-1",
            "sig-JC1dgf9yoAMCK-g=, https://example.com:8443/stage/with%20space, ap-southeast-2",
    })
    void matchesTheSdkSigner_forBasicAndSessionCredentials(String connectionId, String endpoint, String region) {
        for (AwsCredentialsIdentity credentials : new AwsCredentialsIdentity[] {BASIC, SESSION}) {
            Instant at = Instant.parse("2026-11-25T17:03:09Z");
            byte[] frame = "{\"type\":\"message\",\"text\":\"héllo\"}".getBytes(StandardCharsets.UTF_8);

            Map<String, String> ours = ours(new ConnectionsSigner(region), endpoint, connectionId, frame, at, credentials);

            assertThat(ours).isEqualTo(sdk(endpoint, connectionId, frame, at, credentials, region));
        }
    }

    @Test
    void cachedKeyAndFrameHash_followNewDaysFramesAndCredentials() {
        ConnectionsSigner signer = new ConnectionsSigner("us-east-1");
        String endpoint = "http://localhost:8080/local";
        byte[] first = "{\"n\":1}".getBytes(StandardCharsets.UTF_8);
        byte[] second = "{\"n\":2}".getBytes(StandardCharsets.UTF_8);
        Instant day1 = Instant.parse("2026-11-25T23:59:59Z");
        Instant day2 = Instant.parse("2026-11-26T00:00:00Z");

        // one signer, inputs changing between calls: each result must still be the SDK's
        assertThat(ours(signer, endpoint, "a=", first, day1, BASIC)).isEqualTo(sdk(endpoint, "a=", first, day1, BASIC, "us-east-1"));
        assertThat(ours(signer, endpoint, "b=", second, day1, BASIC)).isEqualTo(sdk(endpoint, "b=", second, day1, BASIC, "us-east-1"));
        assertThat(ours(signer, endpoint, "b=", second, day2, BASIC)).isEqualTo(sdk(endpoint, "b=", second, day2, BASIC, "us-east-1"));
        assertThat(ours(signer, endpoint, "b=", first, day2, SESSION)).isEqualTo(sdk(endpoint, "b=", first, day2, SESSION, "us-east-1"));
        assertThat(ours(signer, endpoint, "b=", first, day2, SESSION)).isNotEqualTo(ours(signer, endpoint, "c=", first, day2, SESSION));
    }

    static Map<String, String> ours(ConnectionsSigner signer, String endpoint, String connectionId, byte[] frame, Instant at,
                                    AwsCredentialsIdentity credentials) {
        URI uri = uri(endpoint, connectionId);
        String host = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line : signer.signedHeaders(host, uri.getRawPath(), frame, at, credentials).split("\r\n")) {
            int colon = line.indexOf(": ");
            headers.put(line.substring(0, colon).toLowerCase(), line.substring(colon + 2));
        }
        return new java.util.TreeMap<>(headers);
    }

    static Map<String, String> sdk(String endpoint, String connectionId, byte[] frame, Instant at, AwsCredentialsIdentity credentials,
                                   String region) {
        URI uri = uri(endpoint, connectionId);
        SdkHttpRequest unsigned = SdkHttpRequest.builder().method(SdkHttpMethod.POST).uri(uri)
                .putHeader("Content-Type", "application/json").build();
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r.identity(credentials).request(unsigned)
                .payload(ContentStreamProvider.fromByteArray(frame))
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "execute-api")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(at, ZoneOffset.UTC))).request();
        Map<String, String> headers = new java.util.TreeMap<>();
        signed.forEachHeader((name, values) -> headers.put(name.toLowerCase(), values.get(0)));
        headers.putIfAbsent("host", uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort());
        return headers;
    }

    static URI uri(String endpoint, String connectionId) {
        return URI.create(endpoint + "/@connections/" + SignedConnectionsPoster.encode(connectionId));
    }
}
