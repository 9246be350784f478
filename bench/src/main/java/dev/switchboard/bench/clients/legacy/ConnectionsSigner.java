package dev.switchboard.bench.clients.legacy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * Bench only: part of the pre-issue-16 poster kept as PosterBenchmark's baseline ({@link OwnSigV4Poster}).
 * AWS Signature Version 4 for {@code POST @connections/{id}} (service {@code execute-api}), the
 * one request a fan-out repeats thousands of times with only the connection id changing.
 *
 * <p>Why not the SDK's {@code AwsV4HttpSigner}: it rebuilds the request, its header map, the
 * signing key and the payload checksum for every call, which made it the largest CPU cost of a
 * fan-out. Here the signing key is derived once per day and credentials, the payload hash once
 * per frame, and each request costs two SHA-256 digests and one HMAC. The output is checked
 * against the SDK's signer in ConnectionsSignerTest (same request, clock and credentials: same
 * Authorization header), including session tokens and connection ids that need encoding.
 *
 * <p>Not thread-safe (it holds a {@link Mac} and a {@link MessageDigest}): one per thread.
 */
final class ConnectionsSigner {

    private static final String ALGORITHM = "AWS4-HMAC-SHA256";
    private static final String SERVICE = "execute-api";
    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final char[] UPPER_HEX = "0123456789ABCDEF".toCharArray();

    private final String region;
    private final Mac hmac;
    private final MessageDigest sha256;

    // Caches, each valid while its inputs are unchanged.
    private long dateSecond = Long.MIN_VALUE;
    private String amzDate;
    private String keyDay;
    private String keySecret;
    private SecretKeySpec signingKey;
    private byte[] hashedFrame;
    private String frameHash;

    ConnectionsSigner(String region) {
        this.region = region;
        try {
            this.hmac = Mac.getInstance("HmacSHA256");
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JVM lacks HmacSHA256 or SHA-256", e);
        }
    }

    /**
     * The signed headers of one post, each line ending in CRLF, ready to go between the request
     * line and the blank line: Content-Type, Host, X-Amz-Content-Sha256, X-Amz-Date,
     * X-Amz-Security-Token (session credentials only), Authorization — the set the SDK signs.
     *
     * @param host        the Host header value as sent ({@code host} or {@code host:port})
     * @param encodedPath the request path as sent, already percent-encoded
     */
    String signedHeaders(
            String host, String encodedPath, byte[] frame, Instant now, AwsCredentialsIdentity credentials) {
        String date = amzDate(now);
        String day = date.substring(0, 8);
        String token = credentials instanceof AwsSessionCredentialsIdentity session ? session.sessionToken() : null;
        String signedHeaderNames = token == null
                ? "content-type;host;x-amz-content-sha256;x-amz-date"
                : "content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token";
        String payloadHash = payloadHash(frame);

        StringBuilder canonical = new StringBuilder(320).append("POST\n");
        appendCanonicalPath(canonical, encodedPath);
        canonical
                .append("\n\n") // no query string
                .append("content-type:application/json\n")
                .append("host:")
                .append(host)
                .append('\n')
                .append("x-amz-content-sha256:")
                .append(payloadHash)
                .append('\n')
                .append("x-amz-date:")
                .append(date)
                .append('\n');
        if (token != null) {
            canonical.append("x-amz-security-token:").append(token).append('\n');
        }
        canonical.append('\n').append(signedHeaderNames).append('\n').append(payloadHash);

        String scope = day + "/" + region + "/" + SERVICE + "/aws4_request";
        String stringToSign = ALGORITHM + "\n" + date + "\n" + scope + "\n" + hex(digest(canonical));
        String signature = hex(hmac(key(day, credentials.secretAccessKey()), stringToSign));

        StringBuilder headers = new StringBuilder(256 + (token == null ? 0 : token.length()))
                .append("Content-Type: application/json\r\n")
                .append("Host: ")
                .append(host)
                .append("\r\n")
                .append("X-Amz-Content-Sha256: ")
                .append(payloadHash)
                .append("\r\n")
                .append("X-Amz-Date: ")
                .append(date)
                .append("\r\n");
        if (token != null) {
            headers.append("X-Amz-Security-Token: ").append(token).append("\r\n");
        }
        return headers.append("Authorization: ")
                .append(ALGORITHM)
                .append(" Credential=")
                .append(credentials.accessKeyId())
                .append('/')
                .append(scope)
                .append(", SignedHeaders=")
                .append(signedHeaderNames)
                .append(", Signature=")
                .append(signature)
                .append("\r\n")
                .toString();
    }

    /** SigV4 for services other than S3 encodes the (already encoded) path once more, keeping slashes. */
    private static void appendCanonicalPath(StringBuilder out, String encodedPath) {
        percentEncode(out, encodedPath, true);
    }

    /**
     * RFC 3986 percent-encoding as SigV4 defines it: every UTF-8 byte that is not unreserved becomes
     * {@code %XX} (upper-case hex); slashes are kept when {@code keepSlashes}.
     */
    static void percentEncode(StringBuilder out, String text, boolean keepSlashes) {
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (unreserved(c) || (keepSlashes && c == '/')) {
                out.append(c);
            } else {
                out.append('%').append(UPPER_HEX[(b >> 4) & 0xf]).append(UPPER_HEX[b & 0xf]);
            }
        }
    }

    private static boolean unreserved(char c) {
        return (c >= 'A' && c <= 'Z')
                || (c >= 'a' && c <= 'z')
                || (c >= '0' && c <= '9')
                || c == '-'
                || c == '_'
                || c == '.'
                || c == '~';
    }

    private String amzDate(Instant now) {
        long second = now.getEpochSecond();
        if (second != dateSecond) {
            amzDate = AMZ_DATE.format(Instant.ofEpochSecond(second));
            dateSecond = second;
        }
        return amzDate;
    }

    /** The frame is the same array for every recipient of a message: hashed once. */
    private String payloadHash(byte[] frame) {
        if (frame != hashedFrame) {
            sha256.reset();
            frameHash = hex(sha256.digest(frame));
            hashedFrame = frame;
        }
        return frameHash;
    }

    private SecretKeySpec key(String day, String secret) {
        if (!day.equals(keyDay) || !secret.equals(keySecret)) {
            byte[] key = hmac(new SecretKeySpec(("AWS4" + secret).getBytes(StandardCharsets.UTF_8), "HmacSHA256"), day);
            key = hmac(new SecretKeySpec(key, "HmacSHA256"), region);
            key = hmac(new SecretKeySpec(key, "HmacSHA256"), SERVICE);
            key = hmac(new SecretKeySpec(key, "HmacSHA256"), "aws4_request");
            signingKey = new SecretKeySpec(key, "HmacSHA256");
            keyDay = day;
            keySecret = secret;
        }
        return signingKey;
    }

    private byte[] hmac(SecretKeySpec key, String data) {
        try {
            hmac.init(key);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 refused its key", e);
        }
        return hmac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    private byte[] digest(CharSequence text) {
        sha256.reset();
        return sha256.digest(text.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String hex(byte[] bytes) {
        char[] out = new char[bytes.length * 2];
        for (int i = 0; i < bytes.length; i++) {
            out[2 * i] = HEX[(bytes[i] >> 4) & 0xf];
            out[2 * i + 1] = HEX[bytes[i] & 0xf];
        }
        return new String(out);
    }
}
