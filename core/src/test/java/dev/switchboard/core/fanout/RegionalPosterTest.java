package dev.switchboard.core.fanout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.fanout.ConnectionPoster.PostStatus;
import dev.switchboard.core.store.Home;
import dev.switchboard.core.store.Member;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.Test;

class RegionalPosterTest {

    static final Home US = new Home("us-east-1", URI.create("https://us1.execute-api.us-east-1.amazonaws.com/prod"));
    static final Home EU = new Home("eu-west-1", URI.create("https://eu1.execute-api.eu-west-1.amazonaws.com/prod"));
    static final Home AP =
            new Home("ap-southeast-2", URI.create("https://ap1.execute-api.ap-southeast-2.amazonaws.com/prod"));

    /** Records which connection ids it was asked to post to and to delete, answering with {@code status}. */
    record Recording(List<String> posted, List<String> deleted, PostStatus status) implements ConnectionPoster {
        Recording(PostStatus status) {
            this(new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>(), status);
        }

        @Override
        public CompletableFuture<PostStatus> post(String connectionId, byte[] frame) {
            posted.add(connectionId);
            return CompletableFuture.completedFuture(status);
        }

        @Override
        public CompletableFuture<PostStatus> delete(String connectionId) {
            deleted.add(connectionId);
            return CompletableFuture.completedFuture(status);
        }
    }

    @Test
    void eachRecipientGoesThroughItsOwnRegion_andAPosterPerRegionIsMadeOnce() {
        Recording local = new Recording(PostStatus.DELIVERED);
        Map<Home, Recording> made = new ConcurrentHashMap<>();
        RegionalPoster poster = new RegionalPoster(US, local, home -> {
            Recording r = new Recording(PostStatus.DELIVERED);
            assertThat(made.putIfAbsent(home, r)).as("one poster per home").isNull();
            return r;
        });
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            FanOut fanOut = new FanOut(poster, gone -> {}, 8, timer, 3, 1);
            FanOutResult result = fanOut.deliver(
                    List.of(
                            new Member("old", "a"),
                            new Member("us", "b", US),
                            new Member("eu1", "c", EU),
                            new Member("eu2", "d", EU),
                            new Member("ap", "e", AP)),
                    new byte[] {1});
            assertThat(result.delivered()).isEqualTo(5);
        } finally {
            timer.shutdownNow();
        }
        assertThat(local.posted()).containsExactlyInAnyOrder("old", "us");
        assertThat(made.get(EU).posted()).containsExactlyInAnyOrder("eu1", "eu2");
        assertThat(made.get(AP).posted()).containsExactly("ap");
        assertThat(poster.remoteRegions()).isEqualTo(2);
    }

    @Test
    void aRegionWhosePosterCannotBeMade_failsOnlyItsOwnRecipients() {
        Recording local = new Recording(PostStatus.DELIVERED);
        RegionalPoster poster = new RegionalPoster(US, local, home -> {
            throw new IllegalArgumentException("management endpoint must be http(s)");
        });
        assertThat(poster.post(new Member("eu1", "c", EU), new byte[0]).join()).isEqualTo(PostStatus.FAILED);
        assertThat(poster.post(new Member("us", "b", US), new byte[0]).join()).isEqualTo(PostStatus.DELIVERED);
        assertThat(poster.post("bare", new byte[0]).join()).isEqualTo(PostStatus.DELIVERED);
        assertThat(local.posted()).containsExactly("us", "bare");
    }

    @Test
    void delete_goesToTheConnectionsHomeRegion_asAPostWould() {
        Recording local = new Recording(PostStatus.DELIVERED);
        Map<Home, Recording> made = new ConcurrentHashMap<>();
        RegionalPoster poster = new RegionalPoster(
                US,
                local,
                home -> made.computeIfAbsent(
                        home, h -> new Recording(h.equals(EU) ? PostStatus.GONE : PostStatus.DELIVERED)));

        assertThat(poster.delete(new Member("us", "b", US)).join()).isEqualTo(PostStatus.DELIVERED);
        assertThat(poster.delete(new Member("old", "a")).join()).isEqualTo(PostStatus.DELIVERED);
        assertThat(poster.delete("bare").join()).isEqualTo(PostStatus.DELIVERED);
        assertThat(poster.delete(new Member("eu1", "c", EU)).join()).isEqualTo(PostStatus.GONE);

        assertThat(local.deleted()).containsExactly("us", "old", "bare");
        assertThat(made.get(EU).deleted()).containsExactly("eu1");
        assertThat(local.posted()).isEmpty();
        assertThat(made.get(EU).posted()).isEmpty();
    }

    @Test
    void delete_toARegionWhosePosterCannotBeMade_fails() {
        RegionalPoster poster = new RegionalPoster(US, new Recording(PostStatus.DELIVERED), home -> {
            throw new IllegalArgumentException("management endpoint must be http(s)");
        });
        assertThat(poster.delete(new Member("eu1", "c", EU)).join()).isEqualTo(PostStatus.FAILED);
    }

    @Test
    void aPosterThatOnlyPosts_answersDeleteWithFailed_sendingNothing() {
        ConnectionPoster postsOnly = (id, frame) -> CompletableFuture.completedFuture(PostStatus.DELIVERED);
        assertThat(postsOnly.delete("a").join()).isEqualTo(PostStatus.FAILED);
        assertThat(postsOnly.delete(new Member("b", "u", EU)).join()).isEqualTo(PostStatus.FAILED);
    }
}
