package dev.switchboard.local;

import dev.switchboard.local.metrics.Usage;

/**
 * A function whose invocations are counted for the cost readout: one Lambda request each, and its
 * wall time (rounded up to 1 ms, errors and timeouts included) times the template's memory.
 */
final class MeteredRuntime implements FunctionRuntime {

    private final FunctionRuntime function;
    private final Usage usage;

    MeteredRuntime(FunctionRuntime function, Usage usage) {
        this.function = function;
        this.usage = usage;
    }

    @Override
    public LocalTemplate.FunctionDef definition() {
        return function.definition();
    }

    @Override
    public String invoke(String eventJson, String requestId, Runnable delivered) throws InvocationException {
        long started = System.nanoTime();
        try {
            return function.invoke(eventJson, requestId, delivered);
        } finally {
            usage.invocation(
                    function.definition().functionName(),
                    function.definition().memorySize(),
                    System.nanoTime() - started);
        }
    }

    @Override
    public void close() {
        function.close();
    }

    /** The function this meters. */
    FunctionRuntime unwrap() {
        return function;
    }
}
