/** The {@code $connect} route's function. */
package dev.switchboard.connect;
