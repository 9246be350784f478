package dev.switchboard.bench;

import dev.switchboard.bench.websocket.LoadClient;
import dev.switchboard.bench.websocket.NettyWebSocketClient;
import dev.switchboard.bench.websocket.WebSocketConnection;
import dev.switchboard.bench.websocket.WebSocketListener;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Notification;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * K idle connections held by the local cloud: its memory before and after (live heap after a full
 * GC, and resident memory), whether all are still
 * open after a quiet period, and whether every one receives a broadcast-to-all notification
 * published through SNS (as another system would). Bounded in count and time.
 */
public final class IdleConnectionsBenchmark {

    public record Result(
            int requested,
            int connected,
            int openAfterHold,
            int receivedBroadcast,
            double broadcastSeconds,
            double residentMbBefore,
            double residentMbAfter,
            double heapMbBefore,
            double heapMbAfter) {
        /** Live heap per held connection (after full GCs); -1 where unknown. */
        double heapKbPerConnection() {
            return connected == 0 || heapMbBefore < 0 || heapMbAfter < 0
                    ? -1
                    : (heapMbAfter - heapMbBefore) * 1024 / connected;
        }
    }

    private final PrintStream progress;

    public IdleConnectionsBenchmark(PrintStream progress) {
        this.progress = progress;
    }

    Result run(LocalCloudProcess cloud, int count, Duration hold) throws Exception {
        double heapBefore = cloud.heapUsedAfterGcMb();
        double before = cloud.residentMb();
        CountDownLatch received = new CountDownLatch(count);
        try (LoadClient client = new NettyWebSocketClient(Duration.ofSeconds(30))) {
            List<WebSocketConnection> connections = Connections.open(
                    client,
                    count,
                    i -> java.net.URI.create(cloud.webSocketUri() + "?user=idle" + i),
                    i -> new Listener(received),
                    progress,
                    "idle");
            int failures = count - connections.size();
            progress.printf("idle: %d connected (%d failed); holding %s%n", connections.size(), failures, hold);
            Thread.sleep(hold.toMillis());
            int open = (int)
                    connections.stream().filter(WebSocketConnection::isOpen).count();
            double after = cloud.residentMb();
            double heapAfter = cloud.heapUsedAfterGcMb();

            long start = System.nanoTime();
            try (SnsClient sns = SnsClient.builder()
                    .endpointOverride(cloud.snsEndpoint())
                    .region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local")))
                    .build()) {
                sns.publish(r -> r.topicArn(cloud.topicArn())
                        .message(Json.write(new Notification(null, null, true, "idle-bench", "to everyone"))));
            }
            received.await(120, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;
            int got = count - (int) received.getCount();
            progress.printf("idle: %d/%d received the broadcast in %.1f s%n", got, count, seconds);
            return new Result(count, connections.size(), open, got, seconds, before, after, heapBefore, heapAfter);
        }
    }

    /** Counts its connection once when the broadcast reaches it. */
    static final class Listener implements WebSocketListener {
        private final CountDownLatch received;
        private boolean counted; // the client's one selector thread is the only caller

        Listener(CountDownLatch received) {
            this.received = received;
        }

        @Override
        public void onText(WebSocketConnection connection, String frame, long receivedNanos) {
            if (!counted && frame.contains("idle-bench")) {
                counted = true;
                received.countDown();
            }
        }
    }
}
