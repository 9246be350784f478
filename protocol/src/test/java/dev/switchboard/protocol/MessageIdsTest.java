package dev.switchboard.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class MessageIdsTest {

    static final String CROCKFORD = "[0-9A-HJKMNP-TV-Z]{26}";

    @Test
    void derived_isTheSame_forTheSameKeyAndTime() {
        String first = MessageIds.derived(1_764_000_000_000L, "1009b605-b030-487f-aae5-008cbb6d78ca");
        String again = MessageIds.derived(1_764_000_000_000L, "1009b605-b030-487f-aae5-008cbb6d78ca");

        assertThat(first).matches(CROCKFORD).isEqualTo(again);
    }

    @Test
    void derived_differs_forAnotherKey() {
        assertThat(MessageIds.derived(1_764_000_000_000L, "1009b605-b030-487f-aae5-008cbb6d78ca"))
                .isNotEqualTo(MessageIds.derived(1_764_000_000_000L, "1009b605-b030-487f-aae5-008cbb6d78cb"));
    }

    @Test
    void derived_sortsByTime_withGeneratedIds() {
        MessageIds ids = new MessageIds();
        String before = ids.next(1_764_000_000_000L);
        String derived = MessageIds.derived(1_764_000_000_001L, "k");
        String after = ids.next(1_764_000_000_002L);

        // the first 10 characters are the time: same time, same prefix as a generated id
        assertThat(derived.substring(0, 10))
                .isEqualTo(new MessageIds().next(1_764_000_000_001L).substring(0, 10));
        assertThat(before).isLessThan(derived);
        assertThat(derived).isLessThan(after);
    }

    @Test
    void millis_readsTheTimeBack_fromGeneratedAndDerivedIds() {
        assertThat(MessageIds.millis(new MessageIds().next(1_764_000_000_123L))).isEqualTo(1_764_000_000_123L);
        assertThat(MessageIds.millis(MessageIds.derived(1_764_000_000_456L, "sns-id")))
                .isEqualTo(1_764_000_000_456L);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> MessageIds.millis("not-an-id"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
