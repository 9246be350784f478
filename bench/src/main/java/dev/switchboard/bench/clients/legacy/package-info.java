/**
 * The {@code @connections} poster the functions used before issue 16 (own SigV4 signer, own
 * kept-alive HTTP/1.1 connection), kept only as PosterBenchmark's baseline for the SDK-built poster
 * that replaced it. Never used by a function.
 */
package dev.switchboard.bench.clients.legacy;
