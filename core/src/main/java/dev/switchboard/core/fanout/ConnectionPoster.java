package dev.switchboard.core.fanout;

import dev.switchboard.core.store.Member;
import java.util.concurrent.CompletableFuture;

/** Posts one frame to one connection (the API Gateway Management API on AWS), without blocking. */
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

    enum PostStatus {
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
