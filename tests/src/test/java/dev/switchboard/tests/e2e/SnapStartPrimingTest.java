package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.aws.Switchboard;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The SnapStart priming hook (run before the snapshot on AWS) against the local cloud's endpoints:
 * every step runs with the function's real environment, and a broken endpoint is reported, not thrown.
 * It runs in this JVM, so the SDK's endpoints come from its standard system properties
 * ({@code aws.endpointUrlDynamoDb}, {@code aws.endpointUrlSns}: the in-JVM twins of the
 * {@code AWS_ENDPOINT_URL_*} variables the function processes get).
 */
class SnapStartPrimingTest {

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.devAuth();

    @AfterEach
    void clearEndpoints() {
        System.clearProperty("aws.endpointUrlDynamoDb");
        System.clearProperty("aws.endpointUrlSns");
    }

    @Test
    void priming_runsEveryStep_withTheMessageFunctionsEnvironment() {
        Map<String, String> env =
                local.cloud().template().functions().get("MessageFunction").environment();
        System.setProperty("aws.endpointUrlDynamoDb", env.get("AWS_ENDPOINT_URL_DYNAMODB"));
        System.setProperty("aws.endpointUrlSns", env.get("AWS_ENDPOINT_URL_SNS"));

        assertThat(new Switchboard(env).prime()).isTrue();
    }

    @Test
    void priming_reportsAFailure_withoutThrowing() {
        Map<String, String> env =
                local.cloud().template().functions().get("MessageFunction").environment();
        System.setProperty("aws.endpointUrlDynamoDb", "http://127.0.0.1:1");
        System.setProperty("aws.endpointUrlSns", env.get("AWS_ENDPOINT_URL_SNS"));

        assertThat(new Switchboard(env).prime()).isFalse();
    }
}
