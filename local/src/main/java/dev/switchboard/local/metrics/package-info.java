/**
 * What the local cloud shows about the traffic through it: the functions' own metrics read from
 * their EMF records ({@link dev.switchboard.local.metrics.MetricsBoard}), the AWS billing units
 * the same traffic uses ({@link dev.switchboard.local.metrics.Usage}) and their price
 * ({@link dev.switchboard.local.metrics.CostReadout}, {@link dev.switchboard.local.metrics.Prices}).
 */
package dev.switchboard.local.metrics;
