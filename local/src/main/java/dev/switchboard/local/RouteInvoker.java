package dev.switchboard.local;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Invokes a route's function with an event and reads its answer; one log line per invocation. */
final class RouteInvoker {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard.gateway");

    private final Map<String, FunctionRuntime> functions;

    /** @param functions by the template's logical id */
    RouteInvoker(Map<String, FunctionRuntime> functions) {
        this.functions = functions;
    }

    /** What a route's function answered: an error (failed, timed out, unreadable) or its response object. */
    record Outcome(String error, JsonObject response) {
        /** The response's statusCode; 200 when the function returned nothing, as on API Gateway. */
        int statusCode() {
            if (response != null
                    && response.has("statusCode")
                    && !response.get("statusCode").isJsonNull()) {
                return response.get("statusCode").getAsInt();
            }
            return 200;
        }

        /** A response header, case-insensitively; null when absent. */
        String header(String name) {
            if (response == null
                    || !response.has("headers")
                    || !response.get("headers").isJsonObject()) {
                return null;
            }
            for (Map.Entry<String, JsonElement> e :
                    response.getAsJsonObject("headers").entrySet()) {
                if (e.getKey().equalsIgnoreCase(name) && !e.getValue().isJsonNull()) {
                    return e.getValue().getAsString();
                }
            }
            return null;
        }

        /** The response's body; null when absent. */
        String body() {
            return response != null
                            && response.has("body")
                            && !response.get("body").isJsonNull()
                    ? response.get("body").getAsString()
                    : null;
        }
    }

    /** Runs the route's function; never throws: a failure is an {@link Outcome} with an error. */
    Outcome invoke(LocalTemplate.Route route, GatewayConnection c, JsonObject event, String routeKey) {
        FunctionRuntime fn = functions.get(route.functionId());
        // Lambda gives each invocation a request id of its own (a UUID), not API Gateway's requestId: API Gateway's
        // execution log names it apart ("AWS Integration Endpoint RequestId"). Both are logged here to correlate.
        String requestId = GatewayEvents.requestId(event);
        String lambdaRequestId = java.util.UUID.randomUUID().toString();
        long start = System.nanoTime();
        try {
            String out = fn.invoke(event.toString(), lambdaRequestId);
            JsonObject response = null;
            if (out != null) {
                JsonElement parsed = JsonParser.parseString(out);
                response = parsed.isJsonObject() ? parsed.getAsJsonObject() : null;
            }
            Outcome outcome = new Outcome(null, response);
            LOG.info(
                    "{} {} -> {} {} ms status {} (request {}, Lambda request {})",
                    routeKey,
                    c.id,
                    fn.definition().functionName(),
                    (System.nanoTime() - start) / 1_000_000,
                    outcome.statusCode(),
                    requestId,
                    lambdaRequestId);
            return outcome;
        } catch (FunctionRuntime.InvocationException e) {
            LOG.warn(
                    "{} {} -> {} {} ms {} (request {}, Lambda request {}): {}",
                    routeKey,
                    c.id,
                    fn.definition().functionName(),
                    (System.nanoTime() - start) / 1_000_000,
                    e.timeout() ? "TIMEOUT" : "ERROR",
                    requestId,
                    lambdaRequestId,
                    e.getMessage());
            return new Outcome(e.getMessage(), null);
        } catch (RuntimeException e) {
            LOG.warn(
                    "{} {} -> {} {} ms ERROR: unreadable result",
                    routeKey,
                    c.id,
                    fn.definition().functionName(),
                    (System.nanoTime() - start) / 1_000_000,
                    e);
            return new Outcome(String.valueOf(e), null);
        }
    }
}
