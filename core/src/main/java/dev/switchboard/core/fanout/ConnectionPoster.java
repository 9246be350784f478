package dev.switchboard.core.fanout;

/** Posts one frame to one connection (the API Gateway Management API on AWS). */
public interface ConnectionPoster {

    PostStatus post(String connectionId, byte[] frame);

    enum PostStatus {
        DELIVERED,
        /** 410: the connection is gone; never resend. */
        GONE,
        /** 429, 5xx or an I/O error: worth another try after a pause. */
        RETRY,
        /** Anything else (403, 413...): retrying will not help. */
        FAILED
    }
}
