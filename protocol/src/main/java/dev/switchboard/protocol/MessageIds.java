package dev.switchboard.protocol;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;

/**
 * Time-ordered ids (ULID layout: 48-bit ms timestamp + 80 random bits, Crockford base32, 26 chars):
 * they sort as strings in creation order, so {@code history after=<id>} resumes exactly. Within one
 * millisecond the random part is incremented, so ids from one generator stay strictly increasing.
 */
public final class MessageIds {

    private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private final SecureRandom random = new SecureRandom();
    private long lastMillis = -1;
    private long randomHigh; // 16 bits
    private long randomLow; // 64 bits

    /**
     * Whether {@code value} has the shape of an id this class makes: 26 characters of Crockford's
     * base32 alphabet (upper case, no I L O U), the first at most {@code 7} (a 48-bit timestamp). Clients
     * send ids back ({@code history after}); anything else is refused before it reaches a key condition.
     *
     * @param value any string, may be null
     * @return true when it is a well-formed id (it need not exist)
     */
    public static boolean isValid(String value) {
        if (value == null || value.length() != 26 || value.charAt(0) > '7') {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            if (java.util.Arrays.binarySearch(ALPHABET, value.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The id for something that already has an identity of its own (an SNS message id): the same
     * {@code key} and {@code millis} give the same id on every call, in every process, so a
     * redelivered SNS message carries the id its first delivery carried and clients drop the repeat.
     * The 80 bits after the timestamp are the first 80 bits of SHA-256({@code key}).
     *
     * @param millis the time part, ms since the epoch (the SNS message's publish time)
     * @param key any string; different keys give different ids with overwhelming probability
     * @return a 26-character id that sorts with {@link #next} ids by {@code millis}
     */
    public static String derived(long millis, String key) {
        byte[] hash;
        try {
            hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM (every Java SE has it)", e);
        }
        long high = ((hash[0] & 0xFFL) << 8) | (hash[1] & 0xFFL);
        long low = 0;
        for (int i = 2; i < 10; i++) {
            low = (low << 8) | (hash[i] & 0xFFL);
        }
        return encode(millis, high, low);
    }

    /**
     * The time part of an id ({@link #next}, {@link #derived}): when the message was stored.
     *
     * @return ms since the epoch
     * @throws IllegalArgumentException when {@code id} is not a message id ({@link #isValid})
     */
    public static long millis(String id) {
        if (!isValid(id)) {
            throw new IllegalArgumentException("'" + id + "' is not a message id");
        }
        long millis = 0;
        for (int i = 0; i < 10; i++) {
            millis = (millis << 5) | String.valueOf(ALPHABET).indexOf(id.charAt(i));
        }
        return millis;
    }

    public synchronized String next(long nowMillis) {
        long millis = Math.max(nowMillis, lastMillis);
        if (millis == lastMillis) {
            randomLow++;
            if (randomLow == 0) {
                randomHigh = (randomHigh + 1) & 0xFFFF;
            }
        } else {
            lastMillis = millis;
            randomHigh = random.nextInt(1 << 16);
            randomLow = random.nextLong();
        }
        return encode(millis, randomHigh, randomLow);
    }

    /** Crockford base32: 10 digits of the 48-bit time, then the 80 bits (16 high, 64 low) as 16 digits. */
    private static String encode(long millis, long high, long low) {
        char[] out = new char[26];
        long time = millis;
        for (int i = 9; i >= 0; i--) {
            out[i] = ALPHABET[(int) (time & 31)];
            time >>>= 5;
        }
        for (int i = 25; i >= 10; i--) {
            out[i] = ALPHABET[(int) (low & 31)];
            low = (low >>> 5) | ((high & 31) << 59);
            high >>>= 5;
        }
        return new String(out);
    }
}
