package dev.switchboard.local;

import java.net.URI;
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
 * <p>What it does not model: replication lag and conflicts. Every region reads every write at
 * once, where a global table replicates in about a second and keeps the last writer's version of an
 * item written in two regions meanwhile (docs/LOCAL.md, "Several regions").
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

    private final DynamoDbLocal dynamoDb;
    private final Map<String, LocalCloud> clouds;
    private final Set<String> stopped = ConcurrentHashMap.newKeySet();

    private LocalRegions(DynamoDbLocal dynamoDb, Map<String, LocalCloud> clouds) {
        this.dynamoDb = dynamoDb;
        this.clouds = clouds;
    }

    /**
     * Starts one DynamoDB Local and a cloud per region, in the order given (the first owns the table).
     * Region {@code i} (from 0) listens on {@code options.port() + i} and {@code options.snsPort() + i}
     * (ports of 0 stay free ports) and has the API id {@code localws00<i+1>}.
     *
     * @param regions at least one region name, no repeats, e.g. {@code us-east-1, eu-west-1}
     * @param options everything else, as for one cloud; its region, API id, replica regions and DynamoDB
     *     endpoint are set here
     * @throws IllegalArgumentException when no region is given, a name repeats or is not a region name
     * @throws Exception when a part cannot start; what had started is stopped
     */
    public static LocalRegions start(List<String> regions, LocalCloudOptions options) throws Exception {
        if (regions.isEmpty() || Set.copyOf(regions).size() != regions.size()) {
            throw new IllegalArgumentException(
                    "--regions needs one or more different regions, e.g. us-east-1,eu-west-1; got " + regions);
        }
        for (String region : regions) {
            if (!region.matches("[a-z]{2}(-[a-z]+)+-\\d")) {
                throw new IllegalArgumentException("'" + region + "' is not an AWS region name such as eu-west-1");
            }
        }
        DynamoDbLocal dynamoDb = DynamoDbLocal.start(options.host(), options.dynamoDbPort(), options.dynamoDbData());
        Map<String, LocalCloud> clouds = new LinkedHashMap<>();
        try {
            for (int i = 0; i < regions.size(); i++) {
                String region = regions.get(i);
                LocalCloudOptions regional = LocalCloudOptions.Builder.from(options)
                        .region(region)
                        .apiId(String.format("localws%03d", i + 1))
                        // one region: the regional table, exactly as without --regions
                        .replicaRegions(regions.size() > 1 ? regions : List.of())
                        .dynamoDbEndpoint(URI.create(dynamoDb.endpoint()))
                        .port(options.port() == 0 ? 0 : options.port() + i)
                        .snsPort(options.snsPort() == 0 ? 0 : options.snsPort() + i)
                        .build();
                clouds.put(region, LocalCloud.start(regional));
                LOG.info("region {} is up", region);
            }
        } catch (Exception | Error e) {
            List<LocalCloud> started = new ArrayList<>(clouds.values());
            java.util.Collections.reverse(started);
            started.forEach(LocalCloud::close);
            try {
                dynamoDb.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return new LocalRegions(dynamoDb, clouds);
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

    /** The DynamoDB Local standing in for every replica of the global table. */
    public URI dynamoDbEndpoint() {
        return URI.create(dynamoDb.endpoint());
    }

    /** Every region's endpoints, each line saying which region it is, then the shared table. */
    public String describe() {
        List<String> lines = new ArrayList<>();
        clouds.forEach((region, cloud) -> {
            lines.add("[" + region + "]" + (stopped.contains(region) ? " (stopped)" : ""));
            cloud.describe().lines().filter(l -> !l.startsWith("DynamoDB")).forEach(l -> lines.add("  " + l));
        });
        LocalCloud first = clouds.values().iterator().next();
        lines.add("DynamoDB          " + dynamoDbEndpoint() + "   table " + first.tableName()
                + (clouds.size() > 1
                        ? " (stands in for the global table's replicas in " + String.join(", ", clouds.keySet()) + ")"
                        : ""));
        return String.join(System.lineSeparator(), lines);
    }

    @Override
    public void close() {
        List<String> order = new ArrayList<>(clouds.keySet());
        java.util.Collections.reverse(order);
        order.forEach(this::stop);
        try {
            dynamoDb.close();
        } catch (Exception e) {
            LOG.warn("stopping DynamoDB Local failed: {}", e.toString());
        }
    }
}
