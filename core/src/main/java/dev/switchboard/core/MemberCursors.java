package dev.switchboard.core;

import dev.switchboard.protocol.ErrorCode;
import dev.switchboard.protocol.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.function.Supplier;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The opaque paging cursor of {@code who} ({@code next} in a {@code members} frame, {@code after} in
 * the next request). The store pages members by connection id; connection ids are the addresses of
 * {@code @connections}, so clients never see them: the cursor is the id encrypted with AES-256-GCM
 * (the JDK's provider; NIST SP 800-38D) under a key every function instance shares, with the room
 * as associated data, so it reads as random bytes, cannot be forged or altered, and is refused in
 * another room. Encoded base64url without padding (RFC 4648 section 5): about 60 characters.
 */
public final class MemberCursors {

    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    /** Far above any real cursor; longer input is refused before decoding. */
    private static final int MAX_CURSOR_CHARS = 256;

    private final Supplier<byte[]> key;
    private final SecureRandom random = new SecureRandom();
    private volatile SecretKeySpec spec;

    /** @param key the 32-byte key, asked for once, on first use (it may cost a table read) */
    public MemberCursors(Supplier<byte[]> key) {
        this.key = key;
    }

    private SecretKeySpec spec() {
        SecretKeySpec current = spec;
        if (current == null) {
            current = new SecretKeySpec(key.get(), "AES");
            spec = current;
        }
        return current;
    }

    /**
     * @param room         the room being paged (bound to the cursor)
     * @param connectionId the store's position: the last member's connection id
     * @return the opaque cursor, base64url
     */
    public String encode(String room, String connectionId) {
        try {
            byte[] nonce = new byte[NONCE_BYTES];
            random.nextBytes(nonce);
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, spec(), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(room.getBytes(StandardCharsets.UTF_8));
            byte[] sealed = cipher.doFinal(connectionId.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder()
                    .withoutPadding()
                    .encodeToString(ByteBuffer.allocate(nonce.length + sealed.length)
                            .put(nonce)
                            .put(sealed)
                            .array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM", e);
        }
    }

    /**
     * @param room   the room of the {@code who} request
     * @param cursor what the client sent as {@code after}
     * @return the connection id to continue after
     * @throws ProtocolException {@code bad_request} when the cursor is not one this server issued for this room
     */
    public String decode(String room, String cursor) {
        ProtocolException refused = new ProtocolException(
                ErrorCode.BAD_REQUEST,
                "field 'after' must be the 'next' of a members frame of this room: send who without 'after' to start again",
                "who");
        if (cursor.length() > MAX_CURSOR_CHARS) {
            throw refused;
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(cursor);
        } catch (IllegalArgumentException e) {
            throw refused;
        }
        if (raw.length <= NONCE_BYTES + TAG_BITS / 8) {
            throw refused;
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, spec(), new GCMParameterSpec(TAG_BITS, raw, 0, NONCE_BYTES));
            cipher.updateAAD(room.getBytes(StandardCharsets.UTF_8));
            return new String(cipher.doFinal(raw, NONCE_BYTES, raw.length - NONCE_BYTES), StandardCharsets.UTF_8);
        } catch (javax.crypto.AEADBadTagException e) {
            throw refused;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available in this JVM", e);
        }
    }
}
