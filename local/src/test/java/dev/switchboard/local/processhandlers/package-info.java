/**
 * Handlers the process-mode tests run on AWS's runtime interface client, each instance its own
 * process: they use nothing but aws-lambda-java-core (which the runtime provides), so the test
 * classes directory serves as their task root.
 */
package dev.switchboard.local.processhandlers;
