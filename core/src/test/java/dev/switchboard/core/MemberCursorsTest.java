package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.switchboard.protocol.ProtocolException;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MemberCursorsTest {

    static final byte[] KEY = new byte[32];

    static {
        for (int i = 0; i < KEY.length; i++) {
            KEY[i] = (byte) (i * 7 + 1);
        }
    }

    final MemberCursors cursors = new MemberCursors(() -> KEY.clone());

    static String refusal(MemberCursors cursors, String room, String cursor) {
        ProtocolException e = catchThrowableOfType(ProtocolException.class, () -> cursors.decode(room, cursor));
        assertThat(e).as(cursor).isNotNull();
        assertThat(e.frame().requestAction()).isEqualTo("who");
        return e.frame().code();
    }

    @Test
    void encode_thenDecode_givesTheConnectionIdBack_andTheCursorDoesNotContainIt() {
        String connectionId = "Tq3-eXcJoAMCLgg=";
        String cursor = cursors.encode("lobby", connectionId);
        assertThat(cursor).doesNotContain(connectionId).doesNotContain("Tq3").matches("[A-Za-z0-9_-]+");
        assertThat(new String(Base64.getUrlDecoder().decode(cursor), java.nio.charset.StandardCharsets.ISO_8859_1))
                .doesNotContain(connectionId);
        assertThat(cursors.decode("lobby", cursor)).isEqualTo(connectionId);
        // a fresh nonce each time: the same position never gives the same cursor twice
        assertThat(cursors.encode("lobby", connectionId)).isNotEqualTo(cursor);
    }

    @Test
    void aCursor_isRefusedInAnotherRoom_altered_orWithAnotherKey() {
        String cursor = cursors.encode("lobby", "abc123");
        assertThat(refusal(cursors, "other", cursor)).isEqualTo("bad_request");
        char[] chars = cursor.toCharArray();
        chars[chars.length / 2] = chars[chars.length / 2] == 'A' ? 'B' : 'A';
        assertThat(refusal(cursors, "lobby", new String(chars))).isEqualTo("bad_request");
        byte[] otherKey = KEY.clone();
        otherKey[0] ^= 1;
        assertThat(refusal(new MemberCursors(() -> otherKey), "lobby", cursor)).isEqualTo("bad_request");
    }

    @Test
    void garbage_isBadRequest_notAnException() {
        assertThat(refusal(cursors, "lobby", "")).isEqualTo("bad_request");
        assertThat(refusal(cursors, "lobby", "not base64!")).isEqualTo("bad_request");
        assertThat(refusal(cursors, "lobby", "AAAA")).isEqualTo("bad_request");
        assertThat(refusal(cursors, "lobby", "A".repeat(2000))).isEqualTo("bad_request");
        // what the store used to hand out: a bare connection id
        assertThat(refusal(cursors, "lobby", "Tq3-eXcJoAMCLgg")).isEqualTo("bad_request");
    }

    @Test
    void theKey_isAskedForOnce() {
        AtomicInteger asked = new AtomicInteger();
        MemberCursors counting = new MemberCursors(() -> {
            asked.incrementAndGet();
            return KEY.clone();
        });
        for (int i = 0; i < 5; i++) {
            counting.decode("r", counting.encode("r", "c" + i));
        }
        assertThat(asked).hasValue(1);
    }
}
