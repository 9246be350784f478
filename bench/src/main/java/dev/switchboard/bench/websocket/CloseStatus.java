package dev.switchboard.bench.websocket;

/** Close status codes of RFC 6455 section 7.4 that this client sends, receives or reports. */
final class CloseStatus {

    static final int NORMAL = 1000;
    static final int PROTOCOL_ERROR = 1002;
    /** Never on the wire: the close frame had no status. */
    static final int NONE = 1005;
    /** Never on the wire: the socket ended without a close frame. */
    static final int ABNORMAL = 1006;
    static final int INVALID_TEXT = 1007;
    static final int TOO_BIG = 1009;

    private CloseStatus() {
    }

    /** Whether a peer may put {@code status} in a close frame (section 7.4.1-7.4.2). */
    static boolean allowedOnWire(int status) {
        return (status >= 1000 && status <= 1003) || (status >= 1007 && status <= 1014) || (status >= 3000 && status <= 4999);
    }
}
