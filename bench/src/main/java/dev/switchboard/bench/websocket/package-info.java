/**
 * The bench's load client: Netty's WebSocket client (RFC 6455 framing, masking, upgrade, ping/pong
 * and fragment joining are Netty's) with every connection on one event loop thread, which reads,
 * decodes and calls the listener in place, with no hand-off to a worker thread per frame. Text
 * only, no extensions, no TLS: it loads servers on loopback.
 */
package dev.switchboard.bench.websocket;
