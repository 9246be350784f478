package dev.switchboard.bench.websocket;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.function.UnaryOperator;

/**
 * A server that misbehaves at the upgrade: it reads one request head and answers with whatever
 * {@code answer} makes of it (null: never answers), then keeps the socket open until closed.
 */
final class OneShotHttpServer implements AutoCloseable {

    private final ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    private final Thread thread;

    OneShotHttpServer(UnaryOperator<String> answer) throws IOException {
        socket.setSoTimeout(10_000);
        thread = new Thread(
                () -> {
                    try (Socket client = socket.accept()) {
                        client.setSoTimeout(10_000);
                        String head = readHead(client.getInputStream());
                        String response = answer.apply(head);
                        if (response != null) {
                            client.getOutputStream().write(response.getBytes(StandardCharsets.ISO_8859_1));
                            client.getOutputStream().flush();
                        }
                        client.getInputStream().read(); // until the client goes, or the timeout
                    } catch (IOException e) {
                        // the test sees the outcome on the client side
                    }
                },
                "one-shot-http");
        thread.setDaemon(true);
        thread.start();
    }

    URI uri() {
        return URI.create("ws://127.0.0.1:" + socket.getLocalPort() + "/");
    }

    /** The value of {@code name} in a request head. */
    static String header(String head, String name) {
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                return line.substring(name.length() + 1).trim();
            }
        }
        return null;
    }

    private static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n") && head.length() < 16_384) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            head.append((char) b);
        }
        return head.toString();
    }

    @Override
    public void close() throws Exception {
        socket.close();
        thread.join(5_000);
    }
}
