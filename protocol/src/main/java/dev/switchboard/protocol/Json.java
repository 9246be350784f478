package dev.switchboard.protocol;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;

/** The one gson instance our code uses (thread-safe, built once). */
public final class Json {

    public static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private Json() {
    }

    public static String write(ServerFrame frame) {
        return GSON.toJson(frame);
    }

    /** The frame as sent: JSON in UTF-8 (its length is what API Gateway's 128 KB limit counts). */
    public static byte[] bytes(ServerFrame frame) {
        return write(frame).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
