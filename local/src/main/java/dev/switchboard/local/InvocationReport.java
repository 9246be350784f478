package dev.switchboard.local;

/**
 * What Lambda's {@code REPORT} line says about one invocation of a process-mode function instance.
 *
 * @param function the function's name
 * @param requestId the invocation's request id
 * @param instance which instance of the function ran it (1, 2, ... in start order)
 * @param durationMs from handing the event to the runtime until it asked for the next one, ms
 * @param billedDurationMs the duration rounded up to the next millisecond, as Lambda bills it
 * @param memorySizeMb the function's {@code MemorySize}, MB
 * @param maxMemoryUsedMb the instance's peak resident memory so far, MB (-1 where unknown)
 * @param initDurationMs the instance's initialisation (process start to its first {@code next}), ms,
 *     on the first invocation of an instance (a cold start); null on warm invocations
 * @param status null when the invocation ended normally, else {@code timeout} or {@code error}
 */
public record InvocationReport(
        String function,
        String requestId,
        int instance,
        double durationMs,
        long billedDurationMs,
        int memorySizeMb,
        long maxMemoryUsedMb,
        Double initDurationMs,
        String status) {

    /** The REPORT line as Lambda writes it (tab-separated). */
    public String line() {
        StringBuilder line = new StringBuilder("REPORT RequestId: ")
                .append(requestId)
                .append("\tDuration: ")
                .append(String.format(java.util.Locale.ROOT, "%.2f", durationMs))
                .append(" ms")
                .append("\tBilled Duration: ")
                .append(billedDurationMs)
                .append(" ms")
                .append("\tMemory Size: ")
                .append(memorySizeMb)
                .append(" MB")
                .append("\tMax Memory Used: ")
                .append(maxMemoryUsedMb < 0 ? "-" : Long.toString(maxMemoryUsedMb))
                .append(" MB");
        if (initDurationMs != null) {
            line.append("\tInit Duration: ")
                    .append(String.format(java.util.Locale.ROOT, "%.2f", initDurationMs))
                    .append(" ms");
        }
        if (status != null) {
            line.append("\tStatus: ").append(status);
        }
        return line.toString();
    }
}
