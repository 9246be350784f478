package dev.switchboard.core.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.switchboard.core.fanout.ConnectionPoster.PostStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;

/**
 * The poster on the SDK's signer and UrlConnection client against a loopback stand-in for
 * {@code @connections} that answers by connection id and counts TCP connections: kept alive while
 * busy, closed when idle, status mapping, 4xx bodies logged once per status, clock skew learnt
 * from the answer's Date as the SDK does.
 */
class SignedConnectionsPosterTest {

    static final StaticCredentialsProvider CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKID", "secret"));
    static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    static final byte[] FRAME = "{}".getBytes(StandardCharsets.UTF_8);

    final AtomicInteger closedByClient = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    final List<String> paths = new CopyOnWriteArrayList<>();
    /** Every request as received: request line, headers and body. */
    final List<String> received = new CopyOnWriteArrayList<>();

    final SdkHttpClient http = UrlConnectionHttpClient.builder()
            .connectionTimeout(Duration.ofSeconds(2))
            .socketTimeout(Duration.ofSeconds(5))
            .build();
    LoopbackServer server;
    SignedConnectionsPoster poster;

    @AfterEach
    void stop() throws IOException {
        if (poster != null) {
            poster.close();
        }
        http.close();
        if (server != null) {
            server.close();
        }
    }

    SignedConnectionsPoster poster(int lanes, Clock clock) throws IOException {
        server = new LoopbackServer(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), this::answer);
        poster = new SignedConnectionsPoster(
                URI.create("http://127.0.0.1:" + server.port() + "/local"),
                "us-east-1",
                CREDENTIALS,
                http,
                lanes,
                r -> new Thread(r, "poster-test"),
                Duration.ofMillis(300),
                clock);
        return poster;
    }

    @Test
    void connectionsAreKeptAliveWhileBusy_closedWhenIdle_andPostsAfterCloseFail() throws Exception {
        poster(4, Clock.systemUTC());

        for (int round = 0; round < 5; round++) {
            List<CompletableFuture<PostStatus>> posts = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                posts.add(poster.post("conn-" + i + "=", FRAME));
            }
            for (CompletableFuture<PostStatus> post : posts) {
                assertThat(post.get()).isEqualTo(PostStatus.DELIVERED);
            }
        }
        assertThat(requests.get()).isEqualTo(100);
        assertThat(server.accepted.get())
                .as("at most one connection per post in flight")
                .isBetween(1, 4);
        assertThat(closedByClient.get()).isZero();

        // idle past the keep-alive time (the JDK's cache checks every 5 s): every connection is closed by the client
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(closedByClient.get()).isEqualTo(server.accepted.get()));

        // and posting again simply starts over
        assertThat(poster.post("again=", FRAME).get()).isEqualTo(PostStatus.DELIVERED);
        poster.close();
        assertThat(poster.post("after-close=", FRAME).get()).isEqualTo(PostStatus.FAILED);
    }

    @Test
    void statuses_mapToOutcomes_andConnectionIdsArePercentEncoded() throws Exception {
        poster(2, Clock.systemUTC());

        assertThat(poster.post("ok-a+b/c=", FRAME).get()).isEqualTo(PostStatus.DELIVERED);
        assertThat(poster.post("s410-x=", FRAME).get()).isEqualTo(PostStatus.GONE);
        assertThat(poster.post("s413-x=", FRAME).get()).isEqualTo(PostStatus.FAILED);
        assertThat(poster.post("s429-x=", FRAME).get()).isEqualTo(PostStatus.RETRY);
        assertThat(poster.post("s500-x=", FRAME).get()).isEqualTo(PostStatus.RETRY);
        assertThat(poster.post("s403-x=", FRAME).get()).isEqualTo(PostStatus.FAILED);

        assertThat(paths).first().isEqualTo("/local/@connections/ok-a%2Bb%2Fc%3D");
        assertThat(requests.get())
                .as("one request per post: a 403 without skew is not retried")
                .isEqualTo(6);
    }

    @Test
    void errorBodiesOf4xx_areLoggedOncePerStatus_notPerRecipient() throws Exception {
        poster(1, Clock.systemUTC());
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(
                captured, true, StandardCharsets.UTF_8)); // slf4j-simple writes to the current System.err
        try {
            for (int i = 0; i < 3; i++) {
                assertThat(poster.post("s403-" + i + "=", FRAME).get()).isEqualTo(PostStatus.FAILED);
                assertThat(poster.post("s413-" + i + "=", FRAME).get()).isEqualTo(PostStatus.FAILED);
                assertThat(poster.post("s410-" + i + "=", FRAME).get()).isEqualTo(PostStatus.GONE);
            }
        } finally {
            System.setErr(stderr);
        }
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(Pattern.compile("answered 403 ForbiddenException")
                        .matcher(log)
                        .results()
                        .count())
                .isEqualTo(1);
        assertThat(log).contains("{\"message\":\"status 403\"}");
        assertThat(Pattern.compile("answered 413 PayloadTooLargeException")
                        .matcher(log)
                        .results()
                        .count())
                .isEqualTo(1);
        assertThat(log).as("410 is routine: the fan-out deletes the connection").doesNotContain("answered 410");
    }

    /**
     * DeleteConnection (https://docs.aws.amazon.com/apigateway/latest/api/API_DeleteConnection.html) goes
     * out as {@code DELETE /{stage}/@connections/{id}} with no body, SigV4-signed for execute-api in the
     * poster's region over the empty payload (its SHA-256 in the canonical request), on the lanes posts use.
     */
    @Test
    void delete_isASignedDeleteWithoutBody_onThePostersLanes() throws Exception {
        poster(1, Clock.systemUTC());

        assertThat(poster.delete("conn-a+b/c=").get()).isEqualTo(PostStatus.DELIVERED);

        assertThat(received).hasSize(1);
        String request = received.get(0);
        assertThat(request).startsWith("DELETE /local/@connections/conn-a%2Bb%2Fc%3D HTTP/1.1\r\n");
        Matcher authorization = Pattern.compile("(?im)^authorization: (.+)$").matcher(request);
        assertThat(authorization.find()).as("signed: %s", request).isTrue();
        assertThat(authorization.group(1).trim())
                .startsWith("AWS4-HMAC-SHA256 Credential=AKID/")
                .matches(
                        ".*Credential=AKID/\\d{8}/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date,"
                                + " Signature=[0-9a-f]{64}");
        assertThat(request).containsIgnoringCase("\r\nx-amz-date: ");
        // SHA-256 of the empty string: the signature covers "no body"
        assertThat(request)
                .containsIgnoringCase(
                        "\r\nx-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\r\n");
        assertThat(request)
                .as("no body, so no content headers")
                .doesNotContainIgnoringCase("content-type:")
                .endsWith("\r\n\r\n");
        Matcher length = Pattern.compile("(?im)^content-length: (\\d+)").matcher(request);
        if (length.find()) {
            assertThat(length.group(1)).isEqualTo("0");
        }
    }

    /**
     * 410 means API Gateway no longer knows the connection (the sweeper removes its items); a 404 is not
     * an answer @connections gives for a connection (a wrong endpoint path), so it must fail rather than
     * be taken for gone; 429 and 5xx are worth another try; each refusal's body is logged once.
     */
    @Test
    void delete_statuses_mapAsPostsDo_and404IsAFailureNotGone() throws Exception {
        poster(1, Clock.systemUTC());
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            assertThat(poster.delete("s410-x=").get()).isEqualTo(PostStatus.GONE);
            assertThat(poster.delete("s404-x=").get()).isEqualTo(PostStatus.FAILED);
            assertThat(poster.delete("s404-y=").get()).isEqualTo(PostStatus.FAILED);
            assertThat(poster.delete("s403-x=").get()).isEqualTo(PostStatus.FAILED);
            assertThat(poster.delete("s429-x=").get()).isEqualTo(PostStatus.RETRY);
            assertThat(poster.delete("s500-x=").get()).isEqualTo(PostStatus.RETRY);
            assertThat(poster.delete("ok=").get()).isEqualTo(PostStatus.DELIVERED);
        } finally {
            System.setErr(stderr);
        }
        assertThat(received).allMatch(r -> r.startsWith("DELETE "));
        assertThat(requests.get())
                .as("one request each: nothing retried inside the poster")
                .isEqualTo(7);
        String log = captured.toString(StandardCharsets.UTF_8);
        assertThat(Pattern.compile("DELETE answered 404 NotFoundException")
                        .matcher(log)
                        .results()
                        .count())
                .isEqualTo(1);
        assertThat(log).contains("{\"message\":\"status 404\"}").doesNotContain("answered 410");

        poster.close();
        assertThat(poster.delete("after-close=").get()).isEqualTo(PostStatus.FAILED);
    }

    /**
     * API Gateway refuses a request signed more than 5 minutes away from its clock ("Signature
     * expired", 403 InvalidSignatureException). Our clock 10 minutes slow: the first post is
     * refused, the offset learnt from the answer's Date, the post sent again and delivered; later
     * posts are signed with the corrected time at once.
     */
    @Test
    void clockSkew_isLearntFromTheAnswersDate_andTheRefusedPostSentAgain() throws Exception {
        poster(1, Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-10)));

        assertThat(poster.post("skew-1=", FRAME).get()).isEqualTo(PostStatus.DELIVERED);
        assertThat(requests.get()).isEqualTo(2);
        assertThat(poster.post("skew-2=", FRAME).get()).isEqualTo(PostStatus.DELIVERED);
        assertThat(requests.get()).isEqualTo(3);
    }

    @Test
    void skewAdjustment_followsTheSdkRule() {
        Instant now = Instant.parse("2026-11-30T08:00:00Z");
        Instant server = now.plus(Duration.ofMinutes(10));
        // possible skew errors (and 401/403 of any type) only when the clocks differ by 4 minutes or more
        assertThat(SignedConnectionsPoster.skewAdjustment(403, "InvalidSignatureException", now, 0, server))
                .contains(-600L);
        assertThat(SignedConnectionsPoster.skewAdjustment(403, "", now, 0, server))
                .contains(-600L);
        assertThat(SignedConnectionsPoster.skewAdjustment(
                        403, "InvalidSignatureException", now, 0, now.plusSeconds(200)))
                .isEmpty();
        assertThat(SignedConnectionsPoster.skewAdjustment(400, "BadRequestException", now, 0, server))
                .isEmpty();
        // already signed with the server's time: a 403 then is no skew (nothing is sent again)
        assertThat(SignedConnectionsPoster.skewAdjustment(403, "InvalidSignatureException", now, -600, server))
                .isEmpty();
        // definite skew errors adjust whatever the difference
        assertThat(SignedConnectionsPoster.skewAdjustment(400, "RequestExpired", now, 0, now.plusSeconds(30)))
                .contains(-30L);
        assertThat(SignedConnectionsPoster.skewAdjustment(
                        403, "InvalidSignatureException", now, 0, now.minusSeconds(300)))
                .isEqualTo(Optional.of(300L));
    }

    /** Serves kept-alive requests on one socket; the status comes from the connection id ({@code s413-…}), 200 otherwise. */
    void answer(Socket client) {
        try (client) {
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            String request;
            while ((request = readRequest(in)) != null) {
                requests.incrementAndGet();
                String path = request.substring(request.indexOf(' ') + 1, request.indexOf(" HTTP/1.1"));
                paths.add(path);
                received.add(request);
                out.write(response(path, request).getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            }
            closedByClient.incrementAndGet();
        } catch (IOException e) {
            closedByClient.incrementAndGet();
        }
    }

    static String response(String path, String request) {
        String id = path.substring(path.lastIndexOf('/') + 1);
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC));
        if (id.startsWith("skew")) {
            Matcher amzDate = Pattern.compile("(?im)^x-amz-date: (\\S+)").matcher(request);
            Instant signedAt = AMZ_DATE.parse(amzDate.find() ? amzDate.group(1) : "19700101T000000Z", Instant::from);
            if (Duration.between(signedAt, Instant.now()).abs().compareTo(Duration.ofMinutes(5)) > 0) {
                return error(403, "InvalidSignatureException", "{\"message\":\"Signature expired\"}", date);
            }
        }
        if (request.startsWith("DELETE ") && !id.startsWith("s4") && !id.startsWith("s5")) {
            return "HTTP/1.1 204 No Content\r\nDate: " + date + "\r\n\r\n";
        }
        if (id.startsWith("s4") || id.startsWith("s5")) {
            int status = Integer.parseInt(id.substring(1, 4));
            String type = switch (status) {
                case 403 -> "ForbiddenException";
                case 404 -> "NotFoundException";
                case 410 -> "GoneException";
                case 413 -> "PayloadTooLargeException";
                case 429 -> "LimitExceededException";
                default -> "InternalServerErrorException";
            };
            return error(status, type, "{\"message\":\"status " + status + "\"}", date);
        }
        return "HTTP/1.1 200 OK\r\nDate: " + date + "\r\nContent-Length: 0\r\n\r\n";
    }

    static String error(int status, String type, String body, String date) {
        return "HTTP/1.1 " + status + " Error\r\nDate: " + date + "\r\nx-amzn-ErrorType: " + type
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body;
    }

    /** Head and Content-Length body of one request, or null at the end of the stream. */
    static String readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            String text = head.toString(StandardCharsets.ISO_8859_1);
            if (text.endsWith("\r\n\r\n")) {
                Matcher length = Pattern.compile("(?im)^content-length: (\\d+)").matcher(text);
                int bodyLength = length.find() ? Integer.parseInt(length.group(1)) : 0;
                return text + new String(in.readNBytes(bodyLength), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
