package dev.switchboard.local;

import dev.switchboard.local.metrics.CostReadout;
import dev.switchboard.local.metrics.Usage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * {@code GET /_local/metrics}: the functions' metrics, the AWS billing units of the traffic so far
 * and their cost, as JSON ({@link CostReadout#json}). Not an API Gateway path (those start with the
 * stage); everything else goes to the gateway's handlers, after counting each {@code @connections}
 * call (and each POST as a message of its Content-Length) into {@link Usage}.
 */
final class MetricsEndpoint extends Handler.Wrapper {

    static final String PATH = "/_local/metrics";

    private final CostReadout readout;
    private final Usage usage;

    MetricsEndpoint(CostReadout readout, Usage usage, Handler gateway) {
        super(gateway);
        this.readout = readout;
        this.usage = usage;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = request.getHttpURI().getPath();
        if (!PATH.equals(path)) {
            if (path != null && path.contains("/@connections/")) {
                usage.connectionsCall(System.currentTimeMillis());
                if ("POST".equals(request.getMethod())) {
                    usage.apiMessage(Math.max(0, request.getLength()));
                }
            }
            return super.handle(request, response, callback);
        }
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(
                true,
                ByteBuffer.wrap(readout.json(System.currentTimeMillis()).getBytes(StandardCharsets.UTF_8)),
                callback);
        return true;
    }
}
