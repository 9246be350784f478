package dev.switchboard.core.fanout;

import dev.switchboard.core.store.Member;
import java.util.concurrent.CompletableFuture;

/**
 * Posts one frame to one connection, or closes it (the API Gateway Management API's {@code @connections} on AWS),
 * without blocking.
 */
public interface ConnectionPoster {

    /** Completes with the outcome; never completes exceptionally (I/O failures are {@link PostStatus#RETRY}). */
    CompletableFuture<PostStatus> post(String connectionId, byte[] frame);

    /**
     * Posts to a recipient wherever it lives. A poster of one endpoint ignores {@link Member#home()}
     * (every connection is its own region's); {@link RegionalPoster} sends each to its home.
     * Same contract as {@link #post(String, byte[])}.
     */
    default CompletableFuture<PostStatus> post(Member recipient, byte[] frame) {
        return post(recipient.connectionId(), frame);
    }

    /**
     * Closes one connection ({@code DELETE @connections/{id}}, the Management API's DeleteConnection:
     * https://docs.aws.amazon.com/apigateway/latest/api/API_DeleteConnection.html): API Gateway closes the
     * socket and runs {@code $disconnect}. Completes with {@link PostStatus#DELIVERED} when closed (204),
     * {@link PostStatus#GONE} when API Gateway no longer knows the connection (410), otherwise as a post would;
     * never exceptionally. The default is for posters that only post (the fan-out's test doubles, the bench's
     * baselines): it sends nothing and answers {@link PostStatus#FAILED}.
     */
    default CompletableFuture<PostStatus> delete(String connectionId) {
        return CompletableFuture.completedFuture(PostStatus.FAILED);
    }

    /**
     * Closes a connection wherever it lives: as {@link #post(Member, byte[])} routes a post, so a
     * {@link RegionalPoster} sends the DELETE to the connection's home region. Same contract as
     * {@link #delete(String)}.
     */
    default CompletableFuture<PostStatus> delete(Member connection) {
        return delete(connection.connectionId());
    }

    /** What a request to {@code @connections} came to. */
    enum PostStatus {
        /** 2xx: delivered (a POST) or closed (a DELETE). */
        DELIVERED,
        /** 410: the connection is gone; never resend. */
        GONE,
        /** 429, 5xx or an I/O error: worth another try after a pause. */
        RETRY,
        /** Anything else (403, 413...): retrying will not help. */
        FAILED;

        /** The outcome of an {@code @connections} HTTP status: 410 is gone whatever the error type says. */
        public static PostStatus of(int httpStatus) {
            if (httpStatus / 100 == 2) {
                return DELIVERED;
            }
            if (httpStatus == 410) {
                return GONE;
            }
            return httpStatus == 429 || httpStatus >= 500 ? RETRY : FAILED;
        }
    }
}
