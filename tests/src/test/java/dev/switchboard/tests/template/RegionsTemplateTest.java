package dev.switchboard.tests.template;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.local.LocalTemplate;
import dev.switchboard.local.TemplateReader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * template.yaml in its two shapes (issue 20): one region with a regional table, and several regions
 * over one global table that the first region's stack creates with every replica while the other
 * regions' stacks use theirs. The raw template is checked for what CloudFormation needs, and the
 * template as resolved for a region (conditions evaluated, as the local cloud reads it) for what
 * each stack ends up with.
 */
class RegionsTemplateTest {

    static Map<String, Object> resources;

    @BeforeAll
    static void load() throws Exception {
        TemplateTest.load(); // read once, for this class and the helpers of TemplateTest it uses
        resources = TemplateTest.resources;
    }

    static LocalTemplate resolved(String region, String replicaRegions) throws Exception {
        Map<String, String> parameters = replicaRegions == null
                ? Map.of("StageName", "prod")
                : Map.of("StageName", "prod", "ReplicaRegions", replicaRegions);
        return TemplateReader.read(
                TemplateTest.TEMPLATE,
                new TemplateReader.Context(
                        "prod",
                        region,
                        "123456789012",
                        "api" + region.hashCode(),
                        "chat",
                        8080,
                        "http://localhost:8000",
                        "http://localhost:9911",
                        parameters,
                        Map.of()));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> resource(String name) {
        return (Map<String, Object>) resources.get(name);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> properties(String name) {
        return (Map<String, Object>) resource(name).get("Properties");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theGlobalTable_isTheRegionalTableWithReplicas_streamsAndHomeProjected() {
        assertThat(resource("Table"))
                .containsEntry("Type", "AWS::DynamoDB::Table")
                .containsEntry("Condition", "SingleRegion");
        assertThat(resource("GlobalTable"))
                .containsEntry("Type", "AWS::DynamoDB::GlobalTable")
                .containsEntry("Condition", "OwnsGlobalTable");
        Map<String, Object> table = properties("Table");
        Map<String, Object> global = properties("GlobalTable");
        for (String same : List.of(
                "BillingMode", "AttributeDefinitions", "KeySchema", "TimeToLiveSpecification", "SSESpecification")) {
            assertThat(global.get(same)).as(same).isEqualTo(table.get(same));
        }
        List<Map<String, Object>> regional = (List<Map<String, Object>>) table.get("GlobalSecondaryIndexes");
        List<Map<String, Object>> replicated = (List<Map<String, Object>>) global.get("GlobalSecondaryIndexes");
        assertThat(replicated).hasSameSizeAs(regional);
        for (int i = 0; i < regional.size(); i++) {
            Map<String, Object> r = regional.get(i);
            Map<String, Object> g = replicated.get(i);
            assertThat(g.get("IndexName")).isEqualTo(r.get("IndexName"));
            assertThat(g.get("KeySchema")).isEqualTo(r.get("KeySchema"));
            List<Object> expected =
                    new ArrayList<>((List<Object>) ((Map<String, Object>) r.get("Projection")).get("NonKeyAttributes"));
            expected.add("home"); // fan-outs read where each recipient lives from the indexes too
            assertThat(((Map<String, Object>) g.get("Projection")).get("NonKeyAttributes"))
                    .isEqualTo(expected);
        }
        // required by a global table of more than one replica
        assertThat((Map<String, Object>) global.get("StreamSpecification"))
                .containsEntry("StreamViewType", "NEW_AND_OLD_IMAGES");
    }

    @Test
    void oneRegion_keepsTheRegionalTable_andRecordsNoRegion() throws Exception {
        LocalTemplate t = resolved("us-east-1", null);
        assertThat(t.table().tableName()).isEqualTo("chat-Table");
        assertThat(t.table().replicaRegions()).isEmpty();
        assertThat(t.table().globalSecondaryIndexes())
                .allSatisfy(i -> assertThat(i.nonKeyAttributes()).doesNotContain("home"));
        t.functions()
                .values()
                .forEach(f -> assertThat(f.environment())
                        .as(f.logicalId())
                        .containsEntry("SWITCHBOARD_TABLE", "chat-Table")
                        .containsEntry("SWITCHBOARD_REGIONS", ""));
    }

    @Test
    void severalRegions_theFirstRegionsStackCreatesTheGlobalTableWithEveryReplica() throws Exception {
        LocalTemplate t = resolved("us-east-1", "us-east-1,eu-west-1,ap-southeast-2");
        assertThat(t.table().tableName()).isEqualTo("chat-chat");
        assertThat(t.table().replicaRegions()).containsExactly("us-east-1", "eu-west-1", "ap-southeast-2");
        assertThat(t.table().globalSecondaryIndexes())
                .allSatisfy(i -> assertThat(i.nonKeyAttributes()).contains("home"));
        t.functions()
                .values()
                .forEach(f -> assertThat(f.environment())
                        .as(f.logicalId())
                        .containsEntry("SWITCHBOARD_TABLE", "chat-chat")
                        .containsEntry("SWITCHBOARD_REGIONS", "us-east-1,eu-west-1,ap-southeast-2"));

        LocalTemplate two = resolved("eu-west-1", "eu-west-1,us-east-1");
        assertThat(two.table().replicaRegions()).containsExactly("eu-west-1", "us-east-1");
    }

    @Test
    void severalRegions_theOtherRegionsStacksCreateNoTable_andUseTheirReplicaByName() throws Exception {
        LocalTemplate t = resolved("eu-west-1", "us-east-1,eu-west-1");
        assertThat(t.table())
                .as("the replica belongs to the first region's stack")
                .isNull();
        t.functions()
                .values()
                .forEach(f -> assertThat(f.environment())
                        .as(f.logicalId())
                        .containsEntry("SWITCHBOARD_TABLE", "chat-chat")
                        .containsEntry("SWITCHBOARD_REGIONS", "us-east-1,eu-west-1")
                        // each region's functions post through their own region's API
                        .containsEntry("AWS_REGION", "eu-west-1"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void severalRegions_functionsThatFanOut_mayPostToTheStagesApiInEveryRegion() {
        for (String function : List.of("MessageFunction", "BroadcastFunction", "DisconnectFunction")) {
            List<Map<String, Object>> statements = TemplateTest.statements(function, "execute-api:ManageConnections");
            assertThat(statements).as(function).hasSize(1);
            List<Object> ifArgs =
                    (List<Object>) ((Map<String, Object>) statements.get(0).get("Resource")).get("Fn::If");
            assertThat(ifArgs.get(0)).isEqualTo("MultiRegion");
            assertThat(String.valueOf(ifArgs.get(1)))
                    .contains("execute-api:*:${AWS::AccountId}:*/${StageName}/POST/@connections/*");
            assertThat(String.valueOf(ifArgs.get(2)))
                    .contains(
                            "execute-api:${AWS::Region}:${AWS::AccountId}:${WebSocketApi}/${StageName}/POST/@connections/*");
        }
        // refresh answers only its own connection: never another region
        assertThat(String.valueOf(TemplateTest.statements("ConnectFunction", "execute-api:ManageConnections")
                        .get(0)
                        .get("Resource")))
                .doesNotContain("Fn::If")
                .contains("${AWS::Region}");
    }
}
