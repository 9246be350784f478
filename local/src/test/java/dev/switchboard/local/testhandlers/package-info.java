/** Handlers the tests' templates name: they record their events and answer on request. */
package dev.switchboard.local.testhandlers;
