/** The {@code $default} route's function and the SNS broadcast function (one jar, two handlers). */
package dev.switchboard.message;
