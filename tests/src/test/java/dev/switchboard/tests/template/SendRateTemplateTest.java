package dev.switchboard.tests.template;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.Config;
import dev.switchboard.local.CloudFormationYaml;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-connection send limit is a template parameter, passed to every function, defaults as in Config. */
class SendRateTemplateTest {

    @Test
    @SuppressWarnings("unchecked")
    void sendRateAndBurst_areParametersWithConfigsDefaults_andReachEveryFunction() throws Exception {
        Map<String, Object> template = CloudFormationYaml.read(Path.of("..", "template.yaml"));
        Map<String, Object> parameters = (Map<String, Object>) template.get("Parameters");
        Config defaults = Config.fromEnv(Map.of(Config.TABLE, "t", Config.MANAGEMENT_ENDPOINT, "http://x"));

        Map<String, Object> rate = (Map<String, Object>) parameters.get("SendRatePerSecond");
        Map<String, Object> burst = (Map<String, Object>) parameters.get("SendBurst");
        assertThat(rate).containsEntry("Type", "Number").containsEntry("MinValue", 0);
        assertThat(burst).containsEntry("Type", "Number").containsEntry("MinValue", 1);
        assertThat(((Number) rate.get("Default")).intValue()).isEqualTo(defaults.sendRatePerSecond());
        assertThat(((Number) burst.get("Default")).intValue()).isEqualTo(defaults.sendBurst());

        Map<String, Object> variables = (Map<String, Object>) ((Map<String, Object>)
                        ((Map<String, Object>) ((Map<String, Object>) template.get("Globals")).get("Function"))
                                .get("Environment"))
                .get("Variables");
        assertThat(variables)
                .containsEntry(Config.SEND_RATE_PER_SECOND, Map.of("Ref", "SendRatePerSecond"))
                .containsEntry(Config.SEND_BURST, Map.of("Ref", "SendBurst"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void connectionCapAndDirectPolicy_areParametersWithConfigsDefaults_andReachEveryFunction() throws Exception {
        Map<String, Object> template = CloudFormationYaml.read(Path.of("..", "template.yaml"));
        Map<String, Object> parameters = (Map<String, Object>) template.get("Parameters");
        Config defaults = Config.fromEnv(Map.of(Config.TABLE, "t", Config.MANAGEMENT_ENDPOINT, "http://x"));

        Map<String, Object> cap = (Map<String, Object>) parameters.get("MaxConnectionsPerUser");
        assertThat(cap).containsEntry("Type", "Number").containsEntry("MinValue", 0);
        assertThat(((Number) cap.get("Default")).intValue())
                .isEqualTo(defaults.maxConnectionsPerUser())
                .isEqualTo(10);
        Map<String, Object> direct = (Map<String, Object>) parameters.get("DirectPolicy");
        assertThat(direct)
                .containsEntry("Type", "String")
                .containsEntry("Default", defaults.directPolicy().wire());
        assertThat((java.util.List<Object>) direct.get("AllowedValues")).containsExactly("any", "shared-room", "off");
        for (Object value : (java.util.List<Object>) direct.get("AllowedValues")) {
            assertThat(dev.switchboard.core.DirectPolicy.parse(value.toString()).wire())
                    .isEqualTo(value);
        }

        Map<String, Object> variables = (Map<String, Object>) ((Map<String, Object>)
                        ((Map<String, Object>) ((Map<String, Object>) template.get("Globals")).get("Function"))
                                .get("Environment"))
                .get("Variables");
        assertThat(variables)
                .containsEntry(Config.MAX_CONNECTIONS_PER_USER, Map.of("Ref", "MaxConnectionsPerUser"))
                .containsEntry(Config.DIRECT_POLICY, Map.of("Ref", "DirectPolicy"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void inboxNotifications_isAParameterWithConfigsDefault_whosePatternAcceptsWhatConfigAccepts() throws Exception {
        Map<String, Object> template = CloudFormationYaml.read(Path.of("..", "template.yaml"));
        Map<String, Object> parameters = (Map<String, Object>) template.get("Parameters");
        Config defaults = Config.fromEnv(Map.of(Config.TABLE, "t", Config.MANAGEMENT_ENDPOINT, "http://x"));
        Map<String, Object> inbox = (Map<String, Object>) parameters.get("InboxNotifications");
        assertThat(inbox).containsEntry("Type", "String").containsEntry("Default", "user");
        assertThat(defaults.inboxNotifications()).containsExactly(dev.switchboard.core.InboxTarget.USER);

        java.util.regex.Pattern allowed =
                java.util.regex.Pattern.compile(inbox.get("AllowedPattern").toString());
        for (String value : java.util.List.of("user", "user,room", "user,room,all", "room", "all,user", "none")) {
            assertThat(allowed.matcher(value).matches()).as(value).isTrue();
            Config.fromEnv(Map.of(
                    Config.TABLE, "t", Config.MANAGEMENT_ENDPOINT, "http://x", Config.INBOX_NOTIFICATIONS, value));
        }
        // what the template refuses at deploy, Config refuses at start (naming the variable)
        for (String value : java.util.List.of("users", "user;room", "rooms")) {
            assertThat(allowed.matcher(value).matches()).as(value).isFalse();
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Config.fromEnv(Map.of(
                            Config.TABLE,
                            "t",
                            Config.MANAGEMENT_ENDPOINT,
                            "http://x",
                            Config.INBOX_NOTIFICATIONS,
                            value)))
                    .hasMessageContaining(Config.INBOX_NOTIFICATIONS)
                    .hasMessageContaining("user, room and/or all");
        }

        Map<String, Object> variables = (Map<String, Object>) ((Map<String, Object>)
                        ((Map<String, Object>) ((Map<String, Object>) template.get("Globals")).get("Function"))
                                .get("Environment"))
                .get("Variables");
        assertThat(variables).containsEntry(Config.INBOX_NOTIFICATIONS, Map.of("Ref", "InboxNotifications"));
    }
}
