/**
 * A WebSocket client (RFC 6455) made for load generation on loopback: one selector thread reads every
 * connection and calls its listener in place, so a received frame costs a read, a parse and a call,
 * with no hand-off to another thread. Text only; no extensions, no TLS.
 */
package dev.switchboard.bench.websocket;
