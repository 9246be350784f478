package dev.switchboard.bench.clients;

import dev.switchboard.core.fanout.ConnectionPoster;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * An earlier Switchboard {@code @connections} poster, kept for comparison in PosterBenchmark: the
 * SDK's SigV4 signer per request and the JDK's asynchronous HttpClient. The fan-out now uses
 * {@code dev.switchboard.core.aws.SignedConnectionsPoster} (the SDK's signer and its UrlConnection
 * client on poster threads); the one in between is {@code clients.legacy.OwnSigV4Poster}.
 */
public final class JdkSignedPoster implements ConnectionPoster {

    private final HttpClient http;
    private final String endpoint;
    private final String region;
    private final AwsCredentialsProvider credentials;
    private final AwsV4HttpSigner signer = AwsV4HttpSigner.create();
    private final Duration timeout;

    /** @param endpoint {@code https://{api-id}.execute-api.{region}.amazonaws.com/{stage}} */
    public JdkSignedPoster(
            URI endpoint,
            String region,
            AwsCredentialsProvider credentials,
            Executor httpThreads,
            Duration connectTimeout,
            Duration timeout) {
        String base = endpoint.toString();
        this.endpoint = (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/@connections/";
        this.region = region;
        this.credentials = credentials;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .executor(httpThreads)
                .build();
    }

    @Override
    public CompletableFuture<PostStatus> post(String connectionId, byte[] frame) {
        HttpRequest request;
        try {
            request = signed(connectionId, frame);
        } catch (RuntimeException e) {
            // no credentials, bad id: nothing was sent, and another try would fail alike
            return CompletableFuture.completedFuture(PostStatus.FAILED);
        }
        return http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                .handle((response, failure) ->
                        failure != null ? PostStatus.RETRY : PostStatus.of(response.statusCode()));
    }

    private HttpRequest signed(String connectionId, byte[] frame) {
        URI uri = URI.create(endpoint + URLEncoder.encode(connectionId, StandardCharsets.UTF_8));
        SdkHttpRequest unsigned = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(uri)
                .putHeader("Content-Type", "application/json")
                .build();
        AwsCredentialsIdentity identity = credentials.resolveCredentials();
        SdkHttpRequest signed = signer.sign(r -> r.identity(identity)
                        .request(unsigned)
                        .payload(ContentStreamProvider.fromByteArrayUnsafe(frame))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "execute-api")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, region))
                .request();
        HttpRequest.Builder builder =
                HttpRequest.newBuilder(uri).timeout(timeout).POST(HttpRequest.BodyPublishers.ofByteArray(frame));
        for (Map.Entry<String, List<String>> header : signed.headers().entrySet()) {
            if (!header.getKey().equalsIgnoreCase("Host")) { // the JDK sets Host itself (same value)
                header.getValue().forEach(value -> builder.header(header.getKey(), value));
            }
        }
        return builder.build();
    }
}
