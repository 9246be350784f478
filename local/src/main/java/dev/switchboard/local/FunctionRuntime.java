package dev.switchboard.local;

/**
 * One Lambda function of the template, as the gateway and the SNS endpoint invoke it: an event in
 * as JSON, the handler's result out as JSON. {@link ProcessRuntime} (the default) runs each instance
 * as its own process on AWS's runtime interface client; {@link InProcessRuntime} is the in-process
 * seam (see {@link LocalCloudOptions.FunctionMode}).
 */
interface FunctionRuntime extends AutoCloseable {

    /** Why an invocation produced no result. */
    final class InvocationException extends Exception {
        private static final long serialVersionUID = 1L;
        private final boolean timeout;

        InvocationException(String message, Throwable cause, boolean timeout) {
            super(message, cause);
            this.timeout = timeout;
        }

        /** True when the function ran out of its {@code Timeout}. */
        boolean timeout() {
            return timeout;
        }
    }

    /** The template's definition of this function. */
    LocalTemplate.FunctionDef definition();

    /**
     * Invokes the function with an event given as JSON and returns the handler's result as JSON
     * (null for a void handler or a null result). Blocks until the result, an error or the timeout.
     *
     * @param requestId the invocation's request id (Lambda's {@code Lambda-Runtime-Aws-Request-Id})
     * @throws InvocationException when the handler threw, timed out, or its instance failed to start
     */
    default String invoke(String eventJson, String requestId) throws InvocationException {
        return invoke(eventJson, requestId, () -> {});
    }

    /**
     * As {@link #invoke(String, String)}, and runs {@code delivered} the moment the handler is given the
     * event: after any wait for an instance and any initialisation. The gateway counts its integration
     * timeout from there for the handler's part (see {@link RouteInvoker}).
     *
     * @param delivered cheap and non-blocking (it may run under a lock); run at most once
     */
    String invoke(String eventJson, String requestId, Runnable delivered) throws InvocationException;

    /** Ends every instance. */
    @Override
    default void close() {}
}
