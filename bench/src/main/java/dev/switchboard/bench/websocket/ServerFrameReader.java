package dev.switchboard.bench.websocket;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns the bytes a server sends into messages and control frames (RFC 6455 section 5), across
 * reads of any size: a frame may end mid-header in one read and go on in the next. Server frames
 * must be unmasked; text is joined across continuation frames and must be valid UTF-8. Any breach
 * ends reading with {@link Sink#onProtocolError}, and nothing after a close frame is read.
 */
final class ServerFrameReader {

    /** Where complete messages and control frames go. */
    interface Sink {
        void onText(String text);

        void onPing(byte[] payload);

        /** {@code status} is 1005 when the frame had no body. */
        void onClose(int status, String reason);

        /** The server broke the protocol; the connection must be failed with {@code status}. */
        void onProtocolError(int status, String reason);
    }

    private static final int CONTINUATION = 0x0;
    private static final int TEXT = 0x1;
    private static final int BINARY = 0x2;
    private static final int CLOSE = 0x8;
    private static final int PING = 0x9;
    private static final int PONG = 0xA;
    /** A message buffer grown past this is dropped once the message is delivered (10,000 idle connections). */
    private static final int KEEP_BUFFER_BYTES = 4096;

    private final int maxMessageBytes;
    private boolean finished;

    // the frame being read
    private final byte[] header = new byte[10];
    private int headerFilled;
    private boolean inPayload;
    private boolean fin;
    private int opcode;
    private int payloadLength;
    private int payloadFilled;
    private byte[] control;

    // the (possibly fragmented) data message being read; opcode 0 = none
    private int messageOpcode;
    private byte[] message = new byte[0];
    private int messageLength;

    ServerFrameReader(int maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
    }

    /** Reads all of {@code in} (or up to a close frame or a protocol error). */
    void read(ByteBuffer in, Sink sink) {
        // bounded: every turn consumes at least one byte, or ends with finished set
        while (in.hasRemaining() && !finished) {
            if (inPayload) {
                readPayload(in, sink);
            } else if (readHeader(in, sink) && payloadLength == 0) {
                endFrame(sink, null, 0, 0);
            }
        }
    }

    /** Whether a close frame or a protocol error ended reading. */
    boolean finished() {
        return finished;
    }

    /** Reads header bytes; true once the whole header is in and valid. */
    private boolean readHeader(ByteBuffer in, Sink sink) {
        while (in.hasRemaining() && (headerFilled < 2 || headerFilled < 2 + lengthBytes())) {
            header[headerFilled++] = in.get();
            if (headerFilled == 2 && !firstTwoBytesValid(sink)) {
                return false;
            }
        }
        if (headerFilled < 2 || headerFilled < 2 + lengthBytes()) {
            return false;
        }
        long length = header[1] & 0x7F;
        if (length == 126) {
            length = ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
        } else if (length == 127) {
            length = ByteBuffer.wrap(header, 2, 8).getLong();
            if (length < 0) {
                return fail(sink, CloseStatus.PROTOCOL_ERROR, "64-bit frame length with its top bit set");
            }
        }
        if (opcode < CLOSE && messageLength + length > maxMessageBytes) {
            return fail(sink, CloseStatus.TOO_BIG, "message longer than " + maxMessageBytes + " bytes");
        }
        headerFilled = 0;
        payloadLength = (int) length;
        payloadFilled = 0;
        inPayload = true;
        if (opcode >= CLOSE) {
            control = new byte[payloadLength];
        }
        return true;
    }

    private int lengthBytes() {
        int length = header[1] & 0x7F;
        return length == 126 ? 2 : length == 127 ? 8 : 0;
    }

    private boolean firstTwoBytesValid(Sink sink) {
        fin = (header[0] & 0x80) != 0;
        opcode = header[0] & 0x0F;
        if ((header[0] & 0x70) != 0) {
            return fail(sink, CloseStatus.PROTOCOL_ERROR, "reserved bits set without an extension");
        }
        if ((header[1] & 0x80) != 0) {
            return fail(sink, CloseStatus.PROTOCOL_ERROR, "masked frame from the server");
        }
        switch (opcode) {
            case CLOSE, PING, PONG -> {
                if (!fin || (header[1] & 0x7F) > 125) {
                    return fail(sink, CloseStatus.PROTOCOL_ERROR, "fragmented or long control frame");
                }
            }
            case CONTINUATION -> {
                if (messageOpcode == 0) {
                    return fail(sink, CloseStatus.PROTOCOL_ERROR, "continuation frame outside a message");
                }
            }
            case TEXT, BINARY -> {
                if (messageOpcode != 0) {
                    return fail(sink, CloseStatus.PROTOCOL_ERROR, "new message before the fragmented one ended");
                }
            }
            default -> {
                return fail(sink, CloseStatus.PROTOCOL_ERROR, "unknown opcode " + opcode);
            }
        }
        return true;
    }

    private void readPayload(ByteBuffer in, Sink sink) {
        int wanted = payloadLength - payloadFilled;
        if (opcode >= CLOSE) {
            int n = Math.min(wanted, in.remaining());
            in.get(control, payloadFilled, n);
            payloadFilled += n;
            if (payloadFilled == payloadLength) {
                endFrame(sink, control, 0, payloadLength);
            }
            return;
        }
        if (opcode != CONTINUATION && fin && payloadFilled == 0 && in.remaining() >= wanted && in.hasArray()) {
            // the common case: a whole one-frame message in this read, decoded where it lies
            int at = in.arrayOffset() + in.position();
            in.position(in.position() + wanted);
            endFrame(sink, in.array(), at, wanted);
            return;
        }
        if (message.length < messageLength + wanted) {
            message = Arrays.copyOf(message, Math.max(messageLength + wanted, Math.min(maxMessageBytes, 2 * message.length)));
        }
        int n = Math.min(wanted, in.remaining());
        in.get(message, messageLength, n);
        messageLength += n;
        payloadFilled += n;
        if (payloadFilled == payloadLength) {
            endFrame(sink, null, 0, 0);
        }
    }

    /**
     * A frame's payload is complete: {@code bytes[offset, offset+length)} for control frames and
     * unfragmented messages read in place; in {@link #message} otherwise.
     */
    private void endFrame(Sink sink, byte[] bytes, int offset, int length) {
        inPayload = false;
        switch (opcode) {
            case PING -> sink.onPing(Arrays.copyOfRange(bytes == null ? new byte[0] : bytes, offset, offset + length));
            case PONG -> {
                // unsolicited pongs are allowed and mean nothing to us
            }
            case CLOSE -> close(sink, bytes == null ? new byte[0] : bytes, length);
            default -> {
                if (opcode != CONTINUATION) {
                    messageOpcode = opcode;
                }
                if (!fin) {
                    return;
                }
                if (messageOpcode == TEXT) {
                    if (bytes == null) {
                        deliver(sink, message, 0, messageLength);
                    } else {
                        deliver(sink, bytes, offset, length);
                    }
                }
                // binary messages are read and dropped: the benchmark's servers send text
                messageOpcode = 0;
                messageLength = 0;
                if (message.length > KEEP_BUFFER_BYTES) {
                    message = new byte[0];
                }
            }
        }
    }

    private void deliver(Sink sink, byte[] bytes, int offset, int length) {
        String text = utf8(bytes, offset, length);
        if (text == null) {
            fail(sink, CloseStatus.INVALID_TEXT, "text message is not valid UTF-8");
        } else {
            sink.onText(text);
        }
    }

    private void close(Sink sink, byte[] body, int length) {
        if (length == 0) {
            finished = true;
            sink.onClose(CloseStatus.NONE, "");
            return;
        }
        int status = length < 2 ? -1 : ((body[0] & 0xFF) << 8) | (body[1] & 0xFF);
        if (!CloseStatus.allowedOnWire(status)) {
            fail(sink, CloseStatus.PROTOCOL_ERROR, "close frame with status " + status);
            return;
        }
        String reason = utf8(body, 2, length - 2);
        if (reason == null) {
            fail(sink, CloseStatus.INVALID_TEXT, "close reason is not valid UTF-8");
            return;
        }
        finished = true;
        sink.onClose(status, reason);
    }

    private boolean fail(Sink sink, int status, String reason) {
        finished = true;
        sink.onProtocolError(status, reason);
        return false;
    }

    /** Strict UTF-8 (null if invalid), with a fast path for ASCII, which is all the benchmark sends. */
    static String utf8(byte[] bytes, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            if (bytes[i] < 0) {
                try {
                    // a new decoder reports malformed input instead of replacing it
                    return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes, offset, length)).toString();
                } catch (CharacterCodingException e) {
                    return null;
                }
            }
        }
        return new String(bytes, offset, length, StandardCharsets.ISO_8859_1); // ASCII: one char per byte
    }
}
