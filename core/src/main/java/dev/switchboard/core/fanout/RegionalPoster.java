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
        Home home = recipient.home();
        if (home == null || home.equals(self)) {
            return local.post(recipient.connectionId(), frame);
        }
        ConnectionPoster poster;
        try {
            poster = remotes.computeIfAbsent(home, h -> {
                LOG.info("posting to connections in {} through {}", h.region(), h.endpoint());
                return remote.apply(h);
            });
        } catch (RuntimeException e) {
            // a home this instance cannot build a poster for (a malformed endpoint): that post fails, the rest go on
            LOG.warn("no poster for connections in {} ({}): {}", home.region(), home.endpoint(), e.toString());
            return CompletableFuture.completedFuture(PostStatus.FAILED);
        }
        return poster.post(recipient.connectionId(), frame);
    }

    /** How many other regions this instance has posted to (tests, logs). */
    public int remoteRegions() {
        return remotes.size();
    }
}
