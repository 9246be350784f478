package dev.switchboard.core;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.switchboard.core.store.Home;
import dev.switchboard.core.store.Member;

/**
 * Hands part of a large fan-out to another function instance (SNS → BroadcastHandler on AWS), so
 * a room of thousands, or everyone, is delivered by many instances in parallel instead of one
 * looping. Chunks travel on the internal fan-out topic only ({@link Config#FANOUT_TOPIC_ARN}):
 * a chunk makes any frame reach any connection, so it must never come from outside.
 */
public interface ChunkPublisher {

    /** SNS message attribute that says which kind of chunk a message is. */
    String KIND_ATTRIBUTE = "switchboard.kind";
    /** {@link FanOutChunk}: a frame and the connection ids to post it to. */
    String KIND_CHUNK = "fanout-chunk";
    /** {@link ShardChunk}: a frame for every connection of one shard of the byShard index. */
    String KIND_SHARD = "fanout-shard";

    /** Publishes one chunk; throws (the SDK's exception) when SNS refuses it. */
    void publish(FanOutChunk chunk);

    /**
     * Publishes one message per shard (in batches of 10, SNS's PublishBatch limit); throws when SNS
     * refuses any of them, naming how many.
     */
    void publishShards(List<ShardChunk> shards);

    /**
     * The SNS message body of a chunk: the frame, encoded once, and who gets it.
     *
     * @param connectionIds the recipients in the publisher's (and so the delivering function's) region
     * @param frame the frame, as sent
     * @param elsewhere with several regions, the recipients living in other regions, by home
     *     ({@link Home#toAttribute()}, each written once so a chunk of 1,000 stays far below SNS's
     *     256 KB); null when there are none
     */
    record FanOutChunk(List<String> connectionIds, String frame, Map<String, List<String>> elsewhere) {

        /** A chunk whose recipients all live in the publisher's region. */
        public FanOutChunk(List<String> connectionIds, String frame) {
            this(connectionIds, frame, null);
        }

        /** A chunk of these members; those with a home recorded travel under it. */
        public static FanOutChunk of(List<Member> members, String frame) {
            List<String> here = new ArrayList<>();
            Map<String, List<String>> elsewhere = new LinkedHashMap<>();
            for (Member m : members) {
                if (m.home() == null) {
                    here.add(m.connectionId());
                } else {
                    elsewhere.computeIfAbsent(m.home().toAttribute(), h -> new ArrayList<>()).add(m.connectionId());
                }
            }
            return new FanOutChunk(here, frame, elsewhere.isEmpty() ? null : elsewhere);
        }

        /** The recipients, each with its home (null: the delivering function's region). */
        public List<Member> members() {
            List<Member> members = new ArrayList<>();
            if (connectionIds != null) {
                connectionIds.forEach(id -> members.add(new Member(id, null)));
            }
            if (elsewhere != null) {
                elsewhere.forEach((home, ids) -> {
                    Home parsed = Home.parse(home);
                    ids.forEach(id -> members.add(new Member(id, null, parsed)));
                });
            }
            return members;
        }
    }

    /** The SNS message body of a shard chunk: the frame, and the shard (0 .. allShards-1) whose connections get it. */
    record ShardChunk(int shard, String frame) {
    }
}
