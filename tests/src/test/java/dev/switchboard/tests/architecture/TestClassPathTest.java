package dev.switchboard.tests.architecture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The tests' class path holds the libraries the test tools were built against. DynamoDB Local brings
 * mockito-core 1.10.19 and with it hamcrest-core 1.1, whose {@code org.hamcrest} classes shadowed the
 * hamcrest 2.1 Awaitility 4.3.0 declares: its supplier-and-predicate {@code until} threw
 * {@code NoSuchMethodError} on the first value that did not match (RegionsLagEndToEndTest had to avoid
 * that form). The parent pom manages both hamcrest artifacts to Awaitility's version.
 */
class TestClassPathTest {

    @Test
    void awaitilitysSupplierAndPredicateForm_waitsThroughMismatches() {
        AtomicInteger polls = new AtomicInteger();

        // the first two values do not match: Awaitility describes each mismatch through hamcrest
        int value = await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(10))
                .until(polls::incrementAndGet, n -> n >= 3);

        assertThat(value).isGreaterThanOrEqualTo(3);
    }

    @Test
    void hamcrest_comesFromTheOneJarAwaitilityDeclares() {
        // hamcrest-core 2.1 is empty: every org.hamcrest class is hamcrest 2.1's
        assertThat(org.hamcrest.Matcher.class
                        .getProtectionDomain()
                        .getCodeSource()
                        .getLocation()
                        .getPath())
                .endsWith("/hamcrest-2.1.jar");
    }
}
