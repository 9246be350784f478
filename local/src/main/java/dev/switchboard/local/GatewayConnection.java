package dev.switchboard.local;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One client connection of the {@link Gateway}: its identity, its socket and its event queue. */
final class GatewayConnection {
  private static final Logger LOG = LoggerFactory.getLogger("switchboard.gateway");

  final String id;
  /** Epoch milliseconds. */
  final long connectedAt;
  final String sourceIp;
  /** Null when the client sent none. */
  final String userAgent;
  final AtomicBoolean disconnected = new AtomicBoolean();
  /** Epoch milliseconds of the last frame received, for {@code GET @connections}. */
  volatile long lastActiveAt;
  volatile Session session;
  volatile ScheduledFuture<?> maxAgeTask;
  private final Executor dispatch;
  private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

  GatewayConnection(String id, long connectedAt, String sourceIp, String userAgent, Executor dispatch) {
    this.id = id;
    this.connectedAt = connectedAt;
    this.lastActiveAt = connectedAt;
    this.sourceIp = sourceIp;
    this.userAgent = userAgent;
    this.dispatch = dispatch;
  }

  /** Events of one connection run in arrival order, one after the other, off Jetty's threads. */
  synchronized CompletableFuture<Void> enqueue(Runnable task) {
    tail = tail.thenRunAsync(() -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        LOG.error("event of connection {} failed", id, e);
      }
    }, dispatch);
    return tail;
  }

  /** True while the socket is open. */
  boolean isOpen() {
    Session s = session;
    return s != null && s.isOpen();
  }

  /** Sends one text message, best effort (API Gateway's own frames to the client). */
  void send(String text) {
    Session s = session;
    if (s != null && s.isOpen()) {
      s.sendText(text, Callback.NOOP);
    }
  }

  /** Starts the close handshake with this status code and reason. */
  void close(int status, String reason) {
    Session s = session;
    if (s != null) {
      s.close(status, reason, Callback.NOOP);
    }
  }
}
