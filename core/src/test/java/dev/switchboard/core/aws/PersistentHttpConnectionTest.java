package dev.switchboard.core.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fan-out's HTTP/1.1 connection against a scripted server that answers in every way HTTP allows. */
class PersistentHttpConnectionTest {

    /** What the server does with request number n (0-based, across connections). */
    record Answer(String raw, Behaviour then) {
        enum Behaviour { KEEP_OPEN, CLOSE, HANG }
    }

    final List<String> received = new CopyOnWriteArrayList<>();
    final AtomicInteger closedByServer = new AtomicInteger();
    LoopbackServer server;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    int serve(ServerSocket socket, IntFunction<Answer> script) {
        AtomicInteger requests = new AtomicInteger();
        server = new LoopbackServer(socket, client -> answer(client, script, requests));
        return server.port();
    }

    int accepted() {
        return server.accepted.get();
    }

    void answer(Socket client, IntFunction<Answer> script, AtomicInteger requests) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            while (true) {
                String request = readRequest(in);
                if (request == null) {
                    return;
                }
                received.add(request);
                Answer answer = script.apply(requests.getAndIncrement());
                out.write(answer.raw().getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                switch (answer.then()) {
                    case CLOSE -> {
                        client.close();
                        closedByServer.incrementAndGet();
                        return;
                    }
                    case HANG -> Thread.sleep(5_000);
                    default -> { }
                }
            }
        } catch (IOException | InterruptedException e) {
            // the client went away
        }
    }

    /** Head and Content-Length body of one request, or null at the end of the stream. */
    static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            String text = head.toString(StandardCharsets.ISO_8859_1);
            if (text.endsWith("\r\n\r\n")) {
                int length = Integer.parseInt(text.replaceAll("(?s).*Content-Length: (\\d+).*", "$1"));
                return text + new String(in.readNBytes(length), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    static byte[] head(String path) {
        return PersistentHttpConnection.ascii("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\n\r\n");
    }

    static final byte[] BODY = "{}".getBytes(StandardCharsets.UTF_8);

    PersistentHttpConnection connection(int port, int readTimeoutMillis) {
        return new PersistentHttpConnection("127.0.0.1", port, null, 1_000, readTimeoutMillis);
    }

    @Test
    void oneConnection_servesEveryBodyFraming_andSkipsInterimResponses() throws IOException {
        int port = serve(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), n -> new Answer(switch (n) {
            case 0 -> "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
            case 1 -> "HTTP/1.1 410 Gone\r\nx-amzn-ErrorType: GoneException\r\nContent-Length: 16\r\n\r\n{\"message\":null}";
            case 2 -> "HTTP/1.1 429 Too Many Requests\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\n{\"me\r\n"
                    + "c\r\nssage\":null}\r\n0\r\nX-Trailer: t\r\n\r\n";
            case 3 -> "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
            default -> "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello";
        }, Answer.Behaviour.KEEP_OPEN));
        try (PersistentHttpConnection connection = connection(port, 2_000)) {
            int[] statuses = new int[5];
            for (int i = 0; i < statuses.length; i++) {
                statuses[i] = connection.exchange(head("/local/@connections/c" + i), BODY);
            }

            assertThat(statuses).containsExactly(200, 410, 429, 204, 200);
        }
        assertThat(accepted()).isEqualTo(1);
        assertThat(received).hasSize(5);
        assertThat(received.get(3)).startsWith("POST /local/@connections/c3 HTTP/1.1\r\n").endsWith("\r\n\r\n{}");
    }

    @Test
    void connectionClose_orABodyEndedByClose_meansANewConnectionNextTime() throws IOException {
        int port = serve(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), n -> switch (n) {
            case 0 -> new Answer("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", Answer.Behaviour.CLOSE);
            case 1 -> new Answer("HTTP/1.1 500 Internal Server Error\r\n\r\nno length, ends at close", Answer.Behaviour.CLOSE);
            default -> new Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", Answer.Behaviour.KEEP_OPEN);
        });
        try (PersistentHttpConnection connection = connection(port, 2_000)) {
            assertThat(connection.exchange(head("/a"), BODY)).isEqualTo(200);
            assertThat(connection.exchange(head("/b"), BODY)).isEqualTo(500);
            assertThat(connection.exchange(head("/c"), BODY)).isEqualTo(200);
        }
        assertThat(accepted()).isEqualTo(3);
        assertThat(received).hasSize(3);
    }

    @Test
    void keptAliveConnectionTheServerDropped_isResentOnce_onANewConnection() throws IOException {
        // the server answers, keeps quiet about it, and closes: what an idle timeout looks like
        int port = serve(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()),
                n -> new Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", n == 0 ? Answer.Behaviour.CLOSE : Answer.Behaviour.KEEP_OPEN));
        try (PersistentHttpConnection connection = connection(port, 2_000)) {
            assertThat(connection.exchange(head("/first"), BODY)).isEqualTo(200);
            awaitServerClosedFirstConnection();

            assertThat(connection.exchange(head("/second"), BODY)).isEqualTo(200);
        }
        assertThat(accepted()).isEqualTo(2);
        assertThat(received).hasSize(2); // the dropped connection never got /second
        assertThat(received.get(1)).startsWith("POST /second ");
    }

    @Test
    void noAnswerInTime_isThrown_andNeverResent() throws IOException {
        int port = serve(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), n -> n == 0
                ? new Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", Answer.Behaviour.KEEP_OPEN)
                : new Answer("", Answer.Behaviour.HANG));
        try (PersistentHttpConnection connection = connection(port, 300)) {
            assertThat(connection.exchange(head("/first"), BODY)).isEqualTo(200);

            // kept-alive connection, nothing back: the server may be working on it, so no resend
            assertThatThrownBy(() -> connection.exchange(head("/slow"), BODY)).isInstanceOf(SocketTimeoutException.class);
        }
        assertThat(received).hasSize(2);
        assertThat(accepted()).isEqualTo(1);
    }

    @Test
    void newConnectionClosedWithoutAnswer_isThrown_notResent() throws IOException {
        int port = serve(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), n -> new Answer("", Answer.Behaviour.CLOSE));
        try (PersistentHttpConnection connection = connection(port, 2_000)) {
            assertThatThrownBy(() -> connection.exchange(head("/x"), BODY)).isInstanceOf(IOException.class);
        }
        assertThat(received).hasSize(1);
    }

    @Test
    void garbageInsteadOfHttp_isAProtocolError() throws IOException {
        int port = serve(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()),
                n -> new Answer("SSH-2.0-OpenSSH_9.2\r\n\r\n", Answer.Behaviour.KEEP_OPEN));
        try (PersistentHttpConnection connection = connection(port, 2_000)) {
            assertThatThrownBy(() -> connection.exchange(head("/x"), BODY))
                    .isInstanceOf(java.net.ProtocolException.class).hasMessageContaining("not an HTTP/1.x status line");
        }
    }

    @Test
    void tls_checksTheCertificateAgainstTheHostName(@TempDir Path dir) throws Exception {
        SSLContext context = selfSignedLocalhost(dir);
        int port = serve(context.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress()),
                n -> new Answer("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", Answer.Behaviour.KEEP_OPEN));

        try (PersistentHttpConnection named = new PersistentHttpConnection("localhost", port, context.getSocketFactory(), 1_000, 2_000)) {
            assertThat(named.exchange(head("/tls"), BODY)).isEqualTo(200);
            assertThat(named.exchange(head("/tls-again"), BODY)).isEqualTo(200);
        }
        // the certificate names localhost only: reaching the same server as 127.0.0.1 must be refused
        try (PersistentHttpConnection byAddress = new PersistentHttpConnection("127.0.0.1", port, context.getSocketFactory(), 1_000, 2_000)) {
            assertThatThrownBy(() -> byAddress.exchange(head("/x"), BODY)).isInstanceOf(SSLHandshakeException.class);
        }
        assertThat(received).hasSize(2);
    }

    /** A key pair and certificate for CN=localhost (SAN dns:localhost), made by the JDK's keytool. */
    static SSLContext selfSignedLocalhost(Path dir) throws Exception {
        Path keystore = dir.resolve("localhost.p12");
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        Process process = new ProcessBuilder(keytool, "-genkeypair", "-alias", "localhost", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isZero();
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, "changeit".toCharArray());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        return context;
    }

    void awaitServerClosedFirstConnection() {
        await().atMost(java.time.Duration.ofSeconds(2)).until(() -> closedByServer.get() == 1);
    }
}
