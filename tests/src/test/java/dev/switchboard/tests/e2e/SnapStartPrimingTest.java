package dev.switchboard.tests.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import dev.switchboard.core.aws.Switchboard;

/**
 * The SnapStart priming hook (run before the snapshot on AWS) against the local cloud's endpoints:
 * every step runs with the function's real environment, and a broken endpoint is reported, not thrown.
 */
class SnapStartPrimingTest {

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.devAuth();

    @Test
    void priming_runsEveryStep_withTheMessageFunctionsEnvironment() {
        Map<String, String> env = local.cloud().template().functions().get("MessageFunction").environment();

        assertThat(new Switchboard(env).prime()).isTrue();
    }

    @Test
    void priming_reportsAFailure_withoutThrowing() {
        Map<String, String> env = new HashMap<>(local.cloud().template().functions().get("MessageFunction").environment());
        env.put("SWITCHBOARD_DYNAMODB_ENDPOINT", "http://127.0.0.1:1");

        assertThat(new Switchboard(env).prime()).isFalse();
    }
}
