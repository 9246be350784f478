package dev.switchboard.tests.template;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.core.Config;
import dev.switchboard.core.metrics.Metric;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Metrics, alarms, dashboard and logs in template.yaml against the code: an alarm on a metric the
 * functions never emit would sit in OK forever, so every metric the template names in the
 * functions' namespace must be one of {@link Metric}'s.
 */
class ObservabilityTemplateTest {

    static Map<String, Object> template;

    @BeforeAll
    static void load() throws Exception {
        TemplateTest.load(); // its helpers read its copy
        template = TemplateTest.template;
    }

    static final Set<String> EMITTED =
            Arrays.stream(Metric.values()).map(Metric::metricName).collect(Collectors.toCollection(TreeSet::new));

    @Test
    @SuppressWarnings("unchecked")
    void everyMetricAnAlarmNamesInOurNamespace_isOneTheCodeEmits() {
        String namespace = String.valueOf(TemplateTest.globalEnvironment().get(Config.METRICS_NAMESPACE));
        assertThat(namespace).isEqualTo("Switchboard");
        List<String> named = new ArrayList<>();
        Map<String, Map<String, Object>> alarms = TemplateTest.resourcesOfType("AWS::CloudWatch::Alarm");
        assertThat(alarms).isNotEmpty();
        alarms.forEach((id, alarm) -> {
            Map<String, Object> p = TemplateTest.properties(alarm);
            if (namespace.equals(p.get("Namespace"))) {
                named.add((String) p.get("MetricName"));
            }
            for (Map<String, Object> query : (List<Map<String, Object>>) p.getOrDefault("Metrics", List.of())) {
                Map<String, Object> stat = (Map<String, Object>) query.get("MetricStat");
                if (stat != null) {
                    Map<String, Object> metric = (Map<String, Object>) stat.get("Metric");
                    if (namespace.equals(metric.get("Namespace"))) {
                        named.add((String) metric.get("MetricName"));
                        assertThat(String.valueOf(metric.get("Dimensions")))
                                .as(id + ": the dimension every record carries")
                                .contains("Name=" + Metric.SERVICE)
                                .contains("AWS::StackName");
                    }
                }
            }
        });
        assertThat(named)
                .as("the failed-delivery ratio reads our own metrics")
                .contains("DeliveriesFailed", "Deliveries");
        assertThat(EMITTED).containsAll(named);
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyMetricTheDashboardShowsInOurNamespace_isOneTheCodeEmits() {
        Map<String, Map<String, Object>> dashboards = TemplateTest.resourcesOfType("AWS::CloudWatch::Dashboard");
        assertThat(dashboards).hasSize(1);
        Object body =
                TemplateTest.properties(dashboards.values().iterator().next()).get("DashboardBody");
        String json = String.valueOf(((Map<String, Object>) body).get("Fn::Sub"));
        Matcher m = Pattern.compile("\\[\"Switchboard\",\\s*\"(\\w+)\"").matcher(json);
        Set<String> shown = new TreeSet<>();
        while (m.find()) {
            shown.add(m.group(1));
        }
        assertThat(EMITTED).containsAll(shown);
        // everything but the breakdowns is on the dashboard
        assertThat(shown).containsAll(EMITTED);
    }

    @Test
    @SuppressWarnings("unchecked")
    void alarms_coverErrorsThrottlesDeliveriesApiAndDynamoDb_andPageTheAlarmTopic() {
        Map<String, Map<String, Object>> alarms = TemplateTest.resourcesOfType("AWS::CloudWatch::Alarm");
        String all = alarms.values().stream().map(String::valueOf).collect(Collectors.joining("\n"));
        assertThat(all)
                .contains(
                        "MetricName=Errors",
                        "MetricName=Throttles",
                        "MetricName=DeliveriesFailed",
                        "MetricName=IntegrationError",
                        "MetricName=ExecutionError",
                        "MetricName=ClientError",
                        "MetricName=ReadThrottleEvents",
                        "MetricName=WriteThrottleEvents",
                        "MetricName=ApproximateNumberOfMessagesVisible",
                        "BroadcastDeadLetterQueue");
        alarms.forEach((id, alarm) -> assertThat(
                        String.valueOf(TemplateTest.properties(alarm).get("AlarmActions")))
                .as(id + " pages the AlarmTopicArn parameter when it is set")
                .contains("HasAlarmTopic")
                .contains("AlarmTopicArn"));
        assertThat((Map<String, Object>) template.get("Parameters"))
                .containsKeys("AlarmTopicArn", "LogRetentionDays", "LogLevel");
    }

    @Test
    @SuppressWarnings("unchecked")
    void functions_logJsonToALogGroupOfTheStack_withRetention() {
        Map<String, Object> globals =
                (Map<String, Object>) ((Map<String, Object>) template.get("Globals")).get("Function");
        Map<String, Object> logging = (Map<String, Object>) globals.get("LoggingConfig");
        assertThat(logging)
                .containsEntry("LogFormat", "JSON")
                .containsEntry("ApplicationLogLevel", Map.of("Ref", "LogLevel"));
        Map<String, Map<String, Object>> groups = TemplateTest.resourcesOfType("AWS::Logs::LogGroup");
        TemplateTest.functions().forEach((name, function) -> {
            Map<String, Object> own =
                    (Map<String, Object>) TemplateTest.properties(function).get("LoggingConfig");
            assertThat(own).as(name).isNotNull();
            Object group = ((Map<String, Object>) own.get("LogGroup")).get("Ref");
            assertThat(groups).as(name + " logs to a group of the stack").containsKey((String) group);
            assertThat(TemplateTest.properties(groups.get(group)))
                    .containsEntry("RetentionInDays", Map.of("Ref", "LogRetentionDays"));
        });
        assertThat(TemplateTest.globalEnvironment())
                .containsEntry(Config.SERVICE_NAME, Map.of("Ref", "AWS::StackName"));
    }
}
