/**
 * The local cloud: API Gateway WebSocket API, Lambda-like function instances, DynamoDB Local and
 * an SNS Publish endpoint in one JVM, configured by reading the project's SAM {@code template.yaml}.
 * The handlers are loaded by class name, so this package never depends on them at compile time.
 */
package dev.switchboard.local;
