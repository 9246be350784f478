package dev.switchboard.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

import dev.switchboard.core.Config;
import dev.switchboard.core.aws.AwsClients;
import dev.switchboard.core.aws.ManagementApiPoster;
import dev.switchboard.core.store.Member;

/**
 * The fan-out engine with the real SDK Management API client against a local HTTP stand-in for
 * {@code @connections} that answers per connection: 200, 410, 429 (then 200), 500 (always).
 */
class FanOutTest {

    HttpServer server;
    ExecutorService pool = Executors.newFixedThreadPool(8);
    final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    final Set<String> removed = ConcurrentHashMap.newKeySet();
    FanOut fanOut;

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/local/@connections/", exchange -> {
            String id = URLDecoder.decode(exchange.getRequestURI().getPath().substring("/local/@connections/".length()), StandardCharsets.UTF_8);
            exchange.getRequestBody().readAllBytes();
            int attempt = attempts.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
            int status = id.startsWith("gone") ? 410 : id.startsWith("busy") && attempt == 1 ? 429 : id.startsWith("broken") ? 500 : 200;
            String type = switch (status) {
                case 410 -> "GoneException";
                case 429 -> "LimitExceededException";
                case 500 -> "InternalServerErrorException";
                default -> null;
            };
            if (type != null) {
                exchange.getResponseHeaders().add("x-amzn-ErrorType", type);
            }
            byte[] body = status == 200 ? new byte[0] : "{\"message\":null}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        Config config = Config.fromEnv(Map.of(Config.TABLE, "t", Config.MANAGEMENT_ENDPOINT,
                "http://127.0.0.1:" + server.getAddress().getPort() + "/local"));
        System.setProperty("aws.accessKeyId", "local");
        System.setProperty("aws.secretAccessKey", "local");
        fanOut = new FanOut(new ManagementApiPoster(new AwsClients(config).managementApi()), removed::add, pool, 3, 5);
    }

    @AfterEach
    void stop() {
        server.stop(0);
        pool.shutdownNow();
    }

    static List<Member> recipients(String... ids) {
        List<Member> members = new ArrayList<>();
        for (String id : ids) {
            members.add(new Member(id, "u"));
        }
        return members;
    }

    @Test
    void fanOut_countsEveryRecipient_deletesGone_retriesThrottled_andNeverStopsForOne() {
        FanOutResult result = fanOut.deliver(recipients("ok-1", "gone-1", "busy-1", "broken-1", "ok-2", "gone-2"),
                "{\"type\":\"pong\"}".getBytes(StandardCharsets.UTF_8));

        assertThat(result).isEqualTo(new FanOutResult(3, 2, 1));
        assertThat(result.audience()).isEqualTo(6);
        assertThat(removed).containsExactlyInAnyOrder("gone-1", "gone-2");
        // 410 is final: never resent. 429 once, then delivered. 500 retried up to the attempt limit.
        assertThat(attempts.get("gone-1").get()).isEqualTo(1);
        assertThat(attempts.get("busy-1").get()).isEqualTo(2);
        assertThat(attempts.get("broken-1").get()).isEqualTo(3);
        assertThat(attempts.get("ok-1").get()).isEqualTo(1);
    }

    @Test
    void gone_isRecognisedByStatusCode_evenWithoutTheErrorType() {
        assertThat(ManagementApiPoster.classify(410)).isEqualTo(ConnectionPoster.PostStatus.GONE);
        assertThat(ManagementApiPoster.classify(429)).isEqualTo(ConnectionPoster.PostStatus.RETRY);
        assertThat(ManagementApiPoster.classify(503)).isEqualTo(ConnectionPoster.PostStatus.RETRY);
        assertThat(ManagementApiPoster.classify(403)).isEqualTo(ConnectionPoster.PostStatus.FAILED);
    }

}
