package dev.switchboard.core.fanout;

import dev.switchboard.core.store.Home;
import dev.switchboard.core.store.Member;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts each recipient through the {@code @connections} endpoint of the region it lives in, when
 * one stack runs in several regions over a global table: a connection id means something only to
 * the API that accepted it. Recipients of this function's own region (or with no recorded home)
 * go to {@code local}; the others to a poster per remote home, made on first use by
 * {@code remote} (SigV4-signed for that home's region) and kept for the instance's life.
 *
 * <p>Why post across regions rather than hand a region's share to that region (SNS to its fan-out
 * topic): one cross-region HTTPS request per recipient (one round trip between the regions, tens of
 * ms to ~150 ms, on a kept-alive connection) against an SNS publish plus a Lambda invocation in the
 * other region (hundreds of ms, and the other region's members would wait for a second fan-out
 * there). docs/DEPLOY.md, "Several regions", compares their cost.
 */
public final class RegionalPoster implements ConnectionPoster {

    private static final Logger LOG = LoggerFactory.getLogger(RegionalPoster.class);

    private final Home self;
    private final ConnectionPoster local;
    private final Function<Home, ConnectionPoster> remote;
    private final Map<Home, ConnectionPoster> remotes = new ConcurrentHashMap<>();

    /**
     * @param self   this function's region and endpoint: recipients at home here go to {@code local}
     * @param local  the poster of this region's endpoint
     * @param remote makes the poster of another region's endpoint (called once per home)
     */
    public RegionalPoster(Home self, ConnectionPoster local, Function<Home, ConnectionPoster> remote) {
        this.self = self;
        this.local = local;
        this.remote = remote;
    }

    /** A bare connection id has no home: it is taken to be this region's. */
    @Override
    public CompletableFuture<PostStatus> post(String connectionId, byte[] frame) {
        return local.post(connectionId, frame);
    }

    @Override
    public CompletableFuture<PostStatus> post(Member recipient, byte[] frame) {
        ConnectionPoster poster = posterOf(recipient.home());
        return poster == null
                ? CompletableFuture.completedFuture(PostStatus.FAILED)
                : poster.post(recipient.connectionId(), frame);
    }

    /** A bare connection id has no home: it is taken to be this region's. */
    @Override
    public CompletableFuture<PostStatus> delete(String connectionId) {
        return local.delete(connectionId);
    }

    /** The DELETE goes to the connection's home region's endpoint, as a post to it would. */
    @Override
    public CompletableFuture<PostStatus> delete(Member connection) {
        ConnectionPoster poster = posterOf(connection.home());
        return poster == null
                ? CompletableFuture.completedFuture(PostStatus.FAILED)
                : poster.delete(connection.connectionId());
    }

    /** The poster of {@code home}'s endpoint (made on first use); null when none can be built. */
    private ConnectionPoster posterOf(Home home) {
        if (home == null || home.equals(self)) {
            return local;
        }
        try {
            return remotes.computeIfAbsent(home, h -> {
                LOG.info("posting to connections in {} through {}", h.region(), h.endpoint());
                return remote.apply(h);
            });
        } catch (RuntimeException e) {
            // a home this instance cannot build a poster for (a malformed endpoint): that request fails, the rest go on
            LOG.warn("no poster for connections in {} ({}): {}", home.region(), home.endpoint(), e.toString());
            return null;
        }
    }

    /** How many other regions this instance has posted to (tests, logs). */
    public int remoteRegions() {
        return remotes.size();
    }
}
