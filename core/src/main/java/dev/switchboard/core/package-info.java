/**
 * What the Switchboard functions share: configuration, the chat service and its ports. The
 * protocol, storage, fan-out and auth live in sub-packages; AWS SDK adapters in {@code .aws}.
 */
package dev.switchboard.core;
