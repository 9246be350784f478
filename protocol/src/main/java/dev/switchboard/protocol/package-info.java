/** The wire protocol: requests, server frames, parsing and validation, message ids. */
package dev.switchboard.protocol;
