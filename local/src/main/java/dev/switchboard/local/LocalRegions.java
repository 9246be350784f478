package dev.switchboard.local;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stack deployed to several regions, on one machine (issue 20): per region a {@link LocalCloud}
 * of its own (gateway on its own port with its own stage URL and {@code @connections}, the
 * template's functions with that region's {@code AWS_REGION} and management endpoint, its own SNS
 * endpoint and topics), all over one DynamoDB Local that stands in for the global table's replicas.
 * The template is read with {@code ReplicaRegions} set to every region, so the first region's cloud
 * creates the table (as its stack creates the global table on AWS) and the others use it.
 *
 * <p>Replication: by default every region reads every write at once (one DynamoDB Local), where a
 * global table replicates in about a second and keeps the last writer's version of an item written
 * in two regions meanwhile. Started with a replication lag, each region has its own replica and
 * {@link Replication} models both (docs/LOCAL.md, "Several regions").
 *
 * <pre>{@code
 * try (LocalRegions regions = LocalRegions.start(List.of("us-east-1", "eu-west-1"), LocalCloudOptions.builder().build())) {
 *   URI us = regions.region("us-east-1").webSocketUri();
 *   URI eu = regions.region("eu-west-1").webSocketUri();
 * }
 * }</pre>
 */
public final class LocalRegions implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("switchboard.local");

    /** One DynamoDB Local for every region, or one per region (its replica) when replication is modelled. */
    private final Map<String, DynamoDbLocal> stores;

    private final Map<String, LocalCloud> clouds;
    /** Null when every region shares one DynamoDB Local. */
    private final Replication replication;

    private final Set<String> stopped = ConcurrentHashMap.newKeySet();

    private LocalRegions(Map<String, DynamoDbLocal> stores, Map<String, LocalCloud> clouds, Replication replication) {
        this.stores = stores;
        this.clouds = clouds;
        this.replication = replication;
    }

    /**
     * Starts one DynamoDB Local and a cloud per region, in the order given (the first owns the table).
     * Region {@code i} (from 0) listens on {@code options.port() + i} and {@code options.snsPort() + i}
     * (ports of 0 stay free ports) and has the API id {@code localws00<i+1>}. Every region reads every
     * write at once: {@link #start(List, LocalCloudOptions, Duration)} models replication lag.
     *
     * @param regions at least one region name, no repeats, e.g. {@code us-east-1, eu-west-1}
     * @param options everything else, as for one cloud; its region, API id, replica regions and DynamoDB
     *     endpoint are set here
     * @throws IllegalArgumentException when no region is given, a name repeats or is not a region name
     * @throws Exception when a part cannot start; what had started is stopped
     */
    public static LocalRegions start(List<String> regions, LocalCloudOptions options) throws Exception {
        return start(regions, options, null);
    }

    /**
     * As {@link #start(List, LocalCloudOptions)}, with {@code replicationLag} not null: each region has
     * a DynamoDB Local of its own holding its replica of the global table (region {@code i} on
     * {@code options.dynamoDbPort() + i}, its data under {@code options.dynamoDbData()/<region>} when
     * kept), and {@link Replication} copies each replica's writes to the others no sooner than the lag,
     * last writer wins, as a global table does.
     *
     * @param replicationLag the least time between a write in one region and its copy in the others,
     *     e.g. 1 s (AWS: typically under a second within a continent); null = one DynamoDB Local for
     *     every region, no lag
     * @throws IllegalArgumentException when no region is given, a name repeats or is not a region name,
     *     or the lag is negative
     * @throws Exception when a part cannot start; what had started is stopped
     */
    public static LocalRegions start(List<String> regions, LocalCloudOptions options, Duration replicationLag)
            throws Exception {
        if (regions.isEmpty() || Set.copyOf(regions).size() != regions.size()) {
            throw new IllegalArgumentException(
                    "--regions needs one or more different regions, e.g. us-east-1,eu-west-1; got " + regions);
        }
        for (String region : regions) {
            if (!region.matches("[a-z]{2}(-[a-z]+)+-\\d")) {
                throw new IllegalArgumentException("'" + region + "' is not an AWS region name such as eu-west-1");
            }
        }
        if (replicationLag != null && replicationLag.isNegative()) {
            throw new IllegalArgumentException(
                    "--replication-lag cannot be negative; got " + replicationLag + " (e.g. 1s, or 0s for none)");
        }
        boolean replicas = replicationLag != null && regions.size() > 1;
        List<AutoCloseable> started = new ArrayList<>();
        Map<String, DynamoDbLocal> stores = new LinkedHashMap<>();
        Map<String, LocalCloud> clouds = new LinkedHashMap<>();
        Replication replication = null;
        try {
            for (int i = 0; i < (replicas ? regions.size() : 1); i++) {
                java.nio.file.Path data = options.dynamoDbData();
                if (replicas && data != null) {
                    data = data.resolve(regions.get(i));
                }
                DynamoDbLocal store = DynamoDbLocal.start(
                        options.host(), options.dynamoDbPort() == 0 ? 0 : options.dynamoDbPort() + i, data);
                started.add(store);
                stores.put(regions.get(i), store);
            }
            DynamoDbLocal shared = stores.values().iterator().next();
            for (int i = 0; i < regions.size(); i++) {
                String region = regions.get(i);
                DynamoDbLocal store = replicas ? stores.get(region) : shared;
                LocalCloudOptions regional = LocalCloudOptions.Builder.from(options)
                        .region(region)
                        .apiId(String.format("localws%03d", i + 1))
                        // one region: the regional table, exactly as without --regions
                        .replicaRegions(regions.size() > 1 ? regions : List.of())
                        .dynamoDbEndpoint(URI.create(store.endpoint()))
                        .port(options.port() == 0 ? 0 : options.port() + i)
                        .snsPort(options.snsPort() == 0 ? 0 : options.snsPort() + i)
                        .build();
                clouds.put(region, LocalCloud.start(regional));
                LOG.info("region {} is up", region);
                if (replicas && i == 0) {
                    // the other replicas, as the first region's stack creates every replica on AWS, then their
                    // replication, before any other region's function can write
                    LocalCloud first = clouds.get(region);
                    Map<String, URI> endpoints = new LinkedHashMap<>();
                    for (String r : regions) {
                        endpoints.put(r, URI.create(stores.get(r).endpoint()));
                        if (!r.equals(region)) {
                            DynamoDbLocal.createTable(
                                    endpoints.get(r), first.template().table(), r);
                        }
                    }
                    replication = Replication.start(endpoints, first.tableName(), replicationLag);
                    started.add(replication);
                }
            }
        } catch (Exception | Error e) {
            List<AutoCloseable> stopping = new ArrayList<>(started);
            stopping.addAll(clouds.values());
            java.util.Collections.reverse(stopping);
            for (AutoCloseable part : stopping) {
                try {
                    part.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
        return new LocalRegions(stores, clouds, replication);
    }

    /** The regions, in the order they were started (the first owns the table). */
    public List<String> regions() {
        return List.copyOf(clouds.keySet());
    }

    /**
     * One region's cloud.
     *
     * @throws IllegalArgumentException when it is not one of {@link #regions()}
     */
    public LocalCloud region(String region) {
        LocalCloud cloud = clouds.get(region);
        if (cloud == null) {
            throw new IllegalArgumentException("no region " + region + " here; the regions are " + regions());
        }
        return cloud;
    }

    /**
     * Stops one region as a regional outage would: its gateway closes its connections (each gets its
     * {@code $disconnect}) and its functions end; the other regions and the table go on. Idempotent.
     */
    public void stop(String region) {
        LocalCloud cloud = region(region);
        if (stopped.add(region)) {
            LOG.info("stopping region {}", region);
            cloud.close();
        }
    }

    /**
     * The replication between the regions' replicas: its lag, its figures, and {@code hold}/{@code
     * awaitReplicated} for tests.
     *
     * @throws IllegalStateException when the regions share one DynamoDB Local (started without a lag)
     */
    public Replication replication() {
        if (replication == null) {
            throw new IllegalStateException("every region reads one DynamoDB Local, nothing replicates: start "
                    + "LocalRegions with a replication lag (--replication-lag) to have a replica per region");
        }
        return replication;
    }

    /**
     * The DynamoDB Local holding {@code region}'s replica (the same one for every region when started
     * without a replication lag).
     */
    public URI dynamoDbEndpoint(String region) {
        return region(region).dynamoDbEndpoint();
    }

    /** The DynamoDB Local of the first region: with no replication lag, every region's. */
    public URI dynamoDbEndpoint() {
        return URI.create(stores.values().iterator().next().endpoint());
    }

    /** Every region's endpoints, each line saying which region it is, then the table and its replication. */
    public String describe() {
        List<String> lines = new ArrayList<>();
        clouds.forEach((region, cloud) -> {
            lines.add("[" + region + "]" + (stopped.contains(region) ? " (stopped)" : ""));
            cloud.describe()
                    .lines()
                    .filter(l -> replication != null || !l.startsWith("DynamoDB"))
                    .forEach(l -> lines.add("  " + l));
        });
        LocalCloud first = clouds.values().iterator().next();
        if (replication != null) {
            lines.add("Replication       " + first.tableName() + " between " + String.join(", ", clouds.keySet())
                    + ", each write copied no sooner than " + replication.lag().toMillis()
                    + " ms after it, last writer wins");
        } else {
            lines.add("DynamoDB          " + dynamoDbEndpoint() + "   table " + first.tableName()
                    + (clouds.size() > 1
                            ? " (stands in for the global table's replicas in " + String.join(", ", clouds.keySet())
                                    + ", no replication lag)"
                            : ""));
        }
        return String.join(System.lineSeparator(), lines);
    }

    @Override
    public void close() {
        List<String> order = new ArrayList<>(clouds.keySet());
        java.util.Collections.reverse(order);
        order.forEach(this::stop);
        if (replication != null) {
            replication.close();
        }
        for (DynamoDbLocal store : stores.values()) {
            try {
                store.close();
            } catch (Exception e) {
                LOG.warn("stopping DynamoDB Local failed: {}", e.toString());
            }
        }
    }
}
