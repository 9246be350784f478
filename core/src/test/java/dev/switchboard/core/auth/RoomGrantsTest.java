package dev.switchboard.core.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The rooms claim: pattern matching and the claim's parsing, edge cases first. */
class RoomGrantsTest {

    @Test
    void matches_exactName_onlyThatName() {
        assertThat(RoomGrants.matches("team", "team")).isTrue();
        assertThat(RoomGrants.matches("team", "team-a")).isFalse();
        assertThat(RoomGrants.matches("team", "tea")).isFalse();
        assertThat(RoomGrants.matches("team", "TEAM"))
                .as("room names are case-sensitive")
                .isFalse();
    }

    @Test
    void matches_prefixStar_thePrefixAndAnythingAfterIt() {
        assertThat(RoomGrants.matches("team-*", "team-a")).isTrue();
        assertThat(RoomGrants.matches("team-*", "team-")).as("the empty rest").isTrue();
        assertThat(RoomGrants.matches("team-*", "team")).isFalse();
        assertThat(RoomGrants.matches("team-*", "my-team-a"))
                .as("a prefix, never a substring")
                .isFalse();
        assertThat(RoomGrants.matches("*", "anything.at_all-1")).isTrue();
    }

    @Test
    void matches_regexCharacters_areLiteral() {
        // '.' is a legal room character: a pattern is never a regular expression
        assertThat(RoomGrants.matches("a.b", "axb")).isFalse();
        assertThat(RoomGrants.matches("a.*", "a.x")).isTrue();
        assertThat(RoomGrants.matches("a.*", "abx")).isFalse();
    }

    @Test
    void isValidPattern_refusesStarsElsewhere_andBadNames() {
        assertThat(RoomGrants.isValidPattern("team-*")).isTrue();
        assertThat(RoomGrants.isValidPattern("*")).isTrue();
        assertThat(RoomGrants.isValidPattern("*team")).isFalse();
        assertThat(RoomGrants.isValidPattern("te*am")).isFalse();
        assertThat(RoomGrants.isValidPattern("team**")).isFalse();
        assertThat(RoomGrants.isValidPattern("")).isFalse();
        assertThat(RoomGrants.isValidPattern("has space")).isFalse();
        assertThat(RoomGrants.isValidPattern("a".repeat(64))).isTrue();
        assertThat(RoomGrants.isValidPattern("a".repeat(65))).isFalse();
        assertThat(RoomGrants.isValidPattern("a".repeat(64) + "*"))
                .as("no room could match the prefix plus more")
                .isFalse();
        assertThat(RoomGrants.isValidPattern(null)).isFalse();
    }

    @Test
    void allows_eachPermissionSeparately_andAddsUpOverlappingPatterns() {
        RoomGrants grants =
                RoomGrants.fromClaim(claim("team-*", List.of("join"), "team-leads", List.of("send", "history")));
        assertThat(grants.allows("team-a", Permission.JOIN)).isTrue();
        assertThat(grants.allows("team-a", Permission.SEND)).isFalse();
        assertThat(grants.allows("team-a", Permission.HISTORY)).isFalse();
        assertThat(grants.allows("team-leads", Permission.JOIN)).isTrue();
        assertThat(grants.allows("team-leads", Permission.SEND)).isTrue();
        assertThat(grants.allows("team-leads", Permission.HISTORY)).isTrue();
        assertThat(grants.allows("hr-salaries", Permission.JOIN)).isFalse();
    }

    @Test
    void fromClaim_null_grantsNothing() {
        assertThat(RoomGrants.fromClaim(null)).isEqualTo(RoomGrants.NONE);
        assertThat(RoomGrants.NONE.allows("lobby", Permission.JOIN)).isFalse();
    }

    @Test
    void fromClaim_emptyPermissionList_grantsNothingThere() {
        RoomGrants grants = RoomGrants.fromClaim(claim("quiet", List.of()));
        for (Permission p : Permission.values()) {
            assertThat(grants.allows("quiet", p)).isFalse();
        }
    }

    @Test
    void fromClaim_refusesWhatIsNotTheFormat_namingTheProblem() {
        assertThatThrownBy(() -> RoomGrants.fromClaim(List.of("team-*"))).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> RoomGrants.fromClaim("team-*")).hasMessageContaining("JSON object");
        assertThatThrownBy(() -> RoomGrants.fromClaim(claim("te*am", List.of("join"))))
                .hasMessageContaining("'te*am'");
        assertThatThrownBy(() -> RoomGrants.fromClaim(claim("team", List.of("publish"))))
                .hasMessageContaining("'publish'")
                .hasMessageContaining("join, send or history");
        assertThatThrownBy(() -> RoomGrants.fromClaim(claim("team", List.of("JOIN"))))
                .as("case-sensitive")
                .hasMessageContaining("'JOIN'");
        assertThatThrownBy(() -> RoomGrants.fromClaim(claim("team", "join"))).hasMessageContaining("must be a list");
        Map<String, Object> many = new LinkedHashMap<>();
        for (int i = 0; i <= RoomGrants.MAX_PATTERNS; i++) {
            many.put("room-" + i, List.of("join"));
        }
        assertThatThrownBy(() -> RoomGrants.fromClaim(many)).hasMessageContaining("at most " + RoomGrants.MAX_PATTERNS);
    }

    @Test
    void json_roundTrips() {
        RoomGrants grants =
                RoomGrants.fromClaim(claim("team-*", List.of("history", "join"), "announcements", List.of("join")));
        assertThat(grants.toJson()).isEqualTo("{\"team-*\":[\"join\",\"history\"],\"announcements\":[\"join\"]}");
        assertThat(RoomGrants.fromJson(grants.toJson())).isEqualTo(grants);
        assertThat(RoomGrants.fromJson(RoomGrants.ALL.toJson())).isEqualTo(RoomGrants.ALL);
        assertThat(RoomGrants.fromJson(null))
                .as("an item from before permissions: public rooms only")
                .isEqualTo(RoomGrants.NONE);
        assertThatThrownBy(() -> RoomGrants.fromJson("[1]")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fromDevSpec_patternAloneGrantsAll_andPartsNamePermissions() {
        RoomGrants grants = RoomGrants.fromDevSpec("team-*:join:send,announcements:join:history,lobby");
        assertThat(grants.allows("team-x", Permission.SEND)).isTrue();
        assertThat(grants.allows("team-x", Permission.HISTORY)).isFalse();
        assertThat(grants.allows("announcements", Permission.SEND)).isFalse();
        assertThat(grants.allows("announcements", Permission.HISTORY)).isTrue();
        assertThat(grants.allows("lobby", Permission.HISTORY)).isTrue();
        assertThatThrownBy(() -> RoomGrants.fromDevSpec("team:post")).hasMessageContaining("'post'");
        assertThatThrownBy(() -> RoomGrants.fromDevSpec("")).hasMessageContaining("is not");
    }

    private static Map<String, Object> claim(Object... patternThenPermissions) {
        Map<String, Object> claim = new LinkedHashMap<>();
        for (int i = 0; i < patternThenPermissions.length; i += 2) {
            claim.put((String) patternThenPermissions[i], patternThenPermissions[i + 1]);
        }
        return claim;
    }
}
