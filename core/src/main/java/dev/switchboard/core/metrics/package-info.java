/**
 * What the functions measure ({@link dev.switchboard.core.metrics.Metric}) and how an invocation
 * collects it ({@link dev.switchboard.core.metrics.InvocationMetrics}); the CloudWatch adapter is
 * {@code dev.switchboard.core.aws.EmfMetricsSink}.
 */
package dev.switchboard.core.metrics;
