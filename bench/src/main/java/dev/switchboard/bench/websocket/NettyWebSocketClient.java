package dev.switchboard.bench.websocket;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler.ClientHandshakeStateEvent;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bench's load client on Netty's WebSocket client (RFC 6455 framing, masking, the upgrade
 * handshake, ping/pong and fragment joining are Netty's): every connection lives on one event
 * loop thread, which reads, decodes and calls the listener in place, with no hand-off to a worker
 * thread per frame. The load generator shares the machine with the server under test, so the less
 * CPU it spends per received message, the less it skews what is measured. Plain {@code ws://} only.
 */
public final class NettyWebSocketClient implements LoadClient {

    private static final int MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

    private final NioEventLoopGroup loop;
    private final Bootstrap bootstrap;
    private final Duration handshakeTimeout;
    /** Open channels (removed as they close), to close them all at the end. */
    private final ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);

    /** {@code handshakeTimeout} bounds each connect, from the call to the server's 101. */
    public NettyWebSocketClient(Duration handshakeTimeout) {
        this.handshakeTimeout = handshakeTimeout;
        AtomicInteger threads = new AtomicInteger();
        this.loop = new NioEventLoopGroup(1, r -> {
            Thread thread = new Thread(r, "netty-websocket-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        this.bootstrap = new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) handshakeTimeout.toMillis());
    }

    @Override
    public CompletableFuture<WebSocketConnection> connect(URI uri, WebSocketListener listener) {
        if (!"ws".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("not a ws:// URI: " + uri));
        }
        CompletableFuture<WebSocketConnection> opened = new CompletableFuture<>();
        Connection connection = new Connection(uri, listener, opened);
        WebSocketClientProtocolConfig config = WebSocketClientProtocolConfig.newBuilder()
                .webSocketUri(uri)
                .maxFramePayloadLength(MAX_MESSAGE_BYTES)
                .handshakeTimeoutMillis(handshakeTimeout.toMillis())
                .handleCloseFrames(false) // Connection answers them itself, to report the server's status
                .dropPongFrames(true)
                .build();
        bootstrap
                .clone()
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        channel.pipeline()
                                .addLast(
                                        new HttpClientCodec(),
                                        new HttpObjectAggregator(64 * 1024),
                                        new WebSocketClientProtocolHandler(config),
                                        new WebSocketFrameAggregator(MAX_MESSAGE_BYTES),
                                        connection);
                    }
                })
                .connect(uri.getHost(), uri.getPort() < 0 ? 80 : uri.getPort())
                .addListener((ChannelFutureListener) connected -> {
                    if (!connected.isSuccess()) {
                        opened.completeExceptionally(connected.cause());
                    } else {
                        channels.add(connected.channel());
                    }
                });
        return opened;
    }

    @Override
    public void close() {
        channels.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE));
        // the servers answer and Connection closes each channel; what is left after the wait is closed outright
        if (!channels.newCloseFuture().awaitUninterruptibly(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            channels.close().awaitUninterruptibly(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        }
        loop.shutdownGracefully(0, CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(CLOSE_WAIT.toMillis());
    }

    /** One connection: the last handler of its channel's pipeline. Runs on the event loop. */
    private static final class Connection extends SimpleChannelInboundHandler<WebSocketFrame>
            implements WebSocketConnection {
        private final URI uri;
        private final WebSocketListener listener;
        private final CompletableFuture<WebSocketConnection> opened;
        private volatile Channel channel;
        private volatile boolean closing;
        private int closeStatus = 1006; // no close frame seen (RFC 6455 section 7.1.5)
        private String closeReason = "";

        Connection(URI uri, WebSocketListener listener, CompletableFuture<WebSocketConnection> opened) {
            this.uri = uri;
            this.listener = listener;
            this.opened = opened;
        }

        @Override
        public URI uri() {
            return uri;
        }

        @Override
        public boolean isOpen() {
            Channel c = channel;
            return c != null && c.isActive() && !closing;
        }

        @Override
        public boolean sendText(String text) {
            if (!isOpen()) {
                return false;
            }
            channel.writeAndFlush(new TextWebSocketFrame(text), channel.voidPromise());
            return true;
        }

        @Override
        public void close() {
            Channel c = channel;
            if (c == null || closing) {
                return;
            }
            closing = true;
            c.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE));
            c.eventLoop()
                    .schedule(
                            () -> c.close(), CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS); // the server never answered
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event == ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
                channel = ctx.channel();
                listener.onOpen(this);
                opened.complete(this);
            } else if (event == ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
                opened.completeExceptionally(new java.util.concurrent.TimeoutException(
                        "no WebSocket upgrade from " + uri + " within the handshake timeout"));
                ctx.close();
            }
            super.userEventTriggered(ctx, event);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
            if (frame instanceof TextWebSocketFrame text) {
                listener.onText(this, text.text(), System.nanoTime());
            } else if (frame instanceof CloseWebSocketFrame close) {
                closeStatus =
                        close.statusCode() < 0 ? 1005 : close.statusCode(); // 1005: a close frame without a status
                closeReason = close.reasonText();
                closing = true;
                // answer with the same status, then close the TCP connection (RFC 6455 section 5.5.1)
                ctx.writeAndFlush(
                                closeStatus == 1005
                                        ? new CloseWebSocketFrame()
                                        : new CloseWebSocketFrame(closeStatus, ""))
                        .addListener(ChannelFutureListener.CLOSE);
            }
            // binary frames: not part of the protocol under test, ignored
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (cause instanceof WebSocketClientHandshakeException refused) {
                int status = refused.response() == null
                        ? 0
                        : refused.response().status().code();
                opened.completeExceptionally(new HandshakeFailedException(status, uri + ": " + cause.getMessage()));
            } else {
                opened.completeExceptionally(cause);
            }
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) throws Exception {
            closing = true;
            if (!opened.isDone()) {
                opened.completeExceptionally(
                        new java.io.IOException("connection to " + uri + " closed before the upgrade"));
            } else {
                listener.onClose(this, closeStatus, closeReason);
            }
            super.channelInactive(ctx);
        }
    }
}
