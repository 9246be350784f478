/** AWS SDK adapters of the core ports (DynamoDB store, @connections poster, SNS) and the wiring. */
package dev.switchboard.core.aws;
