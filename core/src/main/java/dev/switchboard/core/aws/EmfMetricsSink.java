package dev.switchboard.core.aws;

import dev.switchboard.core.metrics.InvocationMetrics;
import dev.switchboard.core.metrics.Metric;
import dev.switchboard.core.metrics.MetricsSink;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.cloudwatchlogs.emf.config.EnvironmentConfigurationProvider;
import software.amazon.cloudwatchlogs.emf.environment.Environments;
import software.amazon.cloudwatchlogs.emf.model.MetricsContext;
import software.amazon.cloudwatchlogs.emf.model.Unit;
import software.amazon.cloudwatchlogs.emf.sinks.ConsoleSink;
import software.amazon.lambda.powertools.metrics.Metrics;
import software.amazon.lambda.powertools.metrics.model.DimensionSet;
import software.amazon.lambda.powertools.metrics.model.MetricResolution;
import software.amazon.lambda.powertools.metrics.model.MetricUnit;
import software.amazon.lambda.powertools.metrics.provider.EmfMetricsProvider;

/**
 * Writes an invocation's metrics as CloudWatch embedded metric format (EMF) records on stdout
 * with Powertools for AWS Lambda (Java) Metrics, functional API (no AspectJ): Lambda sends stdout
 * to CloudWatch Logs, which extracts the metrics
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html).
 * One record per invocation with dimension {@code Service}; a breakdown
 * ({@code Frames} by {@code Action}, {@code ConnectionsRefused} by {@code Reason}) is a second record.
 *
 * <p>One Powertools {@link Metrics} per function instance rather than the {@code MetricsFactory}
 * singleton: the local cloud may hold several functions in one JVM.
 */
public final class EmfMetricsSink implements MetricsSink {

    private static final Logger LOG = LoggerFactory.getLogger(EmfMetricsSink.class);

    private final String namespace;
    private final String service;
    private final Metrics metrics;

    /**
     * @param namespace CloudWatch namespace (POWERTOOLS_METRICS_NAMESPACE)
     * @param service   value of the {@code Service} dimension (POWERTOOLS_SERVICE_NAME)
     */
    public EmfMetricsSink(String namespace, String service) {
        this.namespace = namespace;
        this.service = service;
        // Functions only ever run on Lambda (or the local cloud, which emulates it): skip the EMF
        // library's probing, which outside Lambda tries EC2 metadata and then a CloudWatch agent on
        // TCP 25888. The Lambda environment writes each record as one line on stdout.
        EnvironmentConfigurationProvider.getConfig().setEnvironmentOverride(Environments.Lambda);
        this.metrics = new EmfMetricsProvider().getMetricsInstance();
        metrics.setNamespace(namespace);
        metrics.setDefaultDimensions(DimensionSet.of(Metric.SERVICE, service));
    }

    @Override
    public void publish(InvocationMetrics.Snapshot snapshot) {
        try {
            // The record's time is now, this invocation's end. Left alone, the EMF library stamps a record with when
            // its context was made: the instance's init (with SnapStart: the snapshot, possibly days old) for the
            // first invocation, the previous flush for later ones, so CloudWatch would file the data points minutes
            // or days early and the alarms' windows would miss them. A local cloud run showed records 36-44 s older
            // than their invocations.
            metrics.setTimestamp(java.time.Instant.now());
            for (Map.Entry<Metric, Double> value : snapshot.values().entrySet()) {
                metrics.addMetric(value.getKey().metricName(), value.getValue(), unit(value.getKey()));
            }
            if (snapshot.requestId() != null) {
                metrics.addMetadata("function_request_id", snapshot.requestId());
            }
            metrics.flush();
            snapshot.breakdown()
                    .ifPresent(b -> metrics.flushSingleMetric(
                            b.metric().metricName(),
                            snapshot.values().getOrDefault(b.metric(), 1.0),
                            unit(b.metric()),
                            namespace,
                            DimensionSet.of(Metric.SERVICE, service, b.dimension(), b.value())));
        } catch (RuntimeException e) {
            // metrics never fail a request
            LOG.warn("could not write metrics: {}", e.toString());
        }
    }

    /**
     * SnapStart priming: builds a record with every metric this code emits and serialises it as the
     * flush does (the EMF library's {@code MetricsContext.serialize}, which the Lambda environment's
     * console sink prints), then drops it. Without this the first invocation after a restore loads
     * Jackson and the EMF serialisers at its first flush. Writes nothing: a record written before
     * the snapshot would be a real data point in CloudWatch.
     */
    @Override
    public void prime() {
        try {
            MetricsContext context = new MetricsContext();
            context.setNamespace(namespace);
            context.setDefaultDimensions(
                    software.amazon.cloudwatchlogs.emf.model.DimensionSet.of(Metric.SERVICE, service));
            for (Metric metric : Metric.values()) {
                unit(metric); // Powertools' unit enum, as publish uses it
                context.putMetric(metric.metricName(), 0, emfUnit(metric));
            }
            context.putMetadata("function_request_id", "priming");
            context.setTimestamp(java.time.Instant.now()); // publish stamps each record: its validation loaded too
            context.serialize();
            // what the flush builds on its first call: the Lambda environment's stdout sink, the resolution enum
            new ConsoleSink();
            MetricResolution.values();
        } catch (Exception e) {
            LOG.warn("could not prime metrics (the first flush will be slower): {}", e.toString());
        }
    }

    private static Unit emfUnit(Metric metric) {
        return switch (metric.unit()) {
            case COUNT -> Unit.COUNT;
            case MILLISECONDS -> Unit.MILLISECONDS;
        };
    }

    private static MetricUnit unit(Metric metric) {
        return switch (metric.unit()) {
            case COUNT -> MetricUnit.COUNT;
            case MILLISECONDS -> MetricUnit.MILLISECONDS;
        };
    }
}
