/** Fan-out: one frame to many connections, bounded, with retries and dead-connection cleanup. */
package dev.switchboard.core.fanout;
