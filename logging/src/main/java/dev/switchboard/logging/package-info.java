/**
 * How Switchboard logs: logback, with {@link dev.switchboard.logging.Redaction} applied once, in
 * the layout — {@link dev.switchboard.logging.JsonLogEncoder} for the functions (JSON on stdout,
 * Lambda's JSON log format), {@link dev.switchboard.logging.SafeMessageConverter} and
 * {@link dev.switchboard.logging.SafeThrowableConverter} for the local cloud's console.
 */
package dev.switchboard.logging;
