package dev.switchboard.tests.e2e;

import static dev.switchboard.tests.e2e.LocalCloudFixture.userUri;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.google.gson.JsonParser;

/**
 * A room larger than one fan-out chunk: the Message function posts the first page itself and
 * publishes every further page to the SNS topic, where Broadcast function instances post them
 * (on AWS in parallel). Every member must get every message exactly once, and the chunks must
 * really have gone through SNS and the Broadcast function.
 */
class ChunkedFanOutEndToEndTest {

    static final int CHUNK = 4;
    static final int MEMBERS = 13;
    static final int MESSAGES = 3;
    static final String ROOM = "chunked";
    /** What the Broadcast function logs for each chunk it delivered. */
    static final Pattern CHUNK_LINE = Pattern.compile("sns \\S+ delivered=(\\d+) gone=(\\d+) failed=(\\d+)");

    @RegisterExtension
    static final LocalCloudExtension local = LocalCloudExtension.with(b -> b.devAuth(true)
            .environment(Map.of("SWITCHBOARD_FANOUT_CHUNK_SIZE", Integer.toString(CHUNK),
                    "SWITCHBOARD_SEND_RATE_PER_SECOND", "0")));

    @Test
    void roomLargerThanAChunk_everyMemberGetsEveryMessageOnce_viaSnsChunks() throws Exception {
        List<WsClient> members = new ArrayList<>();
        try (LogCapture log = new LogCapture(); WsClient sender = WsClient.connect(userUri(local.cloud(), "chunk-sender"))) {
            for (int i = 0; i < MEMBERS; i++) {
                WsClient member = WsClient.connect(userUri(local.cloud(), "chunk-member" + i));
                members.add(member);
                ChatEndToEndTest.join(member, ROOM, "chunk-member" + i);
            }
            ChatEndToEndTest.join(sender, ROOM, "chunk-sender");
            int audience = MEMBERS + 1; // the sender is a member too
            // presence goes out in chunks too: wait until the last join's has reached everyone and its
            // chunks are all logged, then count only what the messages add
            for (WsClient member : members) {
                member.next(f -> ChatEndToEndTest.presence(f, "join", "chunk-sender"));
            }
            int presenceChunks = settled(log, CHUNK_LINE).size();

            List<String> sent = new ArrayList<>();
            for (int m = 0; m < MESSAGES; m++) {
                sent.add(ChatEndToEndTest.send(sender, ROOM, "chunked " + m, "c-" + m));
            }

            for (WsClient member : members) {
                List<String> got = new ArrayList<>();
                for (int m = 0; m < MESSAGES; m++) {
                    got.add(member.nextOfType("message").get("id").getAsString());
                }
                assertThat(got).containsExactlyInAnyOrderElementsOf(sent);
            }
            // a quiet second: a chunk delivered twice would show up as a further copy
            TimeUnit.SECONDS.sleep(1);
            for (WsClient member : members) {
                assertThat(member.frames.stream().map(f -> JsonParser.parseString(f).getAsJsonObject())
                        .filter(f -> f.get("type").getAsString().equals("message"))).as("no second copies").isEmpty();
            }

            // each message: the first page of the room (14 with the sender) posted by the Message function,
            // each further page a chunk delivered by the Broadcast function; the sender gets an ack instead
            int chunksPerMessage = (audience + CHUNK - 1) / CHUNK - 1;
            List<Matcher> allChunkLines = settled(log, CHUNK_LINE);
            List<Matcher> chunkLines = allChunkLines.subList(presenceChunks, allChunkLines.size());
            List<Matcher> sendLines = log.matching(Pattern.compile("send \\S+ to " + ROOM + ": delivered=(\\d+) gone=(\\d+) failed=(\\d+)"));
            assertThat(chunkLines).hasSize(chunksPerMessage * MESSAGES);
            assertThat(sendLines).hasSize(MESSAGES);
            Map<String, Integer> totals = new HashMap<>();
            for (List<Matcher> lines : List.of(chunkLines, sendLines)) {
                lines.forEach(m -> {
                    totals.merge("delivered", Integer.parseInt(m.group(1)), Integer::sum);
                    totals.merge("not delivered", Integer.parseInt(m.group(2)) + Integer.parseInt(m.group(3)), Integer::sum);
                });
            }
            assertThat(totals).containsEntry("delivered", MEMBERS * MESSAGES).containsEntry("not delivered", 0);
            assertThat(chunkLines.stream().mapToInt(m -> Integer.parseInt(m.group(1))).sum())
                    .as("most of the room went through SNS").isGreaterThanOrEqualTo((audience - CHUNK) * MESSAGES - MESSAGES);
        } finally {
            members.forEach(WsClient::close);
        }
    }

    /**
     * The lines matching once no new one has appeared for half a second (bounded): a chunk's line is
     * logged after its frames reach the members, so seeing the frames does not mean seeing the line.
     */
    static List<Matcher> settled(LogCapture log, Pattern pattern) throws InterruptedException {
        List<Matcher> lines = log.matching(pattern);
        for (int i = 0; i < 40; i++) {
            TimeUnit.MILLISECONDS.sleep(500);
            List<Matcher> now = log.matching(pattern);
            if (now.size() == lines.size()) {
                return now;
            }
            lines = now;
        }
        return lines;
    }
}
