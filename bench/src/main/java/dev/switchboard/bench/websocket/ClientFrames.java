package dev.switchboard.bench.websocket;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

/**
 * Frames as a client must send them (RFC 6455 section 5.2-5.3): one final frame per message,
 * masked with a fresh random key, with the shortest length encoding (7, 16 or 64 bits).
 */
final class ClientFrames {

    static final int TEXT = 0x1;
    static final int CLOSE = 0x8;
    static final int PONG = 0xA;

    private ClientFrames() {
    }

    static ByteBuffer text(String text, Random random) {
        return frame(TEXT, text.getBytes(StandardCharsets.UTF_8), random);
    }

    static ByteBuffer pong(byte[] pingPayload, Random random) {
        return frame(PONG, pingPayload, random);
    }

    /** A close frame with {@code status}, or with no body at all if the status is 1005 ("none given"). */
    static ByteBuffer close(int status, String reason, Random random) {
        if (status == CloseStatus.NONE) {
            return frame(CLOSE, new byte[0], random);
        }
        byte[] why = reason.getBytes(StandardCharsets.UTF_8);
        // a control frame's body is at most 125 bytes: the 2-byte status and up to 123 of reason
        int reasonLength = Math.min(why.length, 123);
        ByteBuffer body = ByteBuffer.allocate(2 + reasonLength).putShort((short) status).put(why, 0, reasonLength);
        return frame(CLOSE, body.array(), random);
    }

    static ByteBuffer frame(int opcode, byte[] payload, Random random) {
        int length = payload.length;
        int lengthBytes = length <= 125 ? 0 : length <= 0xFFFF ? 2 : 8;
        ByteBuffer frame = ByteBuffer.allocate(2 + lengthBytes + 4 + length);
        frame.put((byte) (0x80 | opcode)); // FIN: we never fragment
        if (lengthBytes == 0) {
            frame.put((byte) (0x80 | length));
        } else if (lengthBytes == 2) {
            frame.put((byte) (0x80 | 126)).putShort((short) length);
        } else {
            frame.put((byte) (0x80 | 127)).putLong(length);
        }
        byte[] mask = new byte[4];
        random.nextBytes(mask);
        frame.put(mask);
        for (int i = 0; i < length; i++) {
            frame.put((byte) (payload[i] ^ mask[i & 3]));
        }
        return frame.flip();
    }
}
