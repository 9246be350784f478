package dev.switchboard.core.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.DynamoDbLocalFixture;
import dev.switchboard.core.store.InboxItem;
import dev.switchboard.core.store.Page;
import dev.switchboard.protocol.InboxState;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;

/**
 * What the inbox costs in DynamoDB requests and capacity units (docs/PERFORMANCE.md, "Inbox"): every
 * request the store makes is recorded with the units DynamoDB Local reports
 * ({@code ReturnConsumedCapacity=TOTAL}). The request counts are asserted (they are the design); the
 * units are printed as {@code INBOX-COST} lines for the docs. DynamoDB Local reports a
 * TransactWriteItems as 2 units per table whatever its size, so the docs price transactions by
 * DynamoDB's rule (2 write units per item up to 1 KB).
 */
class InboxCostTest {

    static DynamoDbLocalFixture dynamo;
    static final List<String> calls = new ArrayList<>();
    static final Map<String, Double> units = new TreeMap<>();

    @BeforeAll
    static void start() {
        dynamo = new DynamoDbLocalFixture().createTable("inbox-cost");
    }

    @AfterAll
    static void stop() {
        dynamo.close();
    }

    /** The embedded client, asking for and recording consumed capacity on every call. */
    static DynamoDbClient recording(DynamoDbClient real) {
        return (DynamoDbClient) Proxy.newProxyInstance(
                DynamoDbClient.class.getClassLoader(), new Class<?>[] {DynamoDbClient.class}, (proxy, method, args) -> {
                    if (args != null && args.length == 1 && args[0] instanceof java.util.function.Consumer) {
                        // the consumer-builder forms build the request and call the request form: through this proxy
                        return java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args);
                    }
                    Object[] actual = args;
                    if (args != null
                            && args.length == 1
                            && args[0] instanceof software.amazon.awssdk.services.dynamodb.model.DynamoDbRequest r) {
                        Object builder = r.toBuilder();
                        // through the public builder interface: the implementation classes are package-private
                        Class<?> type = r.getClass().getMethod("toBuilder").getReturnType();
                        try {
                            type.getMethod("returnConsumedCapacity", ReturnConsumedCapacity.class)
                                    .invoke(builder, ReturnConsumedCapacity.TOTAL);
                            actual = new Object[] {type.getMethod("build").invoke(builder)};
                        } catch (NoSuchMethodException e) {
                            // not a data call
                        }
                    }
                    boolean data = actual != null && actual.length == 1;
                    if (data) {
                        calls.add(method.getName()); // refused ones too (a condition failed: an exception, no units
                        // reported)
                    }
                    Object response;
                    try {
                        response = method.invoke(real, actual);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (data) {
                        units.merge(method.getName(), capacity(response), Double::sum);
                    }
                    return response;
                });
    }

    static double capacity(Object response) throws ReflectiveOperationException {
        Method method;
        try {
            method = response.getClass().getMethod("consumedCapacity");
        } catch (NoSuchMethodException e) {
            return 0;
        }
        Object value = method.invoke(response);
        if (value instanceof ConsumedCapacity c) {
            return c.capacityUnits() == null ? 0 : c.capacityUnits();
        }
        if (value instanceof List<?> list) {
            return list.stream()
                    .mapToDouble(c ->
                            ((ConsumedCapacity) c).capacityUnits() == null ? 0 : ((ConsumedCapacity) c).capacityUnits())
                    .sum();
        }
        return 0;
    }

    static String measure(String what, Runnable action) {
        calls.clear();
        units.clear();
        action.run();
        String line = "INBOX-COST " + what + ": requests=" + calls + " units(DynamoDB Local)=" + units;
        System.out.println(line);
        return String.join(",", calls);
    }

    @Test
    void inboxWrite_page_badge_andMark_costWhatDocsPerformanceSays() {
        DynamoChatStore store = new DynamoChatStore(recording(dynamo.client()), "inbox-cost", 4, 7, Clock.systemUTC());
        long now = System.currentTimeMillis();
        long keep = now / 1000 + 30 * 86_400L;
        String body = "x".repeat(200);

        assertThat(measure(
                        "write (notification, 200-character body)",
                        () -> store.putInboxItem(
                                "cost-bob",
                                InboxItem.notification("01KAX3T8Y9ZC4Q2D7N6B5V8M00", "Invoice paid", body, now),
                                keep)))
                .isEqualTo("transactWriteItems");
        assertThat(measure(
                        "write again (SNS redelivery)",
                        () -> store.putInboxItem(
                                "cost-bob",
                                InboxItem.notification("01KAX3T8Y9ZC4Q2D7N6B5V8M00", "Invoice paid", body, now),
                                keep)))
                .isEqualTo("transactWriteItems");
        for (int i = 1; i < 20; i++) {
            store.putInboxItem(
                    "cost-bob",
                    InboxItem.notification("01KAX3T8Y9ZC4Q2D7N6B5V8M" + String.format("%02d", i), "n", body, now),
                    keep);
        }
        List<Page<InboxItem>> page = new ArrayList<>();
        assertThat(measure("page of 20", () -> page.add(store.inbox("cost-bob", null, 20))))
                .isEqualTo("query");
        assertThat(page.get(0).items()).hasSize(20);
        assertThat(measure("badge (counts)", () -> store.inboxCounts("cost-bob")))
                .isEqualTo("query");
        assertThat(measure(
                        "mark 1 read",
                        () -> store.markInbox("cost-bob", List.of("01KAX3T8Y9ZC4Q2D7N6B5V8M00"), InboxState.READ)))
                .isEqualTo("batchGetItem,transactWriteItems");
        List<String> ten = java.util.stream.IntStream.range(1, 11)
                .mapToObj(i -> "01KAX3T8Y9ZC4Q2D7N6B5V8M" + String.format("%02d", i))
                .collect(Collectors.toList());
        assertThat(measure("mark 10 read", () -> store.markInbox("cost-bob", ten, InboxState.READ)))
                .isEqualTo("batchGetItem,transactWriteItems");
        assertThat(measure("mark 10 read again (idempotent)", () -> store.markInbox("cost-bob", ten, InboxState.READ)))
                .isEqualTo("batchGetItem");
        assertThat(store.inboxCounts("cost-bob").unread()).isEqualTo(9);
    }
}
