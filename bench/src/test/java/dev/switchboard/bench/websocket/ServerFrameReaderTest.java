package dev.switchboard.bench.websocket;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Server frames as bytes on the wire, fed in the worst split: one byte per read. */
class ServerFrameReaderTest {

    @Test
    void fragmentedText_withAPingBetweenItsFrames_isJoined_readByteByByte() {
        byte[] wire = concat(
                frame(false, 0x1, "héllo ".getBytes(StandardCharsets.UTF_8)),
                frame(true, 0x9, "p".getBytes(StandardCharsets.UTF_8)),
                frame(false, 0x0, "w".getBytes(StandardCharsets.UTF_8)),
                frame(true, 0x0, "orld".getBytes(StandardCharsets.UTF_8)),
                frame(true, 0x1, "y".repeat(70_000).getBytes(StandardCharsets.UTF_8)));

        List<String> events = readOneByteAtATime(wire);

        assertThat(events).containsExactly("ping p", "text héllo world", "text " + "y".repeat(70_000));
    }

    @Test
    void closeFrame_endsReading_withItsStatusAndReason() {
        byte[] close = ByteBuffer.allocate(2 + 3).putShort((short) 1001).put("bye".getBytes(StandardCharsets.UTF_8)).array();
        byte[] wire = concat(frame(true, 0x8, close), frame(true, 0x1, "after".getBytes(StandardCharsets.UTF_8)));

        assertThat(readOneByteAtATime(wire)).containsExactly("close 1001 bye");
    }

    @Test
    void protocolBreaches_failTheConnection_withTheRightStatus() {
        byte[] masked = frame(true, 0x1, "m".getBytes(StandardCharsets.UTF_8));
        masked[1] |= (byte) 0x80;
        assertThat(readOneByteAtATime(masked)).containsExactly("error 1002 masked frame from the server");
        assertThat(readOneByteAtATime(frame(true, 0x1, new byte[] {(byte) 0xC3, 0x28})))
                .containsExactly("error 1007 text message is not valid UTF-8");
        assertThat(readOneByteAtATime(frame(true, 0x0, new byte[] {'x'})))
                .containsExactly("error 1002 continuation frame outside a message");
        assertThat(readOneByteAtATime(concat(frame(false, 0x1, new byte[] {'a'}), frame(true, 0x1, new byte[] {'b'}))))
                .containsExactly("error 1002 new message before the fragmented one ended");
    }

    private static List<String> readOneByteAtATime(byte[] wire) {
        List<String> events = new ArrayList<>();
        ServerFrameReader reader = new ServerFrameReader(1024 * 1024);
        ServerFrameReader.Sink sink = new ServerFrameReader.Sink() {
            public void onText(String text) {
                events.add("text " + text);
            }

            public void onPing(byte[] payload) {
                events.add("ping " + new String(payload, StandardCharsets.UTF_8));
            }

            public void onClose(int status, String reason) {
                events.add("close " + status + " " + reason);
            }

            public void onProtocolError(int status, String reason) {
                events.add("error " + status + " " + reason);
            }
        };
        for (byte b : wire) {
            reader.read(ByteBuffer.wrap(new byte[] {b}), sink);
        }
        return events;
    }

    /** An unmasked server frame with the shortest length encoding. */
    private static byte[] frame(boolean fin, int opcode, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | opcode);
        if (payload.length <= 125) {
            out.write(payload.length);
        } else if (payload.length <= 0xFFFF) {
            out.write(126);
            out.write(payload.length >> 8);
            out.write(payload.length & 0xFF);
        } else {
            out.write(127);
            out.writeBytes(ByteBuffer.allocate(8).putLong(payload.length).array());
        }
        out.writeBytes(payload);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
