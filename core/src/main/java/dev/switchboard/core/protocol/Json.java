package dev.switchboard.core.protocol;

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
}
