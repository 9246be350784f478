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
        FunctionRuntime fn = new InProcessRuntime(def, pool, 0);
        JsonObject first = json(fn.invoke("{}", "r1"));
        JsonObject second = json(fn.invoke("{}", "r2"));
        assertThat(second.get("instance").getAsInt())
                .isEqualTo(first.get("instance").getAsInt());
        assertThat(second.get("event").getAsInt()).isEqualTo(2);
        assertThat(first.get("remaining").getAsInt()).isBetween(1, 3000);
    }

    @Test
    void concurrentEvents_runInSeparateInstances() throws Exception {
        FunctionRuntime fn = new InProcessRuntime(def, pool, 0);
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
        FunctionRuntime fn = new InProcessRuntime(def, pool, 1000);
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
                0);
        String out = fn.invoke(
                "{\"requestContext\":{\"eventType\":\"DISCONNECT\",\"connectionId\":\"abc=\","
                        + "\"disconnectStatusCode\":1001,\"disconnectReason\":\"Going away\"},\"isBase64Encoded\":false}",
                "r");
        assertThat(out).isEqualTo("\"DISCONNECT abc=\"");
    }

    @Test
    void missingHandlerClass_failsInvocationClearly() {
        FunctionRuntime fn = new InProcessRuntime(
                new LocalTemplate.FunctionDef("X", "X", "no.such.Handler", "handleRequest", 3, 128, Map.of()), pool, 0);
        assertThatThrownBy(() -> fn.invoke("{}", "r")).hasMessageContaining("no.such.Handler");
    }
}
