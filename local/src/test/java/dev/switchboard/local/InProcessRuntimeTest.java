package dev.switchboard.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.switchboard.local.testhandlers.CountingHandler;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InProcessRuntimeTest {
    private final ExecutorService pool = Executors.newCachedThreadPool();
    private final LocalTemplate.FunctionDef def = new LocalTemplate.FunctionDef(
            "Counting", "Counting", CountingHandler.class.getName(), "handleRequest", 3, 128, Map.of());

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private static JsonObject json(String s) {
        return JsonParser.parseString(s).getAsJsonObject();
    }

    @Test
    void sequentialEvents_reuseOneWarmInstance() throws Exception {
        FunctionRuntime fn = new InProcessRuntime(def, pool, 0, null, "us-east-1");
        JsonObject first = json(fn.invoke("{}", "r1"));
        JsonObject second = json(fn.invoke("{}", "r2"));
        assertThat(second.get("instance").getAsInt())
                .isEqualTo(first.get("instance").getAsInt());
        assertThat(second.get("event").getAsInt()).isEqualTo(2);
        assertThat(first.get("remaining").getAsInt()).isBetween(1, 3000);
    }

    @Test
    void concurrentEvents_runInSeparateInstances() throws Exception {
        FunctionRuntime fn = new InProcessRuntime(def, pool, 0, null, "us-east-1");
        CountingHandler.release = new CountDownLatch(1);
        CountingHandler.waiting = new CountDownLatch(3);
        ExecutorService callers = Executors.newFixedThreadPool(3);
        try {
            List<Future<String>> calls = List.of(
                    callers.submit(() -> fn.invoke("{\"wait\":true}", "a")),
                    callers.submit(() -> fn.invoke("{\"wait\":true}", "b")),
                    callers.submit(() -> fn.invoke("{\"wait\":true}", "c")));
            // Release only once all three are inside an instance: released earlier, one call could finish
            // and hand its warm instance to the third (the flaky "Expected size: 3 but was: 2").
            assertThat(CountingHandler.waiting.await(20, TimeUnit.SECONDS))
                    .as("three events running at once")
                    .isTrue();
            CountingHandler.release.countDown();
            Set<Integer> instances = new HashSet<>();
            for (Future<String> call : calls) {
                instances.add(json(call.get()).get("instance").getAsInt());
            }
            assertThat(instances).hasSize(3);
        } finally {
            callers.shutdownNow();
        }
    }

    @Test
    void timeout_failsInvocation_andDiscardsInstance() throws Exception {
        FunctionRuntime fn = new InProcessRuntime(def, pool, 1000, null, "us-east-1");
        int before = json(fn.invoke("{}", "warm")).get("instance").getAsInt();
        CountingHandler.release = new CountDownLatch(1);
        assertThatThrownBy(() -> fn.invoke("{\"wait\":true}", "slow"))
                .isInstanceOf(FunctionRuntime.InvocationException.class)
                .hasMessageContaining("Task timed out");
        CountingHandler.release.countDown();
        assertThat(json(fn.invoke("{}", "after")).get("instance").getAsInt()).isNotEqualTo(before);
    }

    @Test
    void stockEventPojo_acceptsDisconnectFieldsItDoesNotKnow() throws Exception {
        FunctionRuntime fn = new InProcessRuntime(
                new LocalTemplate.FunctionDef(
                        "T",
                        "T",
                        dev.switchboard.local.testhandlers.TypedHandler.class.getName(),
                        "handleRequest",
                        3,
                        128,
                        Map.of()),
                pool,
                0,
                null,
                "us-east-1");
        String out = fn.invoke(
                "{\"requestContext\":{\"eventType\":\"DISCONNECT\",\"connectionId\":\"abc=\","
                        + "\"disconnectStatusCode\":1001,\"disconnectReason\":\"Going away\"},\"isBase64Encoded\":false}",
                "r");
        assertThat(out).isEqualTo("\"DISCONNECT abc=\"");
    }

    @Test
    void missingHandlerClass_failsInvocationClearly() {
        FunctionRuntime fn = new InProcessRuntime(
                new LocalTemplate.FunctionDef("X", "X", "no.such.Handler", "handleRequest", 3, 128, Map.of()),
                pool,
                0,
                null,
                "us-east-1");
        assertThatThrownBy(() -> fn.invoke("{}", "r")).hasMessageContaining("no.such.Handler");
    }

    /** The handler of the process-mode tests, laid out as a task root: test-classes is on the runtime's class path. */
    private FunctionRuntime deployed(String name, String table) {
        return new InProcessRuntime(
                new LocalTemplate.FunctionDef(
                        name,
                        name + "-fn",
                        dev.switchboard.local.processhandlers.LifecycleHandler.class.getName(),
                        "handleRequest",
                        3,
                        512,
                        Map.of("SWITCHBOARD_TABLE", table, "AWS_ENDPOINT_URL_DYNAMODB", "http://localhost:1")),
                pool,
                0,
                java.nio.file.Path.of("target", "test-classes").toAbsolutePath(),
                "eu-west-1");
    }

    @Test
    void withATaskRoot_eachFunctionReadsItsOwnEnvironment_throughSystemGetenv() throws Exception {
        // Two functions in one JVM, different values for one variable: each handler's own System.getenv sees its own,
        // with what Lambda sets, and nothing of this JVM's environment but PATH.
        JsonObject first = json(deployed("First", "t1").invoke("{\"action\":\"env\"}", "r1"));
        JsonObject second = json(deployed("Second", "t2").invoke("{\"action\":\"env\"}", "r2"));

        assertThat(first.get("SWITCHBOARD_TABLE").getAsString()).isEqualTo("t1");
        assertThat(second.get("SWITCHBOARD_TABLE").getAsString()).isEqualTo("t2");
        assertThat(second.get("SWITCHBOARD_TABLE_BY_REFERENCE").getAsString()).isEqualTo("t2");
        assertThat(first.get("AWS_LAMBDA_FUNCTION_NAME").getAsString()).isEqualTo("First-fn");
        assertThat(second.get("AWS_LAMBDA_FUNCTION_NAME").getAsString()).isEqualTo("Second-fn");
        assertThat(first.get("AWS_ENDPOINT_URL_DYNAMODB").getAsString()).isEqualTo("http://localhost:1");
        assertThat(first.get("AWS_REGION").getAsString()).isEqualTo("eu-west-1");
        assertThat(first.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").getAsString()).isEqualTo("512");
        assertThat(first.get("AWS_ACCESS_KEY_ID").getAsString()).isEqualTo("local");
        assertThat(System.getenv("SWITCHBOARD_TABLE"))
                .as("this JVM's own environment is untouched")
                .isNull();
    }

    @Test
    void withATaskRoot_staticStateIsPerInstance_notSharedWithOtherFunctionsOrThisJvm() throws Exception {
        FunctionRuntime first = deployed("First", "t1");
        FunctionRuntime second = deployed("Second", "t1");
        assertThat(json(first.invoke("{\"action\":\"state\"}", "a"))
                        .get("calls")
                        .getAsInt())
                .isEqualTo(1);
        assertThat(json(first.invoke("{\"action\":\"state\"}", "b"))
                        .get("calls")
                        .getAsInt())
                .as("the warm instance keeps its statics")
                .isEqualTo(2);
        assertThat(json(second.invoke("{\"action\":\"state\"}", "c"))
                        .get("calls")
                        .getAsInt())
                .as("another function's instance has statics of its own")
                .isEqualTo(1);
        new dev.switchboard.local.processhandlers.LifecycleHandler().handleRequest(Map.of("action", "state"), null);
        assertThat(json(first.invoke("{\"action\":\"state\"}", "d"))
                        .get("calls")
                        .getAsInt())
                .as("the class on this JVM's class path is another class")
                .isEqualTo(3);
    }

    @Test
    void withATaskRoot_systemPropertiesArePerInstance_soPowertoolsAppendsItsUserAgentOnce() throws Exception {
        // Each instance's Powertools appends to sdk.ua.appId as it initialises: once, as in a JVM of its own,
        // neither once more for every instance the local cloud's JVM has started (the SDK's long-app-id warning)
        // nor to the local cloud's own value (its JVM may have run Powertools too).
        System.setProperty("sdk.ua.appId", "PT/LOCAL-CLOUD");
        try {
            FunctionRuntime first = deployed("First", "t1");
            FunctionRuntime second = deployed("Second", "t1");
            assertThat(json(first.invoke("{\"action\":\"userAgent\"}", "a"))
                            .get("appId")
                            .getAsString())
                    .isEqualTo("PT/TEST");
            assertThat(json(second.invoke("{\"action\":\"userAgent\"}", "b"))
                            .get("appId")
                            .getAsString())
                    .isEqualTo("PT/TEST");
            assertThat(System.getProperty("sdk.ua.appId"))
                    .as("this JVM's own properties are untouched")
                    .isEqualTo("PT/LOCAL-CLOUD");
            assertThat(json(first.invoke("{\"action\":\"javaVersion\"}", "c"))
                            .get("javaVersion")
                            .getAsString())
                    .as("an instance starts with the JDK's properties, as a new JVM")
                    .isEqualTo(System.getProperty("java.version"));
        } finally {
            System.clearProperty("sdk.ua.appId");
        }
    }
}
