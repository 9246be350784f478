package dev.switchboard.bench.websocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.bench.BroadcastCeilingServer;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The load client (Netty's WebSocket client) against real servers: Jetty's WebSocket server, and raw sockets for broken upgrades. */
class NettyWebSocketClientTest {

    private static ScriptedServer server;
    private NettyWebSocketClient client;

    @BeforeAll
    static void startServer() throws Exception {
        server = new ScriptedServer();
    }

    @AfterAll
    static void stopServer() throws Exception {
        server.close();
    }

    @BeforeEach
    void startClient() throws Exception {
        client = new NettyWebSocketClient(Duration.ofSeconds(5));
    }

    @AfterEach
    void stopClient() {
        client.close();
    }

    @Test
    void member_receivesWhatAnotherSent_throughTheCeilingServer_stampedAfterItsRead() throws Exception {
        try (BroadcastCeilingServer ceiling = new BroadcastCeilingServer()) {
            Recorder sender = new Recorder();
            Recorder member = new Recorder();
            WebSocketConnection sending = connect(ceiling.uri(), sender);
            connect(ceiling.uri(), member);

            // the ceiling adds a member when its own open callback runs, which may come after our 101: resend until it
            // is in
            long[] sentAt = new long[50];
            String got = null;
            for (int attempt = 0; attempt < sentAt.length && got == null; attempt++) {
                sentAt[attempt] = System.nanoTime();
                assertThat(sending.sendText("hello room " + attempt)).isTrue();
                got = member.texts.poll(100, TimeUnit.MILLISECONDS);
            }
            long now = System.nanoTime();
            assertThat(got).startsWith("hello room ");
            assertThat(member.lastReceivedNanos)
                    .isBetween(sentAt[Integer.parseInt(got.substring("hello room ".length()))], now);
            assertThat(sender.texts.poll(200, TimeUnit.MILLISECONDS))
                    .as("the ceiling does not echo to the sender")
                    .isNull();
            client.close(); // before the server stops, which would otherwise log our connections' end as errors
        }
    }

    @Test
    void sendsFromManyThreadsAtOnce_arriveWhole_evenWhenTheSocketIsFull() throws Exception {
        Recorder echoes = new Recorder();
        WebSocketConnection connection = connect(server.uri("/"), echoes);
        int threads = 4;
        int each = 40;
        List<Thread> senders = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            // up to 140 KB a message, about 11 MB in all (under the 16 MB a connection may queue): the socket fills, so
            // frames queue and are written in parts
            Thread sender = new Thread(() -> {
                for (int i = 0; i < each; i++) {
                    connection.sendText(message(thread, i));
                }
            });
            sender.start();
            senders.add(sender);
        }
        for (Thread sender : senders) {
            sender.join(10_000);
        }
        Set<String> got = new HashSet<>();
        for (int i = 0; i < threads * each; i++) {
            String echo = echoes.texts.poll(5, TimeUnit.SECONDS);
            assertThat(echo)
                    .as("echo %d of %d, closes %s", i, threads * each, echoes.closes)
                    .isNotNull();
            got.add(echo);
        }
        Set<String> sent = new HashSet<>();
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < each; i++) {
                sent.add("echo " + message(t, i));
            }
        }
        assertThat(got).isEqualTo(sent);
        assertThat(connection.isOpen()).isTrue();
    }

    private static String message(int thread, int i) {
        return "t" + thread + "-" + i + "-" + "z".repeat(20_000 * (i % 8));
    }

    @Test
    void fragmentedMessage_isDeliveredJoined() throws Exception {
        Recorder recorder = new Recorder();
        connect(server.uri("/"), recorder).sendText("fragmented");
        assertThat(recorder.texts.poll(5, TimeUnit.SECONDS)).isEqualTo("fragmented ✓");
    }

    @Test
    void framesWith16And64BitLengths_goBothWays() throws Exception {
        Recorder recorder = new Recorder();
        WebSocketConnection connection = connect(server.uri("/"), recorder);

        connection.sendText("large 300");
        assertThat(recorder.texts.poll(5, TimeUnit.SECONDS)).isEqualTo("y".repeat(300));
        connection.sendText("large 100000");
        assertThat(recorder.texts.poll(5, TimeUnit.SECONDS)).isEqualTo("y".repeat(100_000));
        String big = "x".repeat(70_000);
        connection.sendText(big);
        assertThat(recorder.texts.poll(5, TimeUnit.SECONDS)).isEqualTo("echo " + big);
    }

    @Test
    void ping_isAnsweredWithAPongCarryingItsPayload() throws Exception {
        Recorder recorder = new Recorder();
        connect(server.uri("/"), recorder).sendText("ping are you there");
        assertThat(recorder.texts.poll(5, TimeUnit.SECONDS)).isEqualTo("pong are you there");
    }

    @Test
    void serverClose_isAnsweredWithItsStatus_andTheConnectionEnds() throws Exception {
        server.closesReceived.clear();
        Recorder recorder = new Recorder();
        WebSocketConnection connection = connect(server.uri("/"), recorder);
        connection.sendText("close");

        assertThat(recorder.closes.poll(5, TimeUnit.SECONDS)).isEqualTo("4001 told to");
        assertThat(connection.isOpen()).isFalse();
        assertThat(connection.sendText("too late")).isFalse();
        assertThat(server.closesReceived.poll(5, TimeUnit.SECONDS))
                .as("the status the server got back")
                .isEqualTo(4001);
    }

    @Test
    void clientClose_isANormalClosure_thatTheServerAnswers() throws Exception {
        server.closesReceived.clear();
        Recorder recorder = new Recorder();
        WebSocketConnection connection = connect(server.uri("/"), recorder);
        connection.close();

        assertThat(server.closesReceived.poll(5, TimeUnit.SECONDS)).isEqualTo(1000);
        assertThat(recorder.closes.poll(5, TimeUnit.SECONDS)).startsWith("1000");
        assertThat(connection.isOpen()).isFalse();
    }

    @Test
    void upgradeAnsweredWith401_isAFailedConnect_carryingTheStatus() {
        assertThatThrownBy(() ->
                        client.connect(server.uri("/refuse"), new Recorder()).get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause()
                .isInstanceOf(HandshakeFailedException.class)
                .hasMessageContaining("401")
                .satisfies(
                        e -> assertThat(((HandshakeFailedException) e).status()).isEqualTo(401));
    }

    @Test
    void upgradeWithAWrongAccept_isAFailedConnect_whileTheRightOneConnects() throws Exception {
        try (OneShotHttpServer wrong =
                new OneShotHttpServer(head -> switchingProtocols(expectedAccept("dGhlIHNhbXBsZSBub25jZQ==")))) {
            assertThatThrownBy(() -> client.connect(wrong.uri(), new Recorder()).get(5, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOf(HandshakeFailedException.class)
                    .hasMessageContaining("Invalid challenge");
        }
        // the same server with the accept derived from the key it got: the only difference
        try (OneShotHttpServer right = new OneShotHttpServer(
                head -> switchingProtocols(expectedAccept(OneShotHttpServer.header(head, "Sec-WebSocket-Key"))))) {
            WebSocketConnection connection =
                    client.connect(right.uri(), new Recorder()).get(5, TimeUnit.SECONDS);
            assertThat(connection.isOpen()).isTrue();
            connection.close(); // the raw server hangs up on the close frame, so nothing waits for a reply
        }
    }

    @Test
    void serverThatNeverAnswersTheUpgrade_failsTheConnectAfterTheTimeout() throws Exception {
        try (NettyWebSocketClient impatient = new NettyWebSocketClient(Duration.ofMillis(300));
                OneShotHttpServer silent = new OneShotHttpServer(head -> null)) {
            long start = System.nanoTime();
            assertThatThrownBy(() ->
                            impatient.connect(silent.uri(), new Recorder()).get(5, TimeUnit.SECONDS))
                    .cause()
                    .isInstanceOf(TimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    void notAWsUri_isRefusedWithoutConnecting() {
        assertThatThrownBy(() -> client.connect(URI.create("http://127.0.0.1/"), new Recorder())
                        .get(1, TimeUnit.SECONDS))
                .cause()
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ws://");
    }

    /** Sec-WebSocket-Accept for a key (RFC 6455 section 4.2.2): what a server that understood the upgrade answers. */
    static String expectedAccept(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1")
                    .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private WebSocketConnection connect(URI uri, Recorder recorder) throws Exception {
        return client.connect(uri, recorder).get(5, TimeUnit.SECONDS);
    }

    private static String switchingProtocols(String accept) {
        return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: "
                + accept + "\r\n\r\n";
    }

    /** Keeps what a connection was told. */
    static final class Recorder implements WebSocketListener {
        final BlockingQueue<String> texts = new LinkedBlockingQueue<>();
        final BlockingQueue<String> closes = new LinkedBlockingQueue<>();
        volatile long lastReceivedNanos;

        @Override
        public void onText(WebSocketConnection connection, String text, long receivedNanos) {
            lastReceivedNanos = receivedNanos;
            texts.add(text);
        }

        @Override
        public void onClose(WebSocketConnection connection, int status, String reason) {
            closes.add(status + " " + reason);
        }
    }
}
