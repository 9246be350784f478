package dev.switchboard.tests.e2e;

import static dev.switchboard.tests.e2e.LocalCloudFixture.userUri;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.switchboard.local.WsClient;
import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Request;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Attackers send thousands of generated bad frames while honest users chat in a room. Every bad
 * frame must get its error frame (in order, with a code its kind allows) or the close code
 * docs/PROTOCOL.md documents, the chat must lose and duplicate nothing, nothing an attacker sent may
 * be stored, and the server must still take new connections at the end.
 *
 * <p>Frames come from a seeded generator: the seed is printed; rerun one with {@code -Dfuzz.seed=N}.
 * The bad frames are JSON literals and text mutations on purpose (wrong types, unknown actions, broken
 * JSON: what the protocol's records cannot express); the valid ones, the honest users' included, are
 * written from the records with {@code Json.write}.
 */
class FuzzEndToEndTest {

    static final int ATTACKERS = 3;
    /**
     * 300 each: functions run as processes, at most 4 instances of a function at once on this machine
     * (ProcessRuntime.DEFAULT_MAX_INSTANCES; Lambda would scale out), so every bad frame holds an
     * instance for ~150 ms and the honest frames queue behind them: 3 x 1,000 kept the honest answers
     * waiting past the bound (198 of 240 answered). 900 bad frames still cover every kind many times.
     */
    static final int FRAMES_PER_ATTACKER = 300;

    static final int CHATTERS = 5;
    /** Each chatter sends at least this many, then goes on while the attack lasts, up to the maximum. */
    static final int MIN_MESSAGES_PER_CHATTER = 10;

    static final int MAX_MESSAGES_PER_CHATTER = 40;
    /** Well under the default send limit (10 a second), so no honest send is ever rate limited. */
    static final long CHAT_PAUSE_MILLIS = 700;

    static final String ROOM = "fuzz-lobby";
    static final Duration BOUND = Duration.ofSeconds(150);

    @RegisterExtension
    // Each attacker opens a throwaway connection per closing frame, faster than $disconnect frees its
    // slot: the per-user connection cap (10, answered 429 at the handshake) is not what this test is about.
    static final LocalCloudExtension local = LocalCloudExtension.with(
            b -> b.devAuth(true).environment(java.util.Map.of("SWITCHBOARD_MAX_CONNECTIONS_PER_USER", "1000")));

    // ------------------------------------------------------------------ the generator

    /** What a generated frame is, and what the server must answer. */
    enum Kind {
        RANDOM_TEXT(Set.of("bad_json", "unknown_action", "bad_request"), 0),
        TRUNCATED_JSON(Set.of("bad_json"), 0),
        DEEP_NESTING(Set.of("bad_json"), 0),
        NOT_AN_OBJECT(Set.of("bad_json"), 0),
        WRONG_TYPES(Set.of("bad_request", "unknown_action"), 0),
        HUGE_STRINGS(Set.of("bad_request", "too_large", "unknown_action"), 0),
        UNKNOWN_ACTION(Set.of("unknown_action"), 0),
        // frames API Gateway (here the local cloud) refuses by closing the connection
        BINARY(Set.of(), 1003),
        INVALID_UTF8(Set.of(), 1007),
        OVERSIZE_FRAME(Set.of(), 1009),
        OVERSIZE_MESSAGE(Set.of(), 1009);

        final Set<String> codes;
        final int closeCode;

        Kind(Set<String> codes, int closeCode) {
            this.codes = codes;
            this.closeCode = closeCode;
        }

        boolean closes() {
            return closeCode != 0;
        }
    }

    record BadFrame(Kind kind, String text, byte[] bytes) {}

    /** Valid frames the generator mutates as text. */
    static final String[] TEMPLATES = {
        Json.write(new Request.Send("lobby", "hello there", "m-1")),
        Json.write(new Request.Join("lobby")),
        Json.write(new Request.History("lobby", "01KAX3T8Y9ZC4Q2D7N6B5V8M1P", 50)),
        Json.write(new Request.Direct("alice", "psst", "d-1")),
    };

    static final String[] WRONG_TYPES = {
        "{\"action\":\"join\",\"room\":%d}",
        "{\"action\":\"join\",\"room\":null}",
        "{\"action\":\"join\",\"room\":[\"lobby\",%d]}",
        "{\"action\":\"join\",\"room\":\"bad room %d!\"}",
        "{\"action\":\"join\",\"room\":\"\"}",
        "{\"action\":\"leave\",\"room\":{\"n\":%d}}",
        "{\"action\":\"send\",\"room\":\"lobby\",\"text\":%d}",
        "{\"action\":\"send\",\"room\":\"lobby\",\"text\":\"   \"}",
        "{\"action\":\"send\",\"room\":\"lobby\",\"text\":\"x\",\"clientMsgId\":%d}",
        "{\"action\":\"send\",\"room\":\"lobby\",\"text\":\"x\",\"clientMsgId\":\"\"}",
        "{\"action\":\"send\",\"room\":true,\"text\":\"x%d\"}",
        "{\"action\":\"history\",\"room\":\"lobby\",\"limit\":\"%d\"}",
        "{\"action\":\"history\",\"room\":\"lobby\",\"limit\":%d.5}",
        "{\"action\":\"history\",\"room\":\"lobby\",\"limit\":-%d}",
        "{\"action\":\"history\",\"room\":\"lobby\",\"after\":%d}",
        "{\"action\":\"who\",\"room\":\"lobby\",\"after\":[%d]}",
        "{\"action\":\"direct\",\"to\":%d,\"text\":\"x\"}",
        "{\"action\":\"direct\",\"to\":\"alice\"}",
        "{\"action\":%d}",
        "{\"action\":[\"send\",%d]}",
        "{\"action\":null,\"n\":%d}",
        "{\"action\":{\"name\":\"ping\",\"n\":%d}}",
    };

    static final String[] ODD_ACTIONS = {
        "$connect", "$disconnect", "$default", "JOIN", "Send", "send ", " ping", "", "ping\u0000", "<script>"
    };

    /** One bad frame; never a valid request, so nothing an attacker sends can be stored or delivered. */
    static BadFrame generate(Random random) {
        int roll = random.nextInt(1000);
        if (roll < 10) {
            byte[] bytes = new byte[1 + random.nextInt(64)];
            random.nextBytes(bytes);
            return new BadFrame(Kind.BINARY, null, bytes);
        }
        if (roll < 20) {
            // C3 28 (bad continuation), lone continuation bytes, surrogate halves, over-long encodings, FF
            byte[][] invalid = {
                {(byte) 0xc3, 0x28},
                {(byte) 0xa0, (byte) 0xa1},
                {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
                {(byte) 0xc0, (byte) 0xaf},
                {(byte) 0xff},
                {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80}
            };
            byte[] bad = invalid[random.nextInt(invalid.length)];
            byte[] prefix = "{\"action\":\"send\",\"room\":\"lobby\",\"text\":\"".getBytes(StandardCharsets.UTF_8);
            byte[] bytes = new byte[prefix.length + bad.length + 2];
            System.arraycopy(prefix, 0, bytes, 0, prefix.length);
            System.arraycopy(bad, 0, bytes, prefix.length, bad.length);
            bytes[bytes.length - 2] = '"';
            bytes[bytes.length - 1] = '}';
            return new BadFrame(Kind.INVALID_UTF8, null, bytes);
        }
        if (roll < 25) {
            return new BadFrame(
                    Kind.OVERSIZE_FRAME,
                    null,
                    ("{\"action\":\"ping\",\"pad\":\"" + "p".repeat(33 * 1024 + random.nextInt(8 * 1024)) + "\"}")
                            .getBytes(StandardCharsets.UTF_8));
        }
        if (roll < 30) {
            return new BadFrame(
                    Kind.OVERSIZE_MESSAGE,
                    "{\"action\":\"ping\",\"pad\":\"" + "q".repeat(129 * 1024 + random.nextInt(16 * 1024)) + "\"}",
                    null);
        }
        switch (random.nextInt(7)) {
            case 0: {
                byte[] bytes = new byte[random.nextInt(200)];
                random.nextBytes(bytes);
                // decoded as the JDK client must send text: valid UTF-8 full of U+FFFD and control characters
                return new BadFrame(Kind.RANDOM_TEXT, new String(bytes, StandardCharsets.UTF_8), null);
            }
            case 1: {
                String template = TEMPLATES[random.nextInt(TEMPLATES.length)];
                return new BadFrame(
                        Kind.TRUNCATED_JSON, template.substring(0, 1 + random.nextInt(template.length() - 1)), null);
            }
            case 2: {
                int depth = random.nextInt(4) == 0 ? 10_000 : 300 + random.nextInt(9_700);
                String frame = switch (random.nextInt(4)) {
                    case 0 -> "[".repeat(depth) + "]".repeat(depth);
                    case 1 -> "{\"a\":".repeat(Math.min(depth, 5_000)) + "1" + "}".repeat(Math.min(depth, 5_000));
                    case 2 ->
                        "{\"action\":\"send\",\"room\":\"lobby\",\"text\":" + "[".repeat(depth) + "]".repeat(depth)
                                + "}";
                    default -> "[".repeat(depth); // never closed
                };
                return new BadFrame(Kind.DEEP_NESTING, frame, null);
            }
            case 3: {
                String[] values = {
                    "[]",
                    "[1,2,3]",
                    "\"just a string\"",
                    "42",
                    "-1.5e300",
                    "true",
                    "null",
                    "",
                    "[{\"action\":\"ping\"}]",
                    "\"{\\\"action\\\":\\\"ping\\\"}\""
                };
                return new BadFrame(Kind.NOT_AN_OBJECT, values[random.nextInt(values.length)], null);
            }
            case 4:
                return new BadFrame(
                        Kind.WRONG_TYPES,
                        String.format(WRONG_TYPES[random.nextInt(WRONG_TYPES.length)], 1 + random.nextInt(1_000_000)),
                        null);
            case 5: {
                int size = 5_000 + random.nextInt(25_000); // under the 32 KB frame limit
                String big = randomAlnum(random, size);
                String frame = switch (random.nextInt(5)) {
                    case 0 -> "{\"action\":\"send\",\"room\":\"lobby\",\"text\":\"" + big + "\"}";
                    case 1 -> "{\"action\":\"join\",\"room\":\"" + big + "\"}";
                    case 2 -> "{\"action\":\"" + big + "\"}";
                    case 3 -> "{\"action\":\"direct\",\"to\":\"" + big + "\",\"text\":\"x\"}";
                    default ->
                        "{\"action\":\"send\",\"room\":\"lobby\",\"text\":\"x\",\"clientMsgId\":\"" + big + "\"}";
                };
                return new BadFrame(Kind.HUGE_STRINGS, frame, null);
            }
            default: {
                String action = random.nextBoolean()
                        ? ODD_ACTIONS[random.nextInt(ODD_ACTIONS.length)]
                        : "x" + randomAlnum(random, 1 + random.nextInt(40));
                String frame = random.nextInt(5) == 0
                        ? "{\"nothing\":\"here\"}"
                        : "{\"action\":\"" + action.replace("\u0000", "\\u0000") + "\",\"room\":\"lobby\"}";
                return new BadFrame(Kind.UNKNOWN_ACTION, frame, null);
            }
        }
    }

    static String randomAlnum(Random random, int length) {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder s = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    // ------------------------------------------------------------------ the attackers

    /** What one attacker saw. */
    record AttackReport(Map<Kind, Integer> sent, int answered, List<String> problems) {}

    static AttackReport attack(int index, long seed) throws Exception {
        Random random = new Random(seed + index);
        Map<Kind, Integer> sent = new EnumMap<>(Kind.class);
        List<String> problems = new ArrayList<>();
        List<Kind> expected = new ArrayList<>();
        String user = "mallory" + index;
        try (WsClient main = WsClient.connect(userUri(local.cloud(), user))) {
            for (int i = 0; i < FRAMES_PER_ATTACKER; i++) {
                BadFrame frame = generate(random);
                sent.merge(frame.kind(), 1, Integer::sum);
                if (frame.kind().closes()) {
                    int code = sendOnThrowawayConnection(frame, "closer" + index);
                    if (code != frame.kind().closeCode) {
                        problems.add("frame " + i + " " + frame.kind() + ": close " + code + ", expected "
                                + frame.kind().closeCode);
                    }
                } else {
                    main.send(frame.text());
                    expected.add(frame.kind());
                }
            }
            // A connection's frames are handled concurrently (as on API Gateway), so answers come in any
            // order: collect them all, plus the pong of a final ping, then pair answers with frames.
            main.send(Json.write(new Request.Ping()));
            List<String> codes = new ArrayList<>();
            boolean ponged = false;
            long deadline = System.nanoTime() + BOUND.toNanos();
            while (!ponged || codes.size() < expected.size()) {
                String raw = main.frames.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                if (raw == null) {
                    problems.add("within " + BOUND + ": " + codes.size() + " of " + expected.size() + " answered, pong "
                            + (ponged ? "received" : "missing"));
                    break;
                }
                JsonObject f = JsonParser.parseString(raw).getAsJsonObject();
                String type = f.has("type") ? f.get("type").getAsString() : "(gateway) " + f;
                if (type.equals("pong") && !ponged) {
                    ponged = true;
                } else if (!type.equals("error") || !f.has("code")) {
                    problems.add("a bad frame was answered with " + abbreviate(raw));
                } else if (!f.has("message") || f.get("message").getAsString().isBlank()) {
                    problems.add("error without a message: " + raw);
                } else {
                    codes.add(f.get("code").getAsString());
                }
            }
            int answered = codes.size();
            if (answered != expected.size()) {
                problems.add(answered + " answers for " + expected.size() + " frames");
            } else if (!pairable(codes, expected)) {
                problems.add(
                        "the error codes " + codes + " cannot each answer a different one of the frames " + expected);
            }
            if (main.closeCode.isDone()) {
                problems.add("the attacker's main connection was closed");
            }
            return new AttackReport(sent, answered, problems);
        }
    }

    /**
     * Whether every answer's code can be paired with a different sent frame whose kind allows that code:
     * answers arrive in any order. Hall's theorem: for every set S of codes, the answers with a code in S
     * are no more than the frames whose kind allows some code in S (answers with one code are alike,
     * so sets of codes are all that need checking).
     */
    static boolean pairable(List<String> codes, List<Kind> kinds) {
        List<String> distinct = codes.stream().distinct().toList();
        for (int subset = 1; subset < (1 << distinct.size()); subset++) {
            Set<String> s = new HashSet<>();
            for (int i = 0; i < distinct.size(); i++) {
                if ((subset & (1 << i)) != 0) {
                    s.add(distinct.get(i));
                }
            }
            long answers = codes.stream().filter(s::contains).count();
            long frames = kinds.stream()
                    .filter(k -> k.codes.stream().anyMatch(s::contains))
                    .count();
            if (answers > frames) {
                return false;
            }
        }
        return true;
    }

    /** Frames API Gateway refuses by closing: each on a connection of its own. */
    static int sendOnThrowawayConnection(BadFrame frame, String user) throws Exception {
        switch (frame.kind()) {
            case BINARY: {
                try (WsClient client = WsClient.connect(userUri(local.cloud(), user))) {
                    client.sendBinary(frame.bytes());
                    return client.awaitClose();
                }
            }
            case OVERSIZE_MESSAGE: {
                try (WsClient client = WsClient.connect(userUri(local.cloud(), user))) {
                    client.send(frame.text()); // the JDK client fragments it: each frame is fine, the message is not
                    return client.awaitClose();
                }
            }
            default: {
                try (RawWsClient client = RawWsClient.connect(userUri(local.cloud(), user))) {
                    client.sendText(frame.bytes());
                    return client.awaitClose();
                }
            }
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }

    // ------------------------------------------------------------------ the test

    @Test
    void attackersSendingHundredsOfBadFrames_getAnErrorOrCloseForEach_whileTheChatLosesAndDuplicatesNothing()
            throws Exception {
        long seed = Long.getLong("fuzz.seed", 20_251_124L);
        System.out.println("FuzzEndToEndTest seed " + seed + " (rerun with -Dfuzz.seed=" + seed + ")");
        long started = System.nanoTime();

        List<WsClient> chatters = new ArrayList<>();
        try {
            for (int c = 0; c < CHATTERS; c++) {
                WsClient client = WsClient.connect(userUri(local.cloud(), "honest" + c));
                chatters.add(client);
                ChatEndToEndTest.join(client, ROOM, "honest" + c);
            }
            Map<String, String> senderOf = new ConcurrentHashMap<>(); // message id -> the chatter it was acked to
            ExecutorService pool = Executors.newFixedThreadPool(ATTACKERS + CHATTERS);
            try {
                List<Future<AttackReport>> attacks = new ArrayList<>();
                for (int a = 0; a < ATTACKERS; a++) {
                    int index = a;
                    attacks.add(pool.submit(() -> attack(index, seed)));
                }
                // the honest users chat for as long as the attack runs, well under the send limit
                List<Future<Integer>> chats = new ArrayList<>();
                for (int c = 0; c < CHATTERS; c++) {
                    int index = c;
                    WsClient client = chatters.get(c);
                    chats.add(pool.submit(() -> {
                        int m = 0;
                        while (m < MIN_MESSAGES_PER_CHATTER
                                || (m < MAX_MESSAGES_PER_CHATTER
                                        && !attacks.stream().allMatch(Future::isDone))) {
                            client.send(Json.write(
                                    new Request.Send(ROOM, "honest " + index + " #" + m, "h" + index + "-" + m)));
                            m++;
                            Thread.sleep(CHAT_PAUSE_MILLIS);
                        }
                        return m;
                    }));
                }
                int[] sentBy = new int[CHATTERS];
                int honestTotal = 0;
                for (int c = 0; c < CHATTERS; c++) {
                    sentBy[c] = chats.get(c).get(BOUND.toSeconds(), TimeUnit.SECONDS);
                    honestTotal += sentBy[c];
                }

                // every chatter: one ack per send, and every other chatter's message exactly once
                Map<String, Set<String>> acked = new ConcurrentHashMap<>();
                Map<String, List<String>> received = new ConcurrentHashMap<>();
                long deadline = System.nanoTime() + BOUND.toNanos();
                for (int c = 0; c < CHATTERS; c++) {
                    String user = "honest" + c;
                    int expectedFrames = honestTotal; // an ack for each own send, the others' messages once each
                    Set<String> acks = new HashSet<>();
                    List<String> messages = new ArrayList<>();
                    while (acks.size() + messages.size() < expectedFrames) {
                        String raw = chatters.get(c)
                                .frames
                                .poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                        assertThat(raw)
                                .as(user + " waited for acks and messages: " + acks.size() + " + " + messages.size()
                                        + " of " + expectedFrames)
                                .isNotNull();
                        JsonObject f = JsonParser.parseString(raw).getAsJsonObject();
                        String type = f.has("type") ? f.get("type").getAsString() : raw;
                        switch (type) {
                            case "ack" -> {
                                assertThat(acks.add(f.get("clientMsgId").getAsString()))
                                        .as("one ack per send")
                                        .isTrue();
                                senderOf.put(f.get("id").getAsString(), user);
                            }
                            case "message" -> messages.add(f.get("id").getAsString());
                            case "presence" -> {}
                            default -> throw new AssertionError(user + " got " + abbreviate(raw));
                        }
                    }
                    acked.put(user, acks);
                    received.put(user, messages);
                }
                for (int c = 0; c < CHATTERS; c++) {
                    String user = "honest" + c;
                    List<String> messages = received.get(user);
                    assertThat(acked.get(user)).as(user + " acks").hasSize(sentBy[c]);
                    assertThat(messages).as(user).doesNotHaveDuplicates().hasSize(honestTotal - sentBy[c]);
                    assertThat(messages)
                            .as(user + " gets only others' messages")
                            .allSatisfy(id ->
                                    assertThat(senderOf.get(id)).isNotNull().isNotEqualTo(user));
                }
                assertThat(senderOf).hasSize(honestTotal);

                // the attack: every bad frame answered as documented, no attacker connection lost
                int frames = 0;
                Map<Kind, Integer> kinds = new EnumMap<>(Kind.class);
                List<String> problems = new ArrayList<>();
                for (Future<AttackReport> attack : attacks) {
                    AttackReport report = attack.get(BOUND.toSeconds(), TimeUnit.SECONDS);
                    report.sent().forEach((k, n) -> kinds.merge(k, n, Integer::sum));
                    frames += report.sent().values().stream()
                            .mapToInt(Integer::intValue)
                            .sum();
                    problems.addAll(report.problems());
                }
                System.out.printf(
                        "FuzzEndToEndTest: %d bad frames from %d attackers (%s) and %d honest messages in %.1f s%n",
                        frames, ATTACKERS, kinds, senderOf.size(), (System.nanoTime() - started) / 1e9);
                assertThat(problems).as("problems").isEmpty();
                assertThat(frames).isEqualTo(ATTACKERS * FRAMES_PER_ATTACKER);
                assertThat(kinds.keySet()).as("every kind was generated").containsAll(List.of(Kind.values()));

                // the table: exactly the honest messages; the attackers' main connections are still
                // registered, the connections closed for bad frames are gone ($disconnect ran)
                assertThat(local.table().messageIds(ROOM)).containsExactlyInAnyOrderElementsOf(senderOf.keySet());
                assertThat(local.table().messages("lobby"))
                        .as("nothing an attacker sent was stored")
                        .isEmpty();
                assertThat(local.table().memberConnections("lobby")).isEmpty();
                for (int a = 0; a < ATTACKERS; a++) {
                    String closer = "closer" + a;
                    await().atMost(Duration.ofSeconds(20))
                            .untilAsserted(() -> assertThat(local.table().connectionsOf(closer))
                                    .isEmpty());
                }
            } finally {
                pool.shutdownNow();
            }

            // the server is alive: a new connection joins, sends and reads history
            try (WsClient late = WsClient.connect(userUri(local.cloud(), "latecomer"))) {
                ChatEndToEndTest.join(late, ROOM, "latecomer");
                String id = ChatEndToEndTest.send(late, ROOM, "still standing", "late-1");
                for (WsClient chatter : chatters) {
                    assertThat(chatter.nextOfType("message").get("id").getAsString())
                            .isEqualTo(id);
                }
                late.send(Json.write(new Request.History(ROOM, null, 100)));
                assertThat(late.nextOfType("history").getAsJsonArray("messages"))
                        .hasSize(Math.min(100, senderOf.size() + 1));
            }
            System.out.printf("FuzzEndToEndTest: done in %.1f s%n", (System.nanoTime() - started) / 1e9);
        } finally {
            chatters.forEach(WsClient::close);
        }
    }
}
