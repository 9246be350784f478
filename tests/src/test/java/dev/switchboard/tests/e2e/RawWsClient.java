package dev.switchboard.tests.e2e;

import dev.switchboard.local.WsClient;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A WebSocket client on a plain socket, for what well-behaved clients (the JDK's) refuse to send:
 * text frames that are not UTF-8, a single frame over API Gateway's 32 KB, frames with any opcode.
 * It writes masked frames as RFC 6455 requires and reads the server's frames one at a time.
 */
final class RawWsClient implements AutoCloseable {

    /** One frame from the server; {@code closeCode} is set for a close frame (1005 when it has none). */
    record Frame(int opcode, byte[] payload) {
        boolean isClose() {
            return opcode == 0x8;
        }

        int closeCode() {
            return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
        }

        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final OutputStream out;
    private final DataInputStream in;

    private RawWsClient(Socket socket) throws IOException {
        this.socket = socket;
        this.out = socket.getOutputStream();
        this.in = new DataInputStream(socket.getInputStream());
    }

    /** Opens the connection (loopback only) and completes the handshake; fails unless the server answers 101. */
    static RawWsClient connect(URI uri) throws IOException {
        if (!"localhost".equals(uri.getHost()) && !uri.getHost().startsWith("127.")) {
            throw new IllegalArgumentException("loopback only: " + uri);
        }
        Socket socket = new Socket(uri.getHost(), uri.getPort());
        socket.setSoTimeout((int) WsClient.WAIT.toMillis());
        RawWsClient client = new RawWsClient(socket);
        byte[] nonce = new byte[16];
        ThreadLocalRandom.current().nextBytes(nonce);
        String target = uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        client.out.write(("GET " + target + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                        + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
                        + Base64.getEncoder().encodeToString(nonce) + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        client.out.flush();
        StringBuilder headers = new StringBuilder();
        while (headers.indexOf("\r\n\r\n") < 0) {
            headers.append((char) client.in.readUnsignedByte());
        }
        if (!headers.toString().startsWith("HTTP/1.1 101")) {
            socket.close();
            throw new IOException("handshake refused: "
                    + headers.toString().lines().findFirst().orElse(""));
        }
        return client;
    }

    /**
     * Sends a WebSocket handshake with {@code rawTarget} as the request target exactly as given (even
     * one {@link URI} would refuse, such as a bad % escape) and returns the status line of the answer.
     */
    static String handshakeStatusLine(URI server, String rawTarget) throws IOException {
        if (!"localhost".equals(server.getHost()) && !server.getHost().startsWith("127.")) {
            throw new IllegalArgumentException("loopback only: " + server);
        }
        try (Socket socket = new Socket(server.getHost(), server.getPort())) {
            socket.setSoTimeout((int) WsClient.WAIT.toMillis());
            socket.getOutputStream()
                    .write(("GET " + rawTarget + " HTTP/1.1\r\nHost: " + server.getHost() + ":" + server.getPort()
                                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                    + "Sec-WebSocket-Version: 13\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            DataInputStream in = new DataInputStream(socket.getInputStream());
            StringBuilder line = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\r') {
                line.append((char) c);
            }
            return line.toString();
        }
    }

    /** Writes one complete (FIN) frame, masked. */
    RawWsClient sendFrame(int opcode, byte[] payload) throws IOException {
        ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
        frame.write(0x80 | opcode);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else if (payload.length < 65536) {
            frame.write(0x80 | 126);
            frame.write(payload.length >> 8);
            frame.write(payload.length);
        } else {
            frame.write(0x80 | 127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                frame.write((int) ((long) payload.length >> shift));
            }
        }
        byte[] mask = new byte[4];
        ThreadLocalRandom.current().nextBytes(mask);
        frame.write(mask, 0, 4);
        for (int i = 0; i < payload.length; i++) {
            frame.write(payload[i] ^ mask[i & 3]);
        }
        out.write(frame.toByteArray());
        out.flush();
        return this;
    }

    RawWsClient sendText(byte[] utf8OrNot) throws IOException {
        return sendFrame(0x1, utf8OrNot);
    }

    /** The next frame from the server (unmasked, unfragmented as ours are). */
    Frame read() throws IOException {
        int first = in.readUnsignedByte();
        int second = in.readUnsignedByte();
        long length = second & 0x7f;
        if (length == 126) {
            length = in.readUnsignedShort();
        } else if (length == 127) {
            length = in.readLong();
        }
        byte[] payload = new byte[(int) length];
        in.readFully(payload);
        return new Frame(first & 0x0f, payload);
    }

    /**
     * Reads until the server's close frame and returns its code; -1 when the server dropped the
     * connection without one or nothing came within {@link WsClient#WAIT}.
     */
    int awaitClose() throws IOException {
        try {
            while (true) {
                Frame frame = read();
                if (frame.isClose()) {
                    return frame.closeCode();
                }
            }
        } catch (EOFException | SocketTimeoutException e) {
            return -1;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
