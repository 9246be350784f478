package dev.switchboard.local.processhandlers;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import java.util.Map;

/** A handler whose constructor throws, as one whose configuration is missing would: init fails. */
public final class FailingInitHandler implements RequestHandler<Map<String, Object>, Map<String, Object>> {

    public FailingInitHandler() {
        throw new IllegalStateException("Environment variable SWITCHBOARD_TABLE is not set (expected by the test)");
    }

    @Override
    public Map<String, Object> handleRequest(Map<String, Object> event, Context context) {
        return event;
    }
}
