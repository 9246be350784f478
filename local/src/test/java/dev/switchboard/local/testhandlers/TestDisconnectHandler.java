package dev.switchboard.local.testhandlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.Map;

/** $disconnect: records the event (with disconnectStatusCode / disconnectReason). */
public final class TestDisconnectHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {
    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        Recorder.record("disconnect", event);
        return Map.of("statusCode", 200);
    }
}
