/** The {@code $disconnect} route's function. */
package dev.switchboard.disconnect;
