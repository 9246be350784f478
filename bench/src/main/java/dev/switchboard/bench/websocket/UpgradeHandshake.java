package dev.switchboard.bench.websocket;

import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.Random;

/**
 * The client's side of the RFC 6455 opening handshake (section 4.1) for one connection: the HTTP/1.1
 * upgrade request with a fresh random key, then the server's response read up to its blank line
 * and checked: status 101, {@code Upgrade: websocket}, {@code Connection: Upgrade} and the
 * {@code Sec-WebSocket-Accept} derived from our key. We ask for no extension or subprotocol, so a
 * server that names one is refused too.
 */
final class UpgradeHandshake {

    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    /** A response head larger than this is not a WebSocket server talking to us. */
    private static final int MAX_RESPONSE_HEAD_BYTES = 16 * 1024;

    private final URI uri;
    private final String key;
    private byte[] head = new byte[512];
    private int headLength;

    UpgradeHandshake(URI uri, Random random) {
        this.uri = uri;
        byte[] nonce = new byte[16];
        random.nextBytes(nonce);
        this.key = Base64.getEncoder().encodeToString(nonce);
    }

    ByteBuffer request() {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String target = uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
        String host = uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
        String request = "GET " + target + " HTTP/1.1\r\n"
                + "Host: " + host + "\r\n"
                + "Upgrade: websocket\r\n"
                + "Connection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + key + "\r\n"
                + "Sec-WebSocket-Version: 13\r\n"
                + "\r\n";
        return ByteBuffer.wrap(request.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Takes bytes of the response; returns true once the head is complete and valid, leaving
     * {@code in} positioned at the first byte after it (the server may send frames right away).
     *
     * @throws HandshakeFailedException if the server refused the upgrade or answered it wrongly
     */
    boolean consume(ByteBuffer in) throws HandshakeFailedException {
        while (in.hasRemaining()) {
            if (headLength == head.length) {
                if (head.length >= MAX_RESPONSE_HEAD_BYTES) {
                    throw new HandshakeFailedException(statusOrZero(), "response head longer than " + MAX_RESPONSE_HEAD_BYTES + " bytes");
                }
                head = java.util.Arrays.copyOf(head, head.length * 2);
            }
            head[headLength++] = in.get();
            if (headLength >= 4 && head[headLength - 4] == '\r' && head[headLength - 3] == '\n'
                    && head[headLength - 2] == '\r' && head[headLength - 1] == '\n') {
                verify(new String(head, 0, headLength, StandardCharsets.ISO_8859_1));
                head = null; // done; the connection keeps this object no longer than the handshake
                return true;
            }
        }
        return false;
    }

    private void verify(String response) throws HandshakeFailedException {
        String[] lines = response.split("\r\n");
        int status = status(lines[0]);
        if (status != 101) {
            throw new HandshakeFailedException(status, "upgrade refused: " + lines[0]);
        }
        String upgrade = null;
        String connection = null;
        String accept = null;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim();
            switch (name) {
                case "upgrade" -> upgrade = value;
                case "connection" -> connection = value;
                case "sec-websocket-accept" -> accept = value;
                case "sec-websocket-extensions", "sec-websocket-protocol" ->
                        throw new HandshakeFailedException(status, "server chose " + lines[i] + " that we did not ask for");
                default -> {
                }
            }
        }
        if (upgrade == null || !upgrade.equalsIgnoreCase("websocket")) {
            throw new HandshakeFailedException(status, "101 without Upgrade: websocket (got " + upgrade + ")");
        }
        if (connection == null || !hasToken(connection, "upgrade")) {
            throw new HandshakeFailedException(status, "101 without Connection: Upgrade (got " + connection + ")");
        }
        String expected = expectedAccept(key);
        if (!expected.equals(accept)) {
            throw new HandshakeFailedException(status, "Sec-WebSocket-Accept is " + accept + ", expected " + expected);
        }
    }

    /** Base64 of SHA-1 over the key and the RFC's GUID: what the server must answer to our key. */
    static String expectedAccept(String key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-1").digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-1", e);
        }
    }

    String key() {
        return key;
    }

    private static boolean hasToken(String headerValue, String token) {
        for (String each : headerValue.split(",")) {
            if (each.trim().equalsIgnoreCase(token)) {
                return true;
            }
        }
        return false;
    }

    /** The status code of {@code HTTP/1.1 <code> <reason>}, 0 if the line is not one. */
    private static int status(String statusLine) {
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
            return 0;
        }
        try {
            return Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private int statusOrZero() {
        int end = 0;
        while (end < headLength && head[end] != '\r') {
            end++;
        }
        return status(new String(head, 0, end, StandardCharsets.ISO_8859_1));
    }
}
