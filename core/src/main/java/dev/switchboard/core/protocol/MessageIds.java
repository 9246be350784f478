package dev.switchboard.core.protocol;

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
    private long randomLow;  // 64 bits

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
        char[] out = new char[26];
        long time = millis;
        for (int i = 9; i >= 0; i--) {
            out[i] = ALPHABET[(int) (time & 31)];
            time >>>= 5;
        }
        // 80 random bits as 16 base32 digits: high 16 bits then low 64 bits
        long low = randomLow;
        long high = randomHigh;
        for (int i = 25; i >= 10; i--) {
            out[i] = ALPHABET[(int) (low & 31)];
            low = (low >>> 5) | ((high & 31) << 59);
            high >>>= 5;
        }
        return new String(out);
    }
}
