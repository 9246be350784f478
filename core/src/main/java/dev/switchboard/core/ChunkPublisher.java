package dev.switchboard.core;

import dev.switchboard.core.store.Home;
import dev.switchboard.core.store.Member;
import dev.switchboard.protocol.FanOutChunk;
import dev.switchboard.protocol.ShardChunk;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hands part of a large fan-out to another function instance (SNS → BroadcastHandler on AWS), so
 * a room of thousands, or everyone, is delivered by many instances in parallel instead of one
 * looping. The chunks' wire format ({@link FanOutChunk}, {@link ShardChunk}) is the protocol module's. Chunks travel on the internal fan-out topic only ({@link Config#FANOUT_TOPIC_ARN}):
 * a chunk makes any frame reach any connection, so it must never come from outside.
 */
public interface ChunkPublisher {

    /** Publishes one chunk; throws (the SDK's exception) when SNS refuses it. */
    void publish(FanOutChunk chunk);

    /**
     * Publishes one message per shard (in batches of 10, SNS's PublishBatch limit); throws when SNS
     * refuses any of them, naming how many.
     */
    void publishShards(List<ShardChunk> shards);

    /**
     * A chunk of these members, for {@link #publish}: those with a home recorded (several regions)
     * travel under it in {@link FanOutChunk#elsewhere()}.
     */
    static FanOutChunk chunkOf(List<Member> members, String frame) {
        List<String> here = new ArrayList<>();
        Map<String, List<String>> elsewhere = new LinkedHashMap<>();
        for (Member m : members) {
            if (m.home() == null) {
                here.add(m.connectionId());
            } else {
                elsewhere
                        .computeIfAbsent(m.home().toAttribute(), h -> new ArrayList<>())
                        .add(m.connectionId());
            }
        }
        return new FanOutChunk(here, frame, elsewhere.isEmpty() ? null : elsewhere);
    }

    /** A chunk's recipients, each with its home (null: the delivering function's region). */
    static List<Member> recipients(FanOutChunk chunk) {
        List<Member> members = new ArrayList<>();
        if (chunk.connectionIds() != null) {
            chunk.connectionIds().forEach(id -> members.add(new Member(id, null)));
        }
        if (chunk.elsewhere() != null) {
            chunk.elsewhere().forEach((home, ids) -> {
                Home parsed = Home.parse(home);
                ids.forEach(id -> members.add(new Member(id, null, parsed)));
            });
        }
        return members;
    }
}
