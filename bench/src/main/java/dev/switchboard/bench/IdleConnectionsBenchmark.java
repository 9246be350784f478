package dev.switchboard.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.client.WebSocketClient;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;

/**
 * K idle connections held by the local cloud: its memory before and after, whether all are still
 * open after a quiet period, and whether every one receives a broadcast-to-all notification
 * published through SNS (as another system would). Bounded in count and time.
 */
public final class IdleConnectionsBenchmark {

    public record Result(int requested, int connected, int openAfterHold, int receivedBroadcast, double broadcastSeconds,
                         double residentMbBefore, double residentMbAfter) {
        double kbPerConnection() {
            return connected == 0 || residentMbBefore < 0 ? -1 : (residentMbAfter - residentMbBefore) * 1024 / connected;
        }
    }

    private final PrintStream progress;

    public IdleConnectionsBenchmark(PrintStream progress) {
        this.progress = progress;
    }

    Result run(LocalCloudProcess cloud, int count, Duration hold) throws Exception {
        System.gc();
        double before = cloud.residentMb();
        WebSocketClient client = new WebSocketClient();
        client.setIdleTimeout(Duration.ofMinutes(10));
        client.start();
        CountDownLatch received = new CountDownLatch(count);
        List<Session> sessions = new ArrayList<>();
        try {
            sessions.addAll(Connections.open(client, count, i -> java.net.URI.create(cloud.webSocketUri() + "?user=idle" + i),
                    i -> new Listener(received), progress, "idle"));
            int failures = count - sessions.size();
            progress.printf("idle: %d connected (%d failed); holding %s%n", sessions.size(), failures, hold);
            Thread.sleep(hold.toMillis());
            int open = (int) sessions.stream().filter(Session::isOpen).count();
            double after = cloud.residentMb();

            long start = System.nanoTime();
            try (SnsClient sns = SnsClient.builder().endpointOverride(cloud.snsEndpoint()).region(Region.US_EAST_1)
                    .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("local", "local"))).build()) {
                sns.publish(r -> r.topicArn(cloud.topicArn())
                        .message("{\"target\":{\"all\":true},\"title\":\"idle-bench\",\"body\":\"to everyone\"}"));
            }
            received.await(120, TimeUnit.SECONDS);
            double seconds = (System.nanoTime() - start) / 1e9;
            int got = count - (int) received.getCount();
            progress.printf("idle: %d/%d received the broadcast in %.1f s%n", got, count, seconds);
            return new Result(count, sessions.size(), open, got, seconds, before, after);
        } finally {
            sessions.forEach(Session::close);
            client.stop();
        }
    }

    public static final class Listener implements Session.Listener.AutoDemanding {
        private final CountDownLatch received;
        private boolean counted;

        Listener(CountDownLatch received) {
            this.received = received;
        }

        @Override
        public void onWebSocketText(String frame) {
            if (!counted && frame.contains("idle-bench")) {
                counted = true;
                received.countDown();
            }
        }
    }
}
