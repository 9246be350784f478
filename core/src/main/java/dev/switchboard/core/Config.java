package dev.switchboard.core;

import dev.switchboard.core.store.SendRate;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a function is configured with, read once from its environment: the process
 * environment (on Lambda, and in the local cloud, which starts each function instance as a process
 * with the template's variables), or a map in tests. Service endpoints are not here: the SDK reads
 * its standard {@code AWS_ENDPOINT_URL_<SERVICE>} variables itself.
 */
public record Config(
        String tableName,
        URI managementEndpoint,
        Optional<String> fanoutTopicArn,
        String region,
        boolean devAuth,
        Optional<String> jwtSecret,
        Optional<URI> jwksUrl,
        Optional<String> jwtIssuer,
        Optional<String> jwtAudience,
        int presenceMaxMembers,
        int fanoutChunkSize,
        int fanoutConcurrency,
        int allShards,
        long connectionTtlSeconds,
        int messageRetentionDays,
        int maxTextLength,
        int maxRoomsPerConnection,
        int historyPageLimit,
        int sendRatePerSecond,
        int sendBurst,
        DirectPolicy directPolicy,
        int maxConnectionsPerUser,
        long presenceWindowMillis,
        String roomsClaim,
        List<String> publicRooms,
        String userClaim,
        Optional<String> nameClaim,
        int tokenLeewaySeconds,
        String metricsNamespace,
        String serviceName,
        List<String> regions,
        int inboxRetentionDays,
        java.util.Set<InboxTarget> inboxNotifications) {

    public static final String TABLE = "SWITCHBOARD_TABLE";
    public static final String MANAGEMENT_ENDPOINT = "SWITCHBOARD_MANAGEMENT_ENDPOINT";
    /**
     * The internal SNS topic for chunks of large fan-outs: only Switchboard's functions may publish
     * to it, and the Broadcast function accepts chunks from it alone (never from the public topic).
     */
    public static final String FANOUT_TOPIC_ARN = "SWITCHBOARD_FANOUT_TOPIC_ARN";

    public static final String DEV_AUTH = "SWITCHBOARD_DEV_AUTH";
    public static final String JWT_SECRET = "SWITCHBOARD_JWT_SECRET";
    /** The shortest HS256 secret accepted, in bytes (UTF-8): 256 bits, RFC 7518 section 3.2. */
    public static final int MIN_JWT_SECRET_BYTES = 32;

    public static final String JWKS_URL = "SWITCHBOARD_JWKS_URL";
    public static final String JWT_ISSUER = "SWITCHBOARD_JWT_ISSUER";
    public static final String JWT_AUDIENCE = "SWITCHBOARD_JWT_AUDIENCE";
    public static final String PRESENCE_MAX_MEMBERS = "SWITCHBOARD_PRESENCE_MAX_MEMBERS";
    public static final String FANOUT_CHUNK_SIZE = "SWITCHBOARD_FANOUT_CHUNK_SIZE";
    public static final String FANOUT_CONCURRENCY = "SWITCHBOARD_FANOUT_CONCURRENCY";
    public static final String ALL_SHARDS = "SWITCHBOARD_ALL_SHARDS";
    public static final String CONNECTION_TTL_SECONDS = "SWITCHBOARD_CONNECTION_TTL_SECONDS";
    public static final String MESSAGE_RETENTION_DAYS = "SWITCHBOARD_MESSAGE_RETENTION_DAYS";
    public static final String MAX_TEXT_LENGTH = "SWITCHBOARD_MAX_TEXT_LENGTH";
    public static final String MAX_ROOMS_PER_CONNECTION = "SWITCHBOARD_MAX_ROOMS_PER_CONNECTION";
    public static final String HISTORY_PAGE_LIMIT = "SWITCHBOARD_HISTORY_PAGE_LIMIT";
    /**
     * Per-connection token bucket over every action (the name predates that: it once counted only
     * {@code send} and {@code direct}): steady rate per second; 0 turns the limit off.
     */
    public static final String SEND_RATE_PER_SECOND = "SWITCHBOARD_SEND_RATE_PER_SECOND";
    /** Per-connection token bucket over every action: how many may come at once. */
    public static final String SEND_BURST = "SWITCHBOARD_SEND_BURST";
    /** {@code any} (default), {@code shared-room} or {@code off}: see {@link DirectPolicy}. */
    public static final String DIRECT_POLICY = "SWITCHBOARD_DIRECT_POLICY";
    /** Live connections one user may hold; the handshake of one more is refused with 429. 0 = no cap. */
    public static final String MAX_CONNECTIONS_PER_USER = "SWITCHBOARD_MAX_CONNECTIONS_PER_USER";
    /** One user's presence in one room is announced at most once per this many milliseconds (join/leave flapping). */
    public static final String PRESENCE_WINDOW_MS = "SWITCHBOARD_PRESENCE_WINDOW_MS";
    /** The JWT claim holding the room permissions (docs/PROTOCOL.md, "Room permissions"); default {@code rooms}. */
    public static final String ROOMS_CLAIM = "SWITCHBOARD_ROOMS_CLAIM";
    /**
     * Room patterns anyone connected may join, send to and read ({@code ,}-separated, exact or
     * {@code prefix*}); unset = {@code lobby}, set but empty = no public room.
     */
    public static final String PUBLIC_ROOMS = "SWITCHBOARD_PUBLIC_ROOMS";
    /** The JWT claim that is the user id; default {@code sub}. Never replaced by another claim. */
    public static final String USER_CLAIM = "SWITCHBOARD_USER_CLAIM";
    /** The JWT claim with a display name, sent as {@code name} beside the user id; default {@code name}, empty = none. */
    public static final String NAME_CLAIM = "SWITCHBOARD_NAME_CLAIM";
    /** Seconds a connection keeps working after its token's {@code exp} (clock skew, a refresh in flight); default 30. */
    public static final String TOKEN_LEEWAY_SECONDS = "SWITCHBOARD_TOKEN_LEEWAY_SECONDS";
    /**
     * Days an inbox item (a notification to one user, a direct message) is kept; it expires at the end
     * of that UTC day. Default 30.
     */
    public static final String INBOX_RETENTION_DAYS = "SWITCHBOARD_INBOX_RETENTION_DAYS";
    /**
     * Which notifications are also stored in inboxes: targets ({@link InboxTarget}) separated by {@code ,};
     * unset = {@code user} (notifications to one user); {@code user,room} adds room-wide ones, stored for each
     * user with a connection in the room; {@code user,room,all} adds those to everyone, stored for each user
     * connected then; {@code none} stores none. Direct messages are always stored.
     */
    public static final String INBOX_NOTIFICATIONS = "SWITCHBOARD_INBOX_NOTIFICATIONS";

    public static final String REGION = "AWS_REGION";
    /**
     * The regions one stack runs in over one DynamoDB global table ({@code ,}-separated, the
     * template's ReplicaRegions); unset or empty = this region only. When set, every connection's
     * items record its region and endpoint ({@link dev.switchboard.core.store.Home}) and fan-outs
     * post each recipient through its own region's {@code @connections} endpoint.
     */
    public static final String REGIONS = "SWITCHBOARD_REGIONS";
    /** CloudWatch namespace of the functions' metrics (Powertools' variable). */
    public static final String METRICS_NAMESPACE = "POWERTOOLS_METRICS_NAMESPACE";
    /** The {@code Service} dimension of every metric (Powertools' variable): the stack name in template.yaml. */
    public static final String SERVICE_NAME = "POWERTOOLS_SERVICE_NAME";

    /** Variables a function cannot start without: the template must set each. */
    public static final List<String> REQUIRED = List.of(TABLE, MANAGEMENT_ENDPOINT);
    /** Variables with a default (or off when empty). */
    public static final List<String> OPTIONAL = List.of(
            FANOUT_TOPIC_ARN,
            DEV_AUTH,
            JWT_SECRET,
            JWKS_URL,
            JWT_ISSUER,
            JWT_AUDIENCE,
            PRESENCE_MAX_MEMBERS,
            FANOUT_CHUNK_SIZE,
            FANOUT_CONCURRENCY,
            ALL_SHARDS,
            CONNECTION_TTL_SECONDS,
            MESSAGE_RETENTION_DAYS,
            MAX_TEXT_LENGTH,
            MAX_ROOMS_PER_CONNECTION,
            HISTORY_PAGE_LIMIT,
            SEND_RATE_PER_SECOND,
            SEND_BURST,
            DIRECT_POLICY,
            MAX_CONNECTIONS_PER_USER,
            ROOMS_CLAIM,
            PUBLIC_ROOMS,
            USER_CLAIM,
            NAME_CLAIM,
            TOKEN_LEEWAY_SECONDS,
            INBOX_RETENTION_DAYS,
            INBOX_NOTIFICATIONS,
            REGION,
            METRICS_NAMESPACE,
            SERVICE_NAME,
            REGIONS);

    /** Reads the configuration; fails naming the variable that is missing or malformed. */
    public static Config fromEnv(Map<String, String> env) {
        int sendRate = integer(env, SEND_RATE_PER_SECOND, 10);
        int sendBurst = integer(env, SEND_BURST, 20);
        if (sendRate < 0) {
            throw new IllegalStateException(
                    "Environment variable " + SEND_RATE_PER_SECOND + " must be 0 (off) or more, got " + sendRate);
        }
        if (sendRate > 0 && sendBurst < 1) {
            throw new IllegalStateException(
                    "Environment variable " + SEND_BURST + " must be 1 or more, got " + sendBurst);
        }
        DirectPolicy directPolicy;
        try {
            directPolicy = optional(env, DIRECT_POLICY).map(DirectPolicy::parse).orElse(DirectPolicy.ANY);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("Environment variable " + DIRECT_POLICY + ": " + e.getMessage());
        }
        int maxConnectionsPerUser = integer(env, MAX_CONNECTIONS_PER_USER, 10);
        if (maxConnectionsPerUser < 0) {
            throw new IllegalStateException("Environment variable " + MAX_CONNECTIONS_PER_USER
                    + " must be 0 (no cap) or more, got " + maxConnectionsPerUser);
        }
        Optional<String> jwtSecret = optional(env, JWT_SECRET);
        if (jwtSecret.isPresent() && jwtSecret.get().getBytes(StandardCharsets.UTF_8).length < MIN_JWT_SECRET_BYTES) {
            // RFC 7518 section 3.2: an HS256 key must be at least as long as the hash (256 bits). Refused here, at
            // the function's start, rather than by the verifier on every token (nimbus throws KeyLengthException).
            throw new IllegalStateException("Environment variable " + JWT_SECRET + " is "
                    + jwtSecret.get().getBytes(StandardCharsets.UTF_8).length + " bytes; HS256 needs at least "
                    + MIN_JWT_SECRET_BYTES + ": generate one with `openssl rand -base64 32`");
        }
        Optional<URI> jwksUrl = optional(env, JWKS_URL).map(URI::create);
        if (jwksUrl.isPresent()) {
            // A JWKS (a Cognito user pool) signs tokens for every app client of the pool, and other
            // pools' keys are public: without iss and aud any of them would be accepted.
            for (String name : List.of(JWT_ISSUER, JWT_AUDIENCE)) {
                if (optional(env, name).isEmpty()) {
                    throw new IllegalStateException("Environment variable " + name + " is required with " + JWKS_URL
                            + ": set the template parameter "
                            + (name.equals(JWT_ISSUER)
                                    ? "JwtIssuer (the user pool's "
                                            + "https://cognito-idp.REGION.amazonaws.com/POOL_ID)"
                                    : "JwtAudience (the app client id)"));
                }
            }
        }
        int inboxRetentionDays = integer(env, INBOX_RETENTION_DAYS, 30);
        if (inboxRetentionDays < 1) {
            throw new IllegalStateException("Environment variable " + INBOX_RETENTION_DAYS
                    + " must be 1 or more (days), got " + inboxRetentionDays);
        }
        java.util.Set<InboxTarget> inboxNotifications;
        try {
            inboxNotifications = java.util.Collections.unmodifiableSet(optional(env, INBOX_NOTIFICATIONS)
                    .map(InboxTarget::parseList)
                    .orElse(java.util.EnumSet.of(InboxTarget.USER)));
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("Environment variable " + INBOX_NOTIFICATIONS + ": " + e.getMessage()
                    + " (template parameter InboxNotifications)");
        }
        int leeway = integer(env, TOKEN_LEEWAY_SECONDS, 30);
        if (leeway < 0) {
            throw new IllegalStateException(
                    "Environment variable " + TOKEN_LEEWAY_SECONDS + " must be 0 or more, got " + leeway);
        }
        return new Config(
                required(env, TABLE),
                URI.create(stripSlash(required(env, MANAGEMENT_ENDPOINT))),
                optional(env, FANOUT_TOPIC_ARN),
                optional(env, REGION).orElse("us-east-1"),
                optional(env, DEV_AUTH).map(v -> v.equalsIgnoreCase("true")).orElse(false),
                jwtSecret,
                jwksUrl,
                optional(env, JWT_ISSUER),
                optional(env, JWT_AUDIENCE),
                integer(env, PRESENCE_MAX_MEMBERS, 100),
                // One invocation posts this many itself; on AWS each further chunk is one SNS-triggered
                // invocation, so delivery to big rooms runs on many instances in parallel.
                integer(env, FANOUT_CHUNK_SIZE, 1000),
                integer(env, FANOUT_CONCURRENCY, 64),
                integer(env, ALL_SHARDS, 16),
                // API Gateway closes every connection after 2 h; the margin covers clock skew.
                integer(env, CONNECTION_TTL_SECONDS, 7500),
                integer(env, MESSAGE_RETENTION_DAYS, 7),
                integer(env, MAX_TEXT_LENGTH, 4000),
                integer(env, MAX_ROOMS_PER_CONNECTION, 50),
                integer(env, HISTORY_PAGE_LIMIT, 100),
                // A person types far below 10 messages a second; a paste of several lines or a client
                // retrying after a reconnect stays within the burst of 20.
                sendRate,
                sendBurst,
                directPolicy,
                // a person with a phone, a laptop and a few tabs; a script opening hundreds is refused
                maxConnectionsPerUser,
                // a few seconds: a flapping client costs one presence event per window, a real leave shows soon
                integer(env, PRESENCE_WINDOW_MS, 3000),
                optional(env, ROOMS_CLAIM).orElse("rooms"),
                publicRooms(env),
                optional(env, USER_CLAIM).orElse("sub"),
                env.containsKey(NAME_CLAIM) ? optional(env, NAME_CLAIM) : Optional.of("name"),
                leeway,
                optional(env, METRICS_NAMESPACE).orElse("Switchboard"),
                optional(env, SERVICE_NAME).orElse("switchboard"),
                regions(env),
                inboxRetentionDays,
                inboxNotifications);
    }

    private static List<String> regions(Map<String, String> env) {
        List<String> regions = optional(env, REGIONS)
                .map(v -> java.util.Arrays.stream(v.split(","))
                        .map(String::trim)
                        .filter(r -> !r.isEmpty())
                        .toList())
                .orElse(List.of());
        for (String region : regions) {
            if (!region.matches("[a-z0-9-]+")) {
                throw new IllegalStateException("Environment variable " + REGIONS + ": '" + region
                        + "' is not a region name such as eu-west-1; separate regions with ','");
            }
        }
        if (!regions.isEmpty() && !regions.contains(optional(env, REGION).orElse("us-east-1"))) {
            throw new IllegalStateException("Environment variable " + REGIONS + " (" + String.join(",", regions)
                    + ") does not list this function's region "
                    + optional(env, REGION).orElse("us-east-1")
                    + ": deploy the stack only to regions of the template parameter ReplicaRegions");
        }
        return List.copyOf(regions);
    }

    /**
     * Where this function's connections live, recorded on their items so other regions can reach
     * them; empty when the stack runs in one region ({@link #REGIONS} unset).
     */
    public Optional<dev.switchboard.core.store.Home> home() {
        return regions.isEmpty()
                ? Optional.empty()
                : Optional.of(new dev.switchboard.core.store.Home(region, managementEndpoint));
    }

    private static List<String> publicRooms(Map<String, String> env) {
        String value = env.get(PUBLIC_ROOMS);
        if (value == null) {
            return List.of("lobby");
        }
        List<String> patterns = java.util.Arrays.stream(value.split(","))
                .map(String::trim)
                .filter(p -> !p.isEmpty())
                .toList();
        for (String pattern : patterns) {
            if (!dev.switchboard.core.auth.RoomGrants.isValidPattern(pattern)) {
                throw new IllegalStateException("Environment variable " + PUBLIC_ROOMS + ": '" + pattern + "' is not "
                        + dev.switchboard.core.auth.RoomGrants.describePattern() + "; separate patterns with ','");
            }
        }
        return patterns;
    }

    /** The per-connection token bucket over every action; empty when it is off. */
    public Optional<SendRate> sendRate() {
        return sendRatePerSecond > 0 ? Optional.of(new SendRate(sendRatePerSecond, sendBurst)) : Optional.empty();
    }

    private static String required(Map<String, String> env, String name) {
        return optional(env, name)
                .orElseThrow(() -> new IllegalStateException("Environment variable " + name
                        + " is not set: set it in template.yaml (the local cloud reads it from there)"));
    }

    private static Optional<String> optional(Map<String, String> env, String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    private static int integer(Map<String, String> env, String name, int fallback) {
        return optional(env, name)
                .map(v -> {
                    try {
                        return Integer.parseInt(v);
                    } catch (NumberFormatException e) {
                        throw new IllegalStateException(
                                "Environment variable " + name + " must be a whole number, got '" + v + "'");
                    }
                })
                .orElse(fallback);
    }

    private static String stripSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
