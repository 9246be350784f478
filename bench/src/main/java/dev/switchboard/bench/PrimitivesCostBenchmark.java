package dev.switchboard.bench;

import dev.switchboard.bench.SendCostBenchmark.Call;
import dev.switchboard.bench.SendCostBenchmark.CallRecorder;
import dev.switchboard.core.ChatService;
import dev.switchboard.core.auth.Identity;
import dev.switchboard.core.aws.DynamoChatStore;
import dev.switchboard.core.fanout.ConnectionPoster.PostStatus;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What one typing, read receipt, edit and delete costs (issue 17 item 6): {@code @connections}
 * posts and DynamoDB requests and capacity units, for rooms of several sizes. As
 * {@link SendCostBenchmark}: the chat service in this JVM against the DynamoDB Local of an
 * in-process local cloud (table from template.yaml), the deployed send limit on, posts counted by a
 * recorder instead of {@code @connections}; write units as DynamoDB Local reports them and as
 * DynamoDB prices them (2 per item of a transaction). Each event is measured once, as the first of
 * its presence window (the one that is announced); a typing inside the window is measured too.
 */
public final class PrimitivesCostBenchmark {

    /** One event in a room of {@code members}: posts (answers to the caller included), requests, units. */
    public record Row(
            String event,
            int members,
            int posts,
            int requests,
            double writeUnits,
            double pricedWriteUnits,
            double readUnits) {}

    private final PrintStream progress;

    public PrimitivesCostBenchmark(PrintStream progress) {
        this.progress = progress;
    }

    public List<Row> run(Path template, List<Integer> sizes) throws Exception {
        List<Row> rows = new ArrayList<>();
        AtomicInteger posts = new AtomicInteger();
        try (CostRig rig = CostRig.start(template, (connectionId, frame) -> {
            posts.incrementAndGet();
            return CompletableFuture.completedFuture(PostStatus.DELIVERED);
        })) {
            CallRecorder recorder = rig.recorder;
            ChatService chat = rig.chat;
            DynamoChatStore store = rig.store;
            for (int size : sizes) {
                String room = "prims-" + size;
                for (int i = 0; i < size; i++) {
                    String id = room + "-member-" + i;
                    chat.connect(id, new Identity("user" + i, false), System.currentTimeMillis());
                    chat.handle(id, Json.write(new Request.Join(room)));
                }
                String author = room + "-member-0";
                String reader = room + "-member-1";
                chat.handle(author, Json.write(new Request.Send(room, "x".repeat(100), "m")));
                String id = store.history(room, null, 1).items().get(0).id();
                rows.add(measure(
                        "typing (announced)",
                        size,
                        recorder,
                        posts,
                        () -> chat.handle(author, Json.write(new Request.Typing(room)))));
                rows.add(measure(
                        "typing (inside the window)",
                        size,
                        recorder,
                        posts,
                        () -> chat.handle(author, Json.write(new Request.Typing(room)))));
                rows.add(measure(
                        "read (announced)",
                        size,
                        recorder,
                        posts,
                        () -> chat.handle(reader, Json.write(new Request.Read(room, id)))));
                rows.add(measure(
                        "edit",
                        size,
                        recorder,
                        posts,
                        () -> chat.handle(author, Json.write(new Request.Edit(room, id, "y".repeat(100), null)))));
                rows.add(measure(
                        "delete",
                        size,
                        recorder,
                        posts,
                        () -> chat.handle(author, Json.write(new Request.Delete(room, id, null)))));
                rows.add(measure(
                        "join with an unread count",
                        size,
                        recorder,
                        posts,
                        () -> chat.handle(reader, Json.write(new Request.Join(room)))));
            }
            return rows;
        }
    }

    private Row measure(String event, int members, CallRecorder recorder, AtomicInteger posts, Runnable action) {
        recorder.clear();
        posts.set(0);
        action.run();
        List<Call> calls = recorder.calls();
        Row row = new Row(
                event,
                members,
                posts.get(),
                calls.size(),
                calls.stream().mapToDouble(Call::writeUnits).sum(),
                calls.stream().mapToDouble(Call::pricedWriteUnits).sum(),
                calls.stream().mapToDouble(Call::readUnits).sum());
        progress.printf("primitives cost: %s%n", row);
        return row;
    }
}
