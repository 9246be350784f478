package dev.switchboard.bench.clients;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.reactivestreams.FlowAdapters;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.http.SdkHttpFullResponse;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.async.AsyncExecuteRequest;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;

/**
 * An {@link SdkAsyncHttpClient} on the JDK's own {@link HttpClient}, so the SDK's async Management API
 * client can be measured on it (PosterBenchmark) next to Netty and the CRT. Made for small bodies:
 * a response body is read whole before it is handed on.
 */
public final class JdkAsyncHttpClient implements SdkAsyncHttpClient {

    /** The JDK sets these itself and refuses them from callers. */
    private static final Set<String> RESTRICTED = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);

    static {
        RESTRICTED.addAll(List.of("Host", "Content-Length", "Connection", "Expect", "Upgrade"));
    }

    private final HttpClient http;
    private final Duration requestTimeout;

    public JdkAsyncHttpClient(Duration connectTimeout, Duration requestTimeout, Executor executor) {
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connectTimeout)
                .executor(executor)
                .build();
        this.requestTimeout = requestTimeout;
    }

    @Override
    public CompletableFuture<Void> execute(AsyncExecuteRequest request) {
        HttpRequest httpRequest;
        try {
            httpRequest = toJdk(request);
        } catch (RuntimeException e) {
            request.responseHandler().onError(e);
            return CompletableFuture.failedFuture(e);
        }
        return http.sendAsync(httpRequest, HttpResponse.BodyHandlers.ofByteArray())
                .handle((response, failure) -> {
                    if (failure != null) {
                        Throwable cause = failure instanceof java.util.concurrent.CompletionException
                                        && failure.getCause() != null
                                ? failure.getCause()
                                : failure;
                        request.responseHandler().onError(cause);
                        throw new java.util.concurrent.CompletionException(cause);
                    }
                    request.responseHandler()
                            .onHeaders(SdkHttpFullResponse.builder()
                                    .statusCode(response.statusCode())
                                    .headers(response.headers().map())
                                    .build());
                    request.responseHandler().onStream(new OneBuffer(ByteBuffer.wrap(response.body())));
                    return null;
                });
    }

    private HttpRequest toJdk(AsyncExecuteRequest request) {
        SdkHttpRequest sdk = request.request();
        HttpRequest.Builder builder = HttpRequest.newBuilder(sdk.getUri()).timeout(requestTimeout);
        for (Map.Entry<String, List<String>> header : sdk.headers().entrySet()) {
            if (!RESTRICTED.contains(header.getKey())) {
                header.getValue().forEach(value -> builder.header(header.getKey(), value));
            }
        }
        var content = request.requestContentPublisher();
        long length = content == null ? 0 : content.contentLength().orElse(-1L);
        HttpRequest.BodyPublisher body = length == 0
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.fromPublisher(FlowAdapters.toFlowPublisher(content), length);
        return builder.method(sdk.method().name(), body).build();
    }

    @Override
    public String clientName() {
        return "JdkAsync";
    }

    @Override
    public void close() {
        // Java 17's HttpClient has no close(); its threads are daemons and go with the instance.
    }

    /** A publisher of one in-memory buffer that honours demand and cancellation. */
    private record OneBuffer(ByteBuffer buffer) implements Publisher<ByteBuffer> {
        @Override
        public void subscribe(Subscriber<? super ByteBuffer> subscriber) {
            AtomicBoolean done = new AtomicBoolean();
            subscriber.onSubscribe(new Subscription() {
                @Override
                public void request(long n) {
                    if (n <= 0) {
                        if (done.compareAndSet(false, true)) {
                            subscriber.onError(new IllegalArgumentException("request(n) needs n > 0 (rule 3.9)"));
                        }
                        return;
                    }
                    if (done.compareAndSet(false, true)) {
                        if (buffer.hasRemaining()) {
                            subscriber.onNext(buffer);
                        }
                        subscriber.onComplete();
                    }
                }

                @Override
                public void cancel() {
                    done.set(true);
                }
            });
        }
    }
}
