package dev.switchboard.local;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A JDK WebSocket client that queues what it receives. */
final class WsClient implements WebSocket.Listener {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
  final CompletableFuture<Integer> closed = new CompletableFuture<>();
  volatile String closeReason;
  private final StringBuilder partial = new StringBuilder();
  WebSocket socket;

  static WsClient connect(URI uri, String... subprotocols) {
    WsClient client = new WsClient();
    WebSocket.Builder builder = HTTP.newWebSocketBuilder().header("User-Agent", "switchboard-test");
    if (subprotocols.length > 0) {
      builder.subprotocols(subprotocols[0], java.util.Arrays.copyOfRange(subprotocols, 1, subprotocols.length));
    }
    client.socket = builder.buildAsync(uri, client).join();
    return client;
  }

  WsClient send(String text) {
    socket.sendText(text, true).join();
    return this;
  }

  String next() throws InterruptedException {
    String m = messages.poll(20, TimeUnit.SECONDS);
    if (m == null) {
      throw new AssertionError("no message within 20 s");
    }
    return m;
  }

  int closeCode() throws Exception {
    return closed.get(30, TimeUnit.SECONDS);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      messages.add(partial.toString());
      partial.setLength(0);
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closeReason = reason;
    closed.complete(statusCode);
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closed.complete(-1);
  }
}
