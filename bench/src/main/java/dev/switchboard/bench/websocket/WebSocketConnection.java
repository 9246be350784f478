package dev.switchboard.bench.websocket;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * One client connection: its socket, the upgrade, the frames read from it and the frames queued for
 * it. Reading, the handshake and every state change run on the client's selector thread; sending
 * text is safe from any thread (frames are written in the caller's thread while nothing is queued,
 * so a send costs no thread hand-off either).
 */
public final class WebSocketConnection implements ServerFrameReader.Sink {

    private enum State { CONNECTING, HANDSHAKING, OPEN, CLOSING, CLOSED }

    /** Frames the server has not taken yet; past this the connection is failed rather than grown. */
    private static final long MAX_QUEUED_BYTES = 16L * 1024 * 1024;
    /** Reads per readiness event before other connections get their turn. */
    private static final int MAX_READS_PER_EVENT = 16;
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final LightWebSocketClient client;
    private final URI uri;
    private final InetSocketAddress address;
    private final WebSocketListener listener;
    private final CompletableFuture<WebSocketConnection> opened;
    private final ServerFrameReader reader;
    private final Duration handshakeTimeout;
    private UpgradeHandshake handshake;
    private SocketChannel channel;
    private SelectionKey key;
    private volatile State state = State.CONNECTING;
    /** System.nanoTime() by which the handshake or the closing must be done; selector thread only. */
    private long deadline;
    /** When the read now being parsed returned; selector thread only. */
    private long readAt;

    // guarded by outbound
    private final ArrayDeque<ByteBuffer> outbound = new ArrayDeque<>();
    private long queuedBytes;
    private boolean writesEnded;
    private boolean closeWhenFlushed;

    WebSocketConnection(LightWebSocketClient client, URI uri, InetSocketAddress address, WebSocketListener listener,
                        CompletableFuture<WebSocketConnection> opened, Duration handshakeTimeout, int maxMessageBytes) {
        this.client = client;
        this.uri = uri;
        this.address = address;
        this.listener = listener;
        this.opened = opened;
        this.handshakeTimeout = handshakeTimeout;
        this.reader = new ServerFrameReader(maxMessageBytes);
        this.handshake = new UpgradeHandshake(uri, client.random());
        this.deadline = System.nanoTime() + handshakeTimeout.toNanos();
    }

    public URI uri() {
        return uri;
    }

    /** Open: upgraded, and neither side has started closing. */
    public boolean isOpen() {
        return state == State.OPEN;
    }

    /** Sends one text message (from any thread); false if the connection is not open. */
    public boolean sendText(String text) {
        return state == State.OPEN && write(ClientFrames.text(text, client.random()));
    }

    /** Starts the closing handshake (status 1000); the socket closes when the server answers, or after a timeout. */
    public void close() {
        client.execute(this::closeOnSelector);
    }

    // ---- selector thread from here on ----

    void start(Selector selector) {
        try {
            channel = SocketChannel.open();
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true); // small frames go out at once
            key = channel.register(selector, 0, this);
            if (channel.connect(address)) {
                connected();
            } else {
                key.interestOps(SelectionKey.OP_CONNECT);
            }
        } catch (IOException | RuntimeException e) {
            failHandshake(e);
        }
    }

    void onReady(int readyOps, ByteBuffer readBuffer) {
        try {
            if ((readyOps & SelectionKey.OP_CONNECT) != 0) {
                channel.finishConnect();
                connected();
            }
            if ((readyOps & SelectionKey.OP_WRITE) != 0) {
                flush();
            }
            if ((readyOps & SelectionKey.OP_READ) != 0) {
                read(readBuffer);
            }
        } catch (IOException | RuntimeException e) {
            if (state == State.CONNECTING || state == State.HANDSHAKING) {
                failHandshake(e); // refused, reset, or a HandshakeFailedException with the server's status
            } else {
                ended(CloseStatus.ABNORMAL, e.toString());
            }
        }
    }

    /** Ends a handshake or a closing that took too long. */
    void checkDeadline(long now) {
        if (deadline == 0 || now - deadline < 0) {
            return;
        }
        switch (state) {
            case CONNECTING, HANDSHAKING -> failHandshake(new SocketTimeoutException("no WebSocket upgrade within " + handshakeTimeout));
            case CLOSING -> ended(CloseStatus.ABNORMAL, "no close reply within " + CLOSE_TIMEOUT);
            default -> closeSocket();
        }
    }

    /** The client is stopping: the socket goes now, whatever state it is in. */
    void abort(String reason) {
        ended(CloseStatus.ABNORMAL, reason);
    }

    private void connected() throws IOException {
        state = State.HANDSHAKING;
        key.interestOps(SelectionKey.OP_READ);
        write(handshake.request());
    }

    private void read(ByteBuffer buffer) throws IOException {
        for (int reads = 0; reads < MAX_READS_PER_EVENT && state != State.CLOSED; reads++) {
            buffer.clear();
            int n = channel.read(buffer);
            if (n < 0) {
                if (state == State.HANDSHAKING) {
                    failHandshake(new IOException("server closed the socket during the upgrade"));
                } else {
                    ended(CloseStatus.ABNORMAL, "server closed the socket without a close frame");
                }
                return;
            }
            if (n == 0) {
                return;
            }
            readAt = System.nanoTime();
            buffer.flip();
            if (state == State.HANDSHAKING && handshake.consume(buffer)) {
                handshake = null;
                state = State.OPEN;
                deadline = 0;
                try {
                    listener.onOpen(this);
                } catch (RuntimeException e) {
                    opened.completeExceptionally(e);
                    onProtocolError(1011, "listener threw " + e);
                    return;
                }
                opened.complete(this);
            }
            if (state == State.OPEN || state == State.CLOSING) {
                reader.read(buffer, this); // calls back onText, onPing, onClose, onProtocolError
            }
            if (n < buffer.capacity()) {
                return; // the socket had no more: save the read that would return 0
            }
        }
    }

    @Override
    public void onText(String text) {
        if (state == State.CLOSED) {
            return; // the listener failed on an earlier message of this read
        }
        try {
            listener.onText(this, text, readAt);
        } catch (RuntimeException e) {
            onProtocolError(1011, "listener threw " + e); // 1011: the endpoint failed, as Jetty does
        }
    }

    @Override
    public void onPing(byte[] payload) {
        if (state == State.OPEN) {
            write(ClientFrames.pong(payload, client.random()));
        }
    }

    @Override
    public void onClose(int status, String reason) {
        if (state == State.OPEN) {
            write(ClientFrames.close(status, "", client.random())); // echo the status, as section 5.5.1 suggests
        }
        ended(status, reason);
    }

    @Override
    public void onProtocolError(int status, String reason) {
        if (state == State.OPEN) {
            write(ClientFrames.close(status, reason, client.random()));
        }
        ended(status, reason);
    }

    private void closeOnSelector() {
        switch (state) {
            case CONNECTING, HANDSHAKING -> failHandshake(new IOException("closed before the upgrade completed"));
            case OPEN -> {
                state = State.CLOSING;
                deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
                write(ClientFrames.close(CloseStatus.NORMAL, "", client.random()));
            }
            default -> {
                // closing or closed already
            }
        }
    }

    private void failHandshake(Throwable cause) {
        state = State.CLOSED;
        closeSocket();
        opened.completeExceptionally(cause);
    }

    /** The connection is over: what was queued (a close frame) still goes out, then the socket closes. */
    private void ended(int status, String reason) {
        if (state == State.CLOSED) {
            return;
        }
        if (state == State.CONNECTING || state == State.HANDSHAKING) {
            failHandshake(new IOException(reason));
            return;
        }
        state = State.CLOSED;
        synchronized (outbound) {
            writesEnded = true;
            if (outbound.isEmpty() || status == CloseStatus.ABNORMAL || !key.isValid()) {
                closeSocket();
            } else {
                closeWhenFlushed = true;
                key.interestOps(SelectionKey.OP_WRITE);
                deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
            }
        }
        listener.onClose(this, status, reason);
    }

    private void closeSocket() {
        synchronized (outbound) {
            writesEnded = true;
            outbound.clear();
        }
        try {
            if (channel != null) {
                channel.close(); // also cancels the key
            }
        } catch (IOException e) {
            // closing anyway
        }
        client.forget(this);
    }

    // ---- any thread ----

    /** Writes now if nothing is queued, else queues and lets the selector thread write when the socket can take it. */
    private boolean write(ByteBuffer frame) {
        synchronized (outbound) {
            if (writesEnded) {
                return false;
            }
            try {
                if (outbound.isEmpty()) {
                    channel.write(frame);
                    if (!frame.hasRemaining()) {
                        return true;
                    }
                }
                if (queuedBytes + frame.remaining() > MAX_QUEUED_BYTES) {
                    throw new IOException("more than " + MAX_QUEUED_BYTES + " bytes queued: the server is not reading");
                }
                outbound.add(frame);
                queuedBytes += frame.remaining();
                if ((key.interestOps() & SelectionKey.OP_WRITE) == 0) {
                    key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
                    key.selector().wakeup(); // a select in progress does not see new interest until woken
                }
                return true;
            } catch (IOException | RuntimeException e) {
                writesEnded = true;
                client.execute(() -> ended(CloseStatus.ABNORMAL, "write failed: " + e));
                return false;
            }
        }
    }

    private void flush() throws IOException {
        synchronized (outbound) {
            // bounded: each turn removes a buffer, or returns because the socket is full
            while (!outbound.isEmpty()) {
                ByteBuffer head = outbound.peek();
                queuedBytes -= channel.write(head);
                if (head.hasRemaining()) {
                    return;
                }
                outbound.poll();
            }
            if (closeWhenFlushed) {
                closeSocket();
            } else {
                key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
            }
        }
    }
}
