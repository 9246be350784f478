package dev.switchboard.bench.clients.legacy;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ProtocolException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Bench only: part of the pre-issue-16 poster kept as PosterBenchmark's baseline ({@link OwnSigV4Poster}).
 * One keep-alive HTTP/1.1 connection to one origin, for requests whose answer only matters by its
 * status code (the response body is read and dropped). Used by one thread at a time; reconnects
 * on demand, honours {@code Connection: close}, reads Content-Length, chunked and
 * close-delimited bodies, skips 1xx interim responses. Over TLS the server certificate is checked
 * against the host name (HTTPS endpoint identification), which a bare SSLSocket does not do.
 */
final class PersistentHttpConnection implements Closeable {

    private static final int MAX_LINE = 16 * 1024;

    private final String host;
    private final int port;
    private final SSLSocketFactory tls; // null: plain HTTP
    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;

    private Socket socket;
    private InputStream in;
    private OutputStream out;
    // Our own read buffer: the response is parsed a byte at a time, BufferedInputStream would lock per byte.
    private final byte[] buffer = new byte[8 * 1024];
    private int position;
    private int limit;
    private boolean reused;

    PersistentHttpConnection(
            String host, int port, SSLSocketFactory tls, int connectTimeoutMillis, int readTimeoutMillis) {
        this.host = host;
        this.port = port;
        this.tls = tls;
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.readTimeoutMillis = readTimeoutMillis;
    }

    /**
     * Sends {@code head} (request line and headers, ending in the blank line) and {@code body},
     * returns the response status. A kept-alive connection the server closed meanwhile is
     * detected by the failure of the first read and the request is sent once more on a new
     * connection; any other I/O failure is thrown (the caller decides about retries).
     */
    int exchange(byte[] head, byte[] body) throws IOException {
        boolean wasReused = socket != null && reused;
        try {
            return send(head, body);
        } catch (StaleConnection e) {
            close();
            if (!wasReused) {
                throw e;
            }
            return send(head, body);
        } catch (IOException e) {
            close();
            throw e;
        }
    }

    private int send(byte[] head, byte[] body) throws IOException {
        if (socket == null) {
            open();
        }
        try {
            out.write(head);
            out.write(body);
            out.flush();
        } catch (IOException e) {
            throw new StaleConnection(e); // the server never got a whole request
        }
        int status;
        boolean close;
        do {
            String statusLine = readLine(true);
            status = parseStatus(statusLine);
            close = readHeadersAndBody(status);
        } while (status / 100 == 1);
        if (close) {
            close();
        } else {
            reused = true;
        }
        return status;
    }

    private void open() throws IOException {
        Socket plain = new Socket();
        try {
            plain.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
            plain.setTcpNoDelay(true);
            plain.setSoTimeout(readTimeoutMillis);
            Socket connected = plain;
            if (tls != null) {
                SSLSocket secure = (SSLSocket) tls.createSocket(plain, host, port, true);
                SSLParameters parameters = secure.getSSLParameters();
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
                secure.setSSLParameters(parameters);
                secure.startHandshake();
                connected = secure;
            }
            socket = connected;
            in = connected.getInputStream();
            position = 0;
            limit = 0;
            out = new BufferedOutputStream(connected.getOutputStream(), 8 * 1024);
            reused = false;
        } catch (IOException e) {
            plain.close();
            throw e;
        }
    }

    /** Reads the headers and drops the body; true when the connection cannot be reused. */
    private boolean readHeadersAndBody(int status) throws IOException {
        long contentLength = -1;
        boolean chunked = false;
        boolean close = false;
        for (String line = readLine(false); !line.isEmpty(); line = readLine(false)) {
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new ProtocolException("malformed header line from " + host + ": " + line);
            }
            String name = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            if (name.equalsIgnoreCase("Content-Length")) {
                try {
                    contentLength = Long.parseLong(value);
                } catch (NumberFormatException e) {
                    throw new ProtocolException("bad Content-Length from " + host + ": " + value);
                }
            } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
                chunked = value.toLowerCase(java.util.Locale.ROOT).contains("chunked");
            } else if (name.equalsIgnoreCase("Connection")) {
                close = value.equalsIgnoreCase("close");
            }
        }
        if (status / 100 == 1 || status == 204 || status == 304) {
            return close;
        }
        if (chunked) {
            for (long size = chunkSize(); size > 0; size = chunkSize()) {
                skip(size);
                readLine(false);
            }
            for (String trailer = readLine(false); !trailer.isEmpty(); trailer = readLine(false)) {
                // trailers carry nothing we use
            }
            return close;
        }
        if (contentLength >= 0) {
            skip(contentLength);
            return close;
        }
        while (read() >= 0) {
            // no length: the body ends when the server closes
        }
        return true;
    }

    private long chunkSize() throws IOException {
        String line = readLine(false);
        int end = line.indexOf(';');
        try {
            return Long.parseLong((end < 0 ? line : line.substring(0, end)).trim(), 16);
        } catch (NumberFormatException e) {
            throw new ProtocolException("bad chunk size from " + host + ": " + line);
        }
    }

    private void skip(long bytes) throws IOException {
        for (long left = bytes; left > 0; ) {
            if (position == limit && !fill()) {
                throw new EOFException("response body from " + host + " ended early");
            }
            int skipped = (int) Math.min(left, limit - position);
            position += skipped;
            left -= skipped;
        }
    }

    /** One byte of the response, or -1 at the end of the stream. */
    private int read() throws IOException {
        if (position == limit && !fill()) {
            return -1;
        }
        return buffer[position++] & 0xff;
    }

    private boolean fill() throws IOException {
        int n = in.read(buffer, 0, buffer.length);
        position = 0;
        limit = Math.max(n, 0);
        return n > 0;
    }

    /** One CRLF-terminated ASCII line, without the terminator. */
    private String readLine(boolean firstOfResponse) throws IOException {
        StringBuilder line = new StringBuilder(64);
        while (true) {
            int b;
            try {
                b = read();
            } catch (java.net.SocketTimeoutException e) {
                throw e; // the server may still be working on it: not safe to resend
            } catch (IOException e) {
                if (firstOfResponse && line.length() == 0) {
                    throw new StaleConnection(e);
                }
                throw e;
            }
            if (b < 0) {
                if (firstOfResponse && line.length() == 0) {
                    throw new StaleConnection(null);
                }
                throw new EOFException("connection to " + host + " closed mid-response");
            }
            if (b == '\n') {
                int length = line.length();
                if (length > 0 && line.charAt(length - 1) == '\r') {
                    line.setLength(length - 1);
                }
                return line.toString();
            }
            if (line.length() >= MAX_LINE) {
                throw new ProtocolException("response line from " + host + " longer than " + MAX_LINE + " bytes");
            }
            line.append((char) b);
        }
    }

    private int parseStatus(String statusLine) throws ProtocolException {
        // HTTP/1.1 200 OK
        if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12 || statusLine.charAt(8) != ' ') {
            throw new ProtocolException("not an HTTP/1.x status line from " + host + ": " + statusLine);
        }
        try {
            return Integer.parseInt(statusLine, 9, 12, 10);
        } catch (NumberFormatException e) {
            throw new ProtocolException("bad status code from " + host + ": " + statusLine);
        }
    }

    @Override
    public void close() {
        Socket s = socket;
        socket = null;
        in = null;
        out = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException e) {
                // closing anyway
            }
        }
    }

    /**
     * Nothing came back: on a kept-alive connection this is the server having closed it while it
     * sat idle (the request was not processed), so one resend on a new connection is safe.
     */
    private static final class StaleConnection extends IOException {
        StaleConnection(IOException cause) {
            super("connection closed before any response", cause);
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
