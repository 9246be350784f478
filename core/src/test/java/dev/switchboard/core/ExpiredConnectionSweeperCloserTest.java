package dev.switchboard.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.ExpiredConnectionSweeper.CloseOutcome;
import dev.switchboard.core.ExpiredConnectionSweeper.ConnectionCloser;
import dev.switchboard.core.fanout.ConnectionPoster;
import dev.switchboard.core.fanout.ConnectionPoster.PostStatus;
import dev.switchboard.core.store.Home;
import dev.switchboard.core.store.Member;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The sweep closes through the fan-out's poster: its DELETE outcomes become the sweep's close outcomes. */
class ExpiredConnectionSweeperCloserTest {

    @Test
    void closer_deletesThroughThePoster_passingTheConnectionWithItsHome() {
        List<Member> deleted = new CopyOnWriteArrayList<>();
        ConnectionPoster poster = new ConnectionPoster() {
            @Override
            public CompletableFuture<PostStatus> post(String connectionId, byte[] frame) {
                throw new AssertionError("the sweep posts nothing");
            }

            @Override
            public CompletableFuture<PostStatus> delete(Member connection) {
                deleted.add(connection);
                return CompletableFuture.completedFuture(
                        connection.connectionId().startsWith("gone") ? PostStatus.GONE : PostStatus.DELIVERED);
            }
        };
        Member there = new Member("gone-1", "bob", new Home("eu-west-1", URI.create("https://eu.example/prod")));

        ConnectionCloser closer = ConnectionCloser.of(poster);

        assertThat(closer.close(new Member("c-1", "alice"))).isEqualTo(CloseOutcome.CLOSED);
        assertThat(closer.close(there)).isEqualTo(CloseOutcome.GONE);
        assertThat(deleted).containsExactly(new Member("c-1", "alice"), there);
    }

    @Test
    void closeOutcome_ofADeletesStatus_leavesThrottledAndFailedForTheNextRun() {
        assertThat(CloseOutcome.of(PostStatus.DELIVERED)).isEqualTo(CloseOutcome.CLOSED);
        assertThat(CloseOutcome.of(PostStatus.GONE)).isEqualTo(CloseOutcome.GONE);
        assertThat(CloseOutcome.of(PostStatus.RETRY)).isEqualTo(CloseOutcome.FAILED);
        assertThat(CloseOutcome.of(PostStatus.FAILED)).isEqualTo(CloseOutcome.FAILED);
    }
}
