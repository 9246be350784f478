package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.bench.websocket.NettyWebSocketClient;
import dev.switchboard.bench.websocket.WebSocketConnection;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ConnectionsTest {

    @Test
    void open_returnsTheConnectionsThatOpened_andReportsTheRestByCause() throws Exception {
        URI nobodyListens;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            nobodyListens = URI.create("ws://127.0.0.1:" + closed.getLocalPort() + "/");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (BroadcastCeilingServer server = new BroadcastCeilingServer();
                NettyWebSocketClient client = new NettyWebSocketClient(Duration.ofSeconds(5))) {
            List<WebSocketConnection> opened = Connections.open(
                    client,
                    20,
                    i -> i % 5 == 0 ? nobodyListens : server.uri(),
                    i -> (connection, text, at) -> {},
                    new PrintStream(out, true, StandardCharsets.UTF_8),
                    "test");

            assertThat(opened).hasSize(16).allMatch(WebSocketConnection::isOpen);
            assertThat(out.toString(StandardCharsets.UTF_8))
                    .contains("test: 4 of 20 connections failed")
                    .contains("ConnectException");
        }
    }
}
