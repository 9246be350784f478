package dev.switchboard.tests.template;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.Config;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The per-connection send limit is a template parameter, passed to every function, defaults as in Config. */
class SendRateTemplateTest {

    /** Config's defaults: the two variables it requires, nothing else. */
    static final Map<String, String> REQUIRED = Map.of(Config.TABLE, "t", Config.MANAGEMENT_ENDPOINT, "http://x");

    static Config defaults;

    @BeforeAll
    static void load() throws Exception {
        TemplateTest.load(); // read once for the class, through the YAML reader every template test uses
        defaults = Config.fromEnv(REQUIRED);
    }

    /** A parameter of the template. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> parameter(String name) {
        return (Map<String, Object>) ((Map<String, Object>) TemplateTest.template.get("Parameters")).get(name);
    }

    @Test
    void sendRateAndBurst_areParametersWithConfigsDefaults_andReachEveryFunction() {
        Map<String, Object> rate = parameter("SendRatePerSecond");
        Map<String, Object> burst = parameter("SendBurst");
        assertThat(rate).containsEntry("Type", "Number").containsEntry("MinValue", 0);
        assertThat(burst).containsEntry("Type", "Number").containsEntry("MinValue", 1);
        assertThat(((Number) rate.get("Default")).intValue()).isEqualTo(defaults.sendRatePerSecond());
        assertThat(((Number) burst.get("Default")).intValue()).isEqualTo(defaults.sendBurst());

        Map<String, Object> variables = TemplateTest.globalEnvironment();
        assertThat(variables)
                .containsEntry(Config.SEND_RATE_PER_SECOND, Map.of("Ref", "SendRatePerSecond"))
                .containsEntry(Config.SEND_BURST, Map.of("Ref", "SendBurst"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void connectionCapAndDirectPolicy_areParametersWithConfigsDefaults_andReachEveryFunction() {
        Map<String, Object> cap = parameter("MaxConnectionsPerUser");
        assertThat(cap).containsEntry("Type", "Number").containsEntry("MinValue", 0);
        assertThat(((Number) cap.get("Default")).intValue())
                .isEqualTo(defaults.maxConnectionsPerUser())
                .isEqualTo(10);
        Map<String, Object> direct = parameter("DirectPolicy");
        assertThat(direct)
                .containsEntry("Type", "String")
                .containsEntry("Default", defaults.directPolicy().wire());
        assertThat((java.util.List<Object>) direct.get("AllowedValues")).containsExactly("any", "shared-room", "off");
        for (Object value : (java.util.List<Object>) direct.get("AllowedValues")) {
            assertThat(dev.switchboard.core.DirectPolicy.parse(value.toString()).wire())
                    .isEqualTo(value);
        }

        Map<String, Object> variables = TemplateTest.globalEnvironment();
        assertThat(variables)
                .containsEntry(Config.MAX_CONNECTIONS_PER_USER, Map.of("Ref", "MaxConnectionsPerUser"))
                .containsEntry(Config.DIRECT_POLICY, Map.of("Ref", "DirectPolicy"));
    }

    @Test
    void inboxNotifications_isAParameterWithConfigsDefault_whosePatternAcceptsWhatConfigAccepts() {
        Map<String, Object> inbox = parameter("InboxNotifications");
        assertThat(inbox).containsEntry("Type", "String").containsEntry("Default", "user");
        assertThat(defaults.inboxNotifications()).containsExactly(dev.switchboard.core.InboxTarget.USER);

        java.util.regex.Pattern allowed =
                java.util.regex.Pattern.compile(inbox.get("AllowedPattern").toString());
        for (String value : java.util.List.of("user", "user,room", "user,room,all", "room", "all,user", "none")) {
            assertThat(allowed.matcher(value).matches()).as(value).isTrue();
            Config.fromEnv(with(Config.INBOX_NOTIFICATIONS, value));
        }
        // what the template refuses at deploy, Config refuses at start (naming the variable)
        for (String value : java.util.List.of("users", "user;room", "rooms")) {
            assertThat(allowed.matcher(value).matches()).as(value).isFalse();
            org.assertj.core.api.Assertions.assertThatThrownBy(
                            () -> Config.fromEnv(with(Config.INBOX_NOTIFICATIONS, value)))
                    .hasMessageContaining(Config.INBOX_NOTIFICATIONS)
                    .hasMessageContaining("user, room and/or all");
        }

        Map<String, Object> variables = TemplateTest.globalEnvironment();
        assertThat(variables).containsEntry(Config.INBOX_NOTIFICATIONS, Map.of("Ref", "InboxNotifications"));
    }

    /** {@link #REQUIRED} and {@code name=value}. */
    static Map<String, String> with(String name, String value) {
        Map<String, String> env = new java.util.HashMap<>(REQUIRED);
        env.put(name, value);
        return env;
    }
}
