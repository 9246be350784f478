package dev.switchboard.core.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import dev.switchboard.core.fanout.ConnectionPoster.PostStatus;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/** The poster's threads and kept-alive connections: reused while busy, given back when idle. */
class SignedConnectionsPosterTest {

    final AtomicInteger closedByClient = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    LoopbackServer server;

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    @Test
    void connectionsAreKeptAliveWhileBusy_andClosedWithTheirThreadWhenIdle() throws Exception {
        int port = serve();
        SignedConnectionsPoster poster = new SignedConnectionsPoster(URI.create("http://127.0.0.1:" + port + "/local"), "us-east-1",
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKID", "secret")), 4,
                Duration.ofSeconds(1), Duration.ofSeconds(2), r -> new Thread(r, "poster-test"), Duration.ofMillis(300));
        byte[] frame = "{}".getBytes(StandardCharsets.UTF_8);

        for (int round = 0; round < 5; round++) {
            List<CompletableFuture<PostStatus>> posts = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                posts.add(poster.post("conn-" + i + "=", frame));
            }
            for (CompletableFuture<PostStatus> post : posts) {
                assertThat(post.get()).isEqualTo(PostStatus.DELIVERED);
            }
        }
        assertThat(requests.get()).isEqualTo(100);
        assertThat(server.accepted.get()).as("at most one connection per poster thread").isBetween(1, 4);
        assertThat(closedByClient.get()).isZero();

        // idle past the threads' keep-alive: each thread ends and closes its connection
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(closedByClient.get()).isEqualTo(server.accepted.get()));

        // and posting again simply starts over
        assertThat(poster.post("again=", frame).get()).isEqualTo(PostStatus.DELIVERED);
        poster.close();
        assertThat(poster.post("after-close=", frame).get()).isEqualTo(PostStatus.FAILED);
    }

    /** Answers every request 200 on kept-alive connections; counts connections and their closing by the client. */
    int serve() throws IOException {
        server = new LoopbackServer(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), this::answer);
        return server.port();
    }

    void answer(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            while (PersistentHttpConnectionTest.readRequest(in) != null) {
                requests.incrementAndGet();
                out.write("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
            closedByClient.incrementAndGet();
        } catch (IOException e) {
            closedByClient.incrementAndGet();
        }
    }
}
