package dev.switchboard.bench;

import dev.switchboard.core.ChatService;
import dev.switchboard.core.auth.Identity;
import dev.switchboard.core.fanout.ConnectionPoster.PostStatus;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.SdkResponse;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchWriteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemRequest;
import software.amazon.awssdk.services.dynamodb.model.DeleteItemResponse;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.PutItemRequest;
import software.amazon.awssdk.services.dynamodb.model.PutItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.ReturnConsumedCapacity;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItemsResponse;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemRequest;
import software.amazon.awssdk.services.dynamodb.model.UpdateItemResponse;

/**
 * What one {@code send} costs in DynamoDB: the requests made, and the round trips they form,
 * before the first member's post; and the capacity units the send consumes, as DynamoDB reports
 * them ({@code ReturnConsumedCapacity=INDEXES}, set on every request by an SDK interceptor:
 * DynamoDB Local computes them as DynamoDB does, global secondary indexes included). The same for
 * a {@code join}. The chat service runs in this JVM against the DynamoDB Local of an in-process
 * local cloud (its table made from template.yaml, so the indexes' projections are the template's),
 * with the send limit on as deployed, and posts to a recorder instead of {@code @connections}:
 * only DynamoDB is measured, and round trips are counted, not timed.
 */
public final class SendCostBenchmark {

    /**
     * Medians per send and per join. Write units as DynamoDB Local reports them (indexes included),
     * and as DynamoDB's pricing counts them: DynamoDB Local reports a TransactWriteItems as 2 units
     * per table whatever the number of items (checked with 1, 2 and 3 items), while DynamoDB
     * charges 2 write units per item per started KB (every item here is under 1 KB); a
     * ConditionCheck is counted like a written item, which makes that column an upper bound.
     */
    public record Result(
            int members,
            int sends,
            double requestsBeforeFirstPost,
            double roundTripsBeforeFirstPost,
            double writeUnitsPerSend,
            double pricedWriteUnitsPerSend,
            double readUnitsPerSend,
            String sendRequests,
            double requestsPerJoin,
            double writeUnitsPerJoin,
            double pricedWriteUnitsPerJoin) {}

    /**
     * One DynamoDB request: operation, when it was on the wire (System.nanoTime), what it consumed
     * as reported, and its write units as priced (differs for transactions only).
     */
    record Call(
            String operation,
            long startNanos,
            long endNanos,
            double writeUnits,
            double pricedWriteUnits,
            double readUnits) {}

    private final PrintStream progress;

    public SendCostBenchmark(PrintStream progress) {
        this.progress = progress;
    }

    public Result run(Path template, int members, int sends) throws Exception {
        String sender = "sender-connection";
        AtomicLong firstMemberPost = new AtomicLong();
        try (CostRig rig = CostRig.start(template, (connectionId, frame) -> {
            if (!connectionId.equals(sender)) {
                firstMemberPost.compareAndSet(0, System.nanoTime());
            }
            return CompletableFuture.completedFuture(PostStatus.DELIVERED);
        })) {
            CallRecorder recorder = rig.recorder;
            ChatService chat = rig.chat;
            String room = "cost";
            List<Double> joinRequests = new ArrayList<>();
            List<Double> joinWrites = new ArrayList<>();
            List<Double> joinPriced = new ArrayList<>();
            for (int i = 0; i < members; i++) {
                String id = "member-" + i;
                chat.connect(id, new Identity("user" + i, false), System.currentTimeMillis());
                recorder.clear();
                chat.handle(id, Json.write(new Request.Join(room)));
                List<Call> calls = recorder.calls();
                joinRequests.add((double) calls.size());
                joinWrites.add(calls.stream().mapToDouble(Call::writeUnits).sum());
                joinPriced.add(
                        calls.stream().mapToDouble(Call::pricedWriteUnits).sum());
            }
            chat.connect(sender, new Identity("sender", false), System.currentTimeMillis());
            chat.handle(sender, Json.write(new Request.Join(room)));

            List<Double> requests = new ArrayList<>();
            List<Double> roundTrips = new ArrayList<>();
            List<Double> writes = new ArrayList<>();
            List<Double> priced = new ArrayList<>();
            List<Double> reads = new ArrayList<>();
            String sequence = "";
            String text = "x".repeat(100);
            for (int i = 0; i < sends; i++) {
                recorder.clear();
                firstMemberPost.set(0);
                chat.handle(sender, Json.write(new Request.Send(room, text, "cost-" + i)));
                long first = firstMemberPost.get();
                if (first == 0) {
                    throw new IllegalStateException("send " + i + " reached no member: the bench's room is broken");
                }
                List<Call> before = recorder.calls().stream()
                        .filter(c -> c.startNanos() < first)
                        .toList();
                requests.add((double) before.size());
                roundTrips.add((double) roundTrips(before));
                writes.add(
                        recorder.calls().stream().mapToDouble(Call::writeUnits).sum());
                priced.add(recorder.calls().stream()
                        .mapToDouble(Call::pricedWriteUnits)
                        .sum());
                reads.add(recorder.calls().stream().mapToDouble(Call::readUnits).sum());
                sequence = describe(before);
            }
            Result result = new Result(
                    members,
                    sends,
                    median(requests),
                    median(roundTrips),
                    median(writes),
                    median(priced),
                    median(reads),
                    sequence,
                    median(joinRequests),
                    median(joinWrites),
                    median(joinPriced));
            progress.printf(
                    "send cost: %.0f requests, %.0f round trips before the first post (%s), %.1f / %.1f write units per send%n",
                    result.requestsBeforeFirstPost(),
                    result.roundTripsBeforeFirstPost(),
                    sequence,
                    result.writeUnitsPerSend(),
                    result.pricedWriteUnitsPerSend());
            return result;
        }
    }

    /** Requests that overlap in time are one round trip; the rest follow one another. */
    static int roundTrips(List<Call> calls) {
        List<Call> sorted = calls.stream()
                .sorted(Comparator.comparingLong(Call::startNanos))
                .toList();
        int trips = 0;
        long end = Long.MIN_VALUE;
        for (Call call : sorted) {
            if (call.startNanos() >= end) {
                trips++;
                end = call.endNanos();
            } else {
                end = Math.max(end, call.endNanos());
            }
        }
        return trips;
    }

    /** e.g. "UpdateItem → TransactWriteItems ∥ Query": ∥ joins requests that overlapped. */
    static String describe(List<Call> calls) {
        List<Call> sorted = calls.stream()
                .sorted(Comparator.comparingLong(Call::startNanos))
                .toList();
        StringBuilder text = new StringBuilder();
        long end = Long.MIN_VALUE;
        for (Call call : sorted) {
            if (text.length() > 0) {
                text.append(call.startNanos() >= end ? " → " : " ∥ ");
            }
            text.append(call.operation());
            end = call.startNanos() >= end ? call.endNanos() : Math.max(end, call.endNanos());
        }
        return text.toString();
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        return sorted.isEmpty() ? Double.NaN : sorted.get((sorted.size() - 1) / 2);
    }

    /**
     * Asks DynamoDB for the consumed capacity of every request and records it with the request's
     * time on the wire. Capacity a failed request consumed (a cancelled transaction) is not
     * reported by DynamoDB and counts as 0.
     */
    static final class CallRecorder implements ExecutionInterceptor {
        private static final ExecutionAttribute<Long> STARTED = new ExecutionAttribute<>("switchboard.bench.started");
        private static final ExecutionAttribute<Integer> TRANSACT_ITEMS =
                new ExecutionAttribute<>("switchboard.bench.transactItems");
        private final List<Call> calls = new CopyOnWriteArrayList<>();

        void clear() {
            calls.clear();
        }

        List<Call> calls() {
            return List.copyOf(calls);
        }

        @Override
        public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
            SdkRequest request = context.request();
            ReturnConsumedCapacity indexes = ReturnConsumedCapacity.INDEXES;
            if (request instanceof GetItemRequest r) {
                return r.toBuilder().returnConsumedCapacity(indexes).build();
            } else if (request instanceof PutItemRequest r) {
                return r.toBuilder().returnConsumedCapacity(indexes).build();
            } else if (request instanceof UpdateItemRequest r) {
                return r.toBuilder().returnConsumedCapacity(indexes).build();
            } else if (request instanceof DeleteItemRequest r) {
                return r.toBuilder().returnConsumedCapacity(indexes).build();
            } else if (request instanceof QueryRequest r) {
                return r.toBuilder().returnConsumedCapacity(indexes).build();
            } else if (request instanceof TransactWriteItemsRequest r) {
                attributes.putAttribute(TRANSACT_ITEMS, r.transactItems().size());
                return r.toBuilder().returnConsumedCapacity(indexes).build();
            } else if (request instanceof BatchWriteItemRequest r) {
                return r.toBuilder().returnConsumedCapacity(indexes).build();
            } else if (request instanceof BatchGetItemRequest r) {
                return r.toBuilder().returnConsumedCapacity(indexes).build();
            }
            return request;
        }

        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            attributes.putAttribute(STARTED, System.nanoTime());
        }

        @Override
        public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
            SdkResponse response = context.response();
            List<ConsumedCapacity> consumed = new ArrayList<>();
            boolean write = true;
            if (response instanceof GetItemResponse r) {
                add(consumed, r.consumedCapacity());
                write = false;
            } else if (response instanceof QueryResponse r) {
                add(consumed, r.consumedCapacity());
                write = false;
            } else if (response instanceof BatchGetItemResponse r) {
                consumed.addAll(r.consumedCapacity());
                write = false;
            } else if (response instanceof PutItemResponse r) {
                add(consumed, r.consumedCapacity());
            } else if (response instanceof UpdateItemResponse r) {
                add(consumed, r.consumedCapacity());
            } else if (response instanceof DeleteItemResponse r) {
                add(consumed, r.consumedCapacity());
            } else if (response instanceof TransactWriteItemsResponse r) {
                consumed.addAll(r.consumedCapacity());
            } else if (response instanceof BatchWriteItemResponse r) {
                consumed.addAll(r.consumedCapacity());
            }
            double units = consumed.stream()
                    .mapToDouble(c -> c.capacityUnits() == null ? 0 : c.capacityUnits())
                    .sum();
            Integer transactItems = attributes.getAttribute(TRANSACT_ITEMS);
            double priced = transactItems != null ? 2.0 * transactItems : write ? units : 0;
            record(attributes, write ? units : 0, priced, write ? 0 : units);
        }

        @Override
        public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
            record(attributes, 0, 0, 0);
        }

        private void record(
                ExecutionAttributes attributes, double writeUnits, double pricedWriteUnits, double readUnits) {
            Long started = attributes.getAttribute(STARTED);
            long now = System.nanoTime();
            calls.add(new Call(
                    attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME),
                    started == null ? now : started,
                    now,
                    writeUnits,
                    pricedWriteUnits,
                    readUnits));
        }

        private static void add(List<ConsumedCapacity> consumed, ConsumedCapacity capacity) {
            if (capacity != null) {
                consumed.add(capacity);
            }
        }
    }
}
