package dev.switchboard.core.aws;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

/**
 * SnapStart priming covers the metrics path: before the snapshot the sink loads what its first
 * flush would (Jackson's serialisers, the EMF library's), and writes no record (one would be a real
 * data point). Each case runs in a class loader of its own over this test's class path, so classes
 * this test JVM loaded elsewhere do not count.
 */
class EmfMetricsSinkPrimingTest {

    /** A fresh loader of this test's class path that records the classes it defines. */
    static final class Probe extends URLClassLoader {
        final Set<String> defined = ConcurrentHashMap.newKeySet();

        Probe() {
            super(classPath(), ClassLoader.getPlatformClassLoader());
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            Class<?> type = super.findClass(name);
            defined.add(name);
            return type;
        }

        private static URL[] classPath() {
            return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                    .map(p -> {
                        try {
                            return new File(p).toURI().toURL();
                        } catch (MalformedURLException e) {
                            throw new IllegalArgumentException(p, e);
                        }
                    })
                    .toArray(URL[]::new);
        }
    }

    /** In its own loader: the sink, primed or not, then one invocation's flush; what the flush loaded and wrote. */
    private record FirstFlush(List<String> loadedByFlush, String primingOutput, String flushOutput) {}

    private static FirstFlush firstFlush(boolean primed) throws Exception {
        PrintStream out = System.out;
        try (Probe probe = new Probe()) {
            Object sink = probe.loadClass(EmfMetricsSink.class.getName())
                    .getConstructor(String.class, String.class)
                    .newInstance("Switchboard", "priming-test");
            Class<?> metricType = probe.loadClass("dev.switchboard.core.metrics.Metric");
            Class<?> sinkType = probe.loadClass("dev.switchboard.core.metrics.MetricsSink");
            Object metrics = probe.loadClass("dev.switchboard.core.metrics.InvocationMetrics")
                    .getConstructor(sinkType)
                    .newInstance(sink);
            ByteArrayOutputStream priming = new ByteArrayOutputStream();
            if (primed) {
                System.setOut(new PrintStream(priming, true, StandardCharsets.UTF_8));
                try {
                    metrics.getClass().getMethod("prime").invoke(metrics);
                } finally {
                    System.setOut(out);
                }
            }
            // an invocation as a send records it: a cold start, a frame by action, a message
            metrics.getClass().getMethod("begin").invoke(metrics);
            Object frames = Enum.valueOf(metricType.asSubclass(Enum.class), "FRAMES");
            metrics.getClass()
                    .getMethod("count", metricType, String.class, String.class)
                    .invoke(metrics, frames, "Action", "send");
            Set<String> before = Set.copyOf(probe.defined);
            ByteArrayOutputStream flushed = new ByteArrayOutputStream();
            System.setOut(new PrintStream(flushed, true, StandardCharsets.UTF_8));
            try {
                metrics.getClass().getMethod("flush", String.class).invoke(metrics, "request-1");
            } finally {
                System.setOut(out);
            }
            List<String> loaded = probe.defined.stream()
                    .filter(c -> !before.contains(c))
                    .sorted()
                    .toList();
            return new FirstFlush(
                    loaded, priming.toString(StandardCharsets.UTF_8), flushed.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void prime_loadsWhatTheFirstFlushWould_andWritesNoRecord() throws Exception {
        FirstFlush cold = firstFlush(false);
        FirstFlush primed = firstFlush(true);
        System.out.printf(
                "PRIMING classes loaded by the first flush: %d unprimed, %d primed %s%n",
                cold.loadedByFlush().size(), primed.loadedByFlush().size(), primed.loadedByFlush());

        assertThat(cold.flushOutput()).as("the flush writes its EMF records").contains("\"_aws\"");
        assertThat(primed.flushOutput()).contains("\"_aws\"");
        assertThat(primed.primingOutput()).as("priming writes no record").isEmpty();
        assertThat(cold.loadedByFlush())
                .as("unprimed, the first flush loads Jackson's and the EMF library's serialisers")
                .anyMatch(c -> c.startsWith("com.fasterxml.jackson."))
                .anyMatch(c -> c.startsWith("software.amazon.cloudwatchlogs.emf."));
        assertThat(cold.loadedByFlush()).hasSizeGreaterThan(50);
        // primed, the first flush finds them loaded; what may remain is a cache entry class Jackson loads on a
        // later cache write (PrivateMaxEntriesMap$WriteThroughEntry), nothing of the serialisers
        assertThat(primed.loadedByFlush())
                .as("primed, the first flush finds the serialisers loaded")
                .hasSizeLessThanOrEqualTo(2)
                .noneMatch(c -> c.startsWith("com.fasterxml.jackson.databind.ser."))
                .noneMatch(c -> c.startsWith("com.fasterxml.jackson.core."))
                .noneMatch(c -> c.startsWith("software.amazon.cloudwatchlogs.emf."));
    }
}
