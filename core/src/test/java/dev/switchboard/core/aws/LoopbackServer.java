package dev.switchboard.core.aws;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** A loopback TCP server for client tests: accepts until closed, each connection served on its own daemon thread. */
final class LoopbackServer implements AutoCloseable {

    final AtomicInteger accepted = new AtomicInteger();
    private final ServerSocket socket;

    LoopbackServer(ServerSocket socket, Consumer<Socket> serve) {
        this.socket = socket;
        Thread acceptor = new Thread(() -> {
            while (!socket.isClosed()) {
                try {
                    Socket client = socket.accept();
                    accepted.incrementAndGet();
                    Thread connection = new Thread(() -> serve.accept(client));
                    connection.setDaemon(true);
                    connection.start();
                } catch (IOException e) {
                    return;
                }
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
    }

    int port() {
        return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
