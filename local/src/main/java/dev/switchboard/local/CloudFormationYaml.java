package dev.switchboard.local;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.AbstractConstruct;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Loads a CloudFormation / SAM template written in YAML into plain maps and lists, turning the
 * short-form intrinsic tags into the long form CloudFormation defines for them ({@code !Ref X} →
 * {@code {"Ref": "X"}}, {@code !GetAtt A.B} → {@code {"Fn::GetAtt": ["A", "B"]}}, {@code !Sub s} →
 * {@code {"Fn::Sub": "s"}}, ...), so the local cloud's {@link TemplateReader} and the template tests read
 * the same tree. Nothing is resolved here: that is {@link TemplateReader}'s job.
 *
 * <p>The tags are those of "Intrinsic function reference" and "Condition functions" in the
 * CloudFormation User Guide
 * (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference.html).
 * Maps keep the template's key order. Loading is snakeyaml's SafeConstructor: no Java types from tags.
 */
public final class CloudFormationYaml {

    /** Tags whose long form has no {@code Fn::} prefix. */
    private static final List<String> PLAIN = List.of("Ref", "Condition");
    /** Tags whose long form is {@code Fn::NAME}. */
    private static final List<String> FUNCTIONS = List.of(
            "Base64",
            "Cidr",
            "FindInMap",
            "GetAtt",
            "GetAZs",
            "ImportValue",
            "Join",
            "Length",
            "Select",
            "Split",
            "Sub",
            "ToJsonString",
            "Transform",
            "And",
            "Equals",
            "If",
            "Not",
            "Or");

    private CloudFormationYaml() {}

    /**
     * Reads the template at {@code template} (UTF-8).
     *
     * @return the top-level mapping (Resources, Parameters, ...), intrinsics in long form
     * @throws IOException when the file cannot be read, or it holds no top-level mapping (the message
     *     names the file)
     * @throws org.yaml.snakeyaml.error.YAMLException when it is not YAML, or uses a tag that is no
     *     CloudFormation intrinsic
     */
    public static Map<String, Object> read(Path template) throws IOException {
        try (Reader reader = Files.newBufferedReader(template, StandardCharsets.UTF_8)) {
            Object loaded = new Yaml(new IntrinsicConstructor()).load(reader);
            if (!(loaded instanceof Map<?, ?> map)) {
                throw new IOException(
                        template + " is not a CloudFormation template (no top-level mapping): check the path");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> root = (Map<String, Object>) map;
            return root;
        }
    }

    private static final class IntrinsicConstructor extends SafeConstructor {
        IntrinsicConstructor() {
            super(new LoaderOptions());
            for (String name : PLAIN) {
                yamlConstructors.put(new Tag("!" + name), new Intrinsic(name));
            }
            for (String name : FUNCTIONS) {
                yamlConstructors.put(new Tag("!" + name), new Intrinsic("Fn::" + name));
            }
        }

        private final class Intrinsic extends AbstractConstruct {
            private final String key;

            Intrinsic(String key) {
                this.key = key;
            }

            @Override
            public Object construct(Node node) {
                Object value;
                if (node instanceof ScalarNode scalar) {
                    String text = (String) constructScalar(scalar);
                    // "!GetAtt logicalNameOfResource.attributeName" is the short form of [name, attribute]
                    value = key.equals("Fn::GetAtt") ? List.of(text.split("\\.", 2)) : text;
                } else if (node instanceof SequenceNode sequence) {
                    value = constructSequence(sequence);
                } else {
                    value = constructMapping((MappingNode) node);
                }
                Map<String, Object> longForm = new LinkedHashMap<>();
                longForm.put(key, value);
                return longForm;
            }
        }
    }
}
