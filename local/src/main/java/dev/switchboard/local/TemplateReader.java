package dev.switchboard.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a SAM / CloudFormation template and resolves it against the local resources: {@code !Ref}
 * of a table gives its name, of a topic its local ARN, of a parameter its default (or an override),
 * and the API Gateway management endpoint is rewritten to this machine.
 *
 * <p>Every property of every resource the template creates here (and of {@code Globals}) is resolved
 * at start-up, whether the local cloud uses it or not: an intrinsic function it cannot resolve
 * ({@code Fn::ImportValue}, {@code Fn::GetAZs}, a {@code Fn::GetAtt} attribute it does not model, ...)
 * fails {@link #read} with an {@link IllegalArgumentException} naming the intrinsic, the resource and
 * the property, instead of reaching a function as a string like {@code "{Fn::FindInMap=[...]}"}.
 */
public final class TemplateReader {

    /** Overrides that only replace a variable the template declares for the function, never add it. */
    private static final java.util.Set<String> SECRETS = java.util.Set.of("SWITCHBOARD_JWT_SECRET");

    /** Everything the local cloud decides that the template leaves to AWS. */
    public record Context(
            String stage,
            String region,
            String accountId,
            String apiId,
            String stackName,
            int httpPort,
            String dynamoDbEndpoint,
            String snsEndpoint,
            Map<String, String> parameterOverrides,
            Map<String, String> environmentOverrides) {}

    private static final Pattern SUB_VARIABLE = Pattern.compile("\\$\\{([^}!][^}]*)}");
    private static final Pattern MANAGEMENT_ENDPOINT =
            Pattern.compile("^https://[A-Za-z0-9]+\\.execute-api\\.[a-z0-9-]+\\.amazonaws\\.com/(.+)$");
    private static final Pattern FUNCTION_IN_ARN = Pattern.compile(":function:([^:/]+)");

    private final Map<String, Object> root;
    private final Map<String, Map<String, Object>> resources;
    private final Map<String, Object> parameters;
    private final Map<String, Object> conditions;
    private final Map<String, Object> mappings;
    /** Resources the template declares under a Condition that is false here. */
    private final java.util.Set<String> absent;

    private final Context context;

    private TemplateReader(Map<String, Object> root, Context context) {
        this.root = root;
        this.context = context;
        this.parameters = castMap(root.getOrDefault("Parameters", Map.of()));
        this.conditions = castMap(root.getOrDefault("Conditions", Map.of()));
        this.mappings = castMap(root.getOrDefault("Mappings", Map.of()));
        this.resources = new LinkedHashMap<>();
        this.absent = new java.util.HashSet<>();
        castMap(root.getOrDefault("Resources", Map.of())).forEach((k, v) -> {
            // A resource whose Condition is false is not created, as CloudFormation does: e.g. the regional
            // table when the stack runs in several regions, the global table in every region but the first.
            Object condition = castMap(v).get("Condition");
            if (condition == null || condition(String.valueOf(condition))) {
                resources.put(k, castMap(v));
            } else {
                absent.add(k);
            }
        });
    }

    /**
     * Parses and resolves the template at {@code path}.
     *
     * @throws IOException when it cannot be read or is no template
     * @throws IllegalArgumentException when something in it does not resolve here: the message starts
     *     with the file, names the resource and property, and says what to change
     */
    public static LocalTemplate read(Path path, Context context) throws IOException {
        Map<String, Object> root = CloudFormationYaml.read(path);
        try {
            TemplateReader reader = new TemplateReader(root, context);
            reader.resolveEverything();
            return reader.build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Resolves every property of every resource created here and of {@code Globals}, so that one the
     * local cloud cannot resolve stops it at start-up, named, rather than turning into a wrong value
     * in a function's environment (or passing unnoticed until a template change makes it matter).
     */
    private void resolveEverything() {
        for (Map.Entry<String, Object> section :
                castMap(root.getOrDefault("Globals", Map.of())).entrySet()) {
            for (Map.Entry<String, Object> property :
                    castMap(section.getValue()).entrySet()) {
                resolveNamed("Globals." + section.getKey(), property.getKey(), property.getValue());
            }
        }
        for (String id : resources.keySet()) {
            for (Map.Entry<String, Object> property : properties(id).entrySet()) {
                resolveNamed("resource " + id, property.getKey(), property.getValue());
            }
        }
    }

    private void resolveNamed(String where, String property, Object value) {
        try {
            resolve(value);
        } catch (IllegalArgumentException | IndexOutOfBoundsException | ClassCastException e) {
            throw new IllegalArgumentException(where + ", property " + property + ": " + e.getMessage(), e);
        }
    }

    private LocalTemplate build() {
        Map<String, LocalTemplate.FunctionDef> functions = new LinkedHashMap<>();
        Map<String, Object> globals =
                castMap(castMap(root.getOrDefault("Globals", Map.of())).getOrDefault("Function", Map.of()));
        String topicArn = null;
        String topicName = null;
        LocalTemplate.TableDef table = null;
        String routeSelection = "$request.body.action";
        double rate = 0;
        int burst = 0;
        for (Map.Entry<String, Map<String, Object>> e : resources.entrySet()) {
            String id = e.getKey();
            String type = String.valueOf(e.getValue().get("Type"));
            Map<String, Object> props = properties(id);
            switch (type) {
                case "AWS::Serverless::Function" -> functions.put(id, function(id, merge(globals, props)));
                case "AWS::SNS::Topic" -> {
                    if (topicArn == null) {
                        topicName = topicName(id);
                        topicArn = topicArn(topicName);
                    }
                }
                case "AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable" -> {
                    if (table == null) {
                        table = table(id, props);
                    }
                }
                case "AWS::ApiGatewayV2::Api" -> {
                    Object expr = resolve(props.get("RouteSelectionExpression"));
                    if (expr != null) {
                        routeSelection = expr.toString();
                    }
                }
                case "AWS::ApiGatewayV2::Stage" -> {
                    Map<String, Object> settings =
                            castMap(resolve(props.getOrDefault("DefaultRouteSettings", Map.of())));
                    rate = number(settings.get("ThrottlingRateLimit"));
                    burst = (int) number(settings.get("ThrottlingBurstLimit"));
                }
                default -> {}
            }
        }
        Map<String, LocalTemplate.Route> routes = routes(functions);
        List<String> subscribers = subscribers(functions, topicArn);
        List<LocalTemplate.Topic> topics = new ArrayList<>();
        List<LocalTemplate.Queue> queues = new ArrayList<>();
        for (Map.Entry<String, Map<String, Object>> e : resources.entrySet()) {
            String id = e.getKey();
            String type = String.valueOf(e.getValue().get("Type"));
            if ("AWS::SNS::Topic".equals(type)) {
                String arn = topicArn(topicName(id));
                topics.add(new LocalTemplate.Topic(id, topicName(id), arn, subscribers(functions, arn)));
            } else if ("AWS::SQS::Queue".equals(type)) {
                queues.add(
                        new LocalTemplate.Queue(id, queueName(id), queueArn(queueName(id)), queueUrl(queueName(id))));
            }
        }
        Map<String, LocalTemplate.AsyncInvokeConfig> asyncInvoke = new LinkedHashMap<>();
        for (String id : functions.keySet()) {
            asyncInvoke.put(id, asyncInvokeConfig(merge(globals, properties(id))));
        }
        return new LocalTemplate(
                routeSelection,
                routes,
                functions,
                table,
                topicName,
                topicArn,
                subscribers,
                rate,
                burst,
                List.copyOf(topics),
                List.copyOf(queues),
                Map.copyOf(asyncInvoke),
                schedules(functions));
    }

    private static final Pattern RATE =
            Pattern.compile("rate\\(\\s*(\\d+)\\s+(minute|minutes|hour|hours|day|days)\\s*\\)");

    /**
     * The functions' {@code Schedule} events. Only {@code rate(N unit)} is run locally; a {@code cron(...)}
     * expression or a {@code ScheduleV2} event fails the start-up by name rather than never firing.
     * EventBridge's rule: the unit is singular for 1 and plural otherwise
     * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html).
     */
    private List<LocalTemplate.Schedule> schedules(Map<String, LocalTemplate.FunctionDef> functions) {
        List<LocalTemplate.Schedule> schedules = new ArrayList<>();
        for (String id : functions.keySet()) {
            Map<String, Object> events = castMap(properties(id).getOrDefault("Events", Map.of()));
            for (Map.Entry<String, Object> event : events.entrySet()) {
                Map<String, Object> ev = castMap(event.getValue());
                Object type = ev.get("Type");
                if ("ScheduleV2".equals(type)) {
                    throw new IllegalArgumentException(
                            "function " + id + ", event " + event.getKey()
                                    + ": ScheduleV2 (EventBridge Scheduler) is not run by the local cloud: use Type: Schedule with rate(...)");
                }
                if (!"Schedule".equals(type)) {
                    continue;
                }
                Map<String, Object> props = castMap(ev.getOrDefault("Properties", Map.of()));
                String expression =
                        String.valueOf(resolve(props.get("Schedule"))).strip();
                Matcher m = RATE.matcher(expression);
                if (!m.matches()) {
                    throw new IllegalArgumentException(
                            "function " + id + ", event " + event.getKey() + ": schedule '" + expression
                                    + "' is not run by the local cloud (only rate(N minute|minutes|hour|hours|day|days)): use a rate expression");
                }
                long n = Long.parseLong(m.group(1));
                String unit = m.group(2);
                if (n == 0 || (n == 1) != !unit.endsWith("s")) {
                    throw new IllegalArgumentException(
                            "function " + id + ", event " + event.getKey() + ": '" + expression
                                    + "' is refused by EventBridge (the value must be positive, the unit singular for 1 and plural otherwise)");
                }
                java.time.Duration rate = switch (unit.replaceAll("s$", "")) {
                    case "minute" -> java.time.Duration.ofMinutes(n);
                    case "hour" -> java.time.Duration.ofHours(n);
                    default -> java.time.Duration.ofDays(n);
                };
                Object enabled = resolve(props.getOrDefault("Enabled", Boolean.TRUE));
                schedules.add(new LocalTemplate.Schedule(
                        id, event.getKey(), rate, !"false".equalsIgnoreCase(String.valueOf(enabled))));
            }
        }
        return List.copyOf(schedules);
    }

    /**
     * A function's {@code EventInvokeConfig}: how often Lambda retries a failed asynchronous
     * invocation (0-2, default 2) and where the record of one that still failed goes.
     * https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html
     */
    private LocalTemplate.AsyncInvokeConfig asyncInvokeConfig(Map<String, Object> props) {
        Map<String, Object> config = castMap(resolve(props.getOrDefault("EventInvokeConfig", Map.of())));
        Object retries = config.get("MaximumRetryAttempts");
        Map<String, Object> onFailure = castMap(
                castMap(config.getOrDefault("DestinationConfig", Map.of())).getOrDefault("OnFailure", Map.of()));
        Object destination = onFailure.get("Destination");
        return new LocalTemplate.AsyncInvokeConfig(
                retries == null ? 2 : (int) number(retries), destination == null ? null : scalar(destination));
    }

    private Map<String, LocalTemplate.Route> routes(Map<String, LocalTemplate.FunctionDef> functions) {
        Map<String, LocalTemplate.Route> routes = new LinkedHashMap<>();
        for (Map.Entry<String, Map<String, Object>> e : resources.entrySet()) {
            if (!"AWS::ApiGatewayV2::Route".equals(e.getValue().get("Type"))) {
                continue;
            }
            Map<String, Object> props = properties(e.getKey());
            String routeKey = String.valueOf(resolve(props.get("RouteKey")));
            Object authorization = resolve(props.get("AuthorizationType"));
            if (authorization != null && !"NONE".equals(authorization.toString())) {
                // Ignoring it would be kinder than API Gateway: every connection would get through.
                throw new IllegalArgumentException("route " + routeKey + " (resource " + e.getKey()
                        + "): AuthorizationType "
                        + authorization + " is not emulated by the local cloud, which would let every connection in: "
                        + "authenticate in $connect (as Switchboard does) or use AuthorizationType NONE locally");
            }
            Object target = resolve(props.get("Target"));
            if (target == null) {
                continue; // a route without integration (mock): nothing to invoke locally
            }
            String integrationId = target.toString().replaceFirst("^integrations/", "");
            String functionId = functionOfIntegration(integrationId, functions);
            if (functionId == null) {
                throw new IllegalArgumentException("route " + routeKey + ": integration " + integrationId
                        + " does not invoke a function of this template");
            }
            boolean twoWay = props.get("RouteResponseSelectionExpression") != null;
            routes.put(
                    routeKey,
                    new LocalTemplate.Route(routeKey, functionId, twoWay, integrationTimeout(integrationId, routeKey)));
        }
        return routes;
    }

    /**
     * The integration's {@code TimeoutInMillis}, or API Gateway's 29 s default. Outside 50–29,000 ms
     * CloudFormation refuses the template for a WebSocket API, so the start fails here too.
     */
    private java.time.Duration integrationTimeout(String integrationId, String routeKey) {
        Object value = resolve(properties(integrationId).get("TimeoutInMillis"));
        if (value == null) {
            return LocalTemplate.Route.MAX_INTEGRATION_TIMEOUT;
        }
        long millis;
        try {
            millis = (long) number(value);
        } catch (NumberFormatException e) {
            millis = -1;
        }
        java.time.Duration timeout = java.time.Duration.ofMillis(millis);
        if (timeout.compareTo(LocalTemplate.Route.MIN_INTEGRATION_TIMEOUT) < 0
                || timeout.compareTo(LocalTemplate.Route.MAX_INTEGRATION_TIMEOUT) > 0) {
            throw new IllegalArgumentException("route " + routeKey + " (integration " + integrationId
                    + "): TimeoutInMillis " + value + " is outside 50-29000, which API Gateway refuses for a"
                    + " WebSocket API: set a value in that range or remove it (default 29000)");
        }
        return timeout;
    }

    private String functionOfIntegration(String integrationId, Map<String, LocalTemplate.FunctionDef> functions) {
        Map<String, Object> props = properties(integrationId);
        Object uri = resolve(props.get("IntegrationUri"));
        if (uri == null) {
            return null;
        }
        Matcher m = FUNCTION_IN_ARN.matcher(uri.toString());
        if (!m.find()) {
            return null;
        }
        String name = m.group(1);
        return functions.values().stream()
                .filter(f -> f.functionName().equals(name))
                .map(LocalTemplate.FunctionDef::logicalId)
                .findFirst()
                .orElse(null);
    }

    private List<String> subscribers(Map<String, LocalTemplate.FunctionDef> functions, String topicArn) {
        List<String> result = new ArrayList<>();
        if (topicArn == null) {
            return result;
        }
        for (Map.Entry<String, Map<String, Object>> e : resources.entrySet()) {
            String type = String.valueOf(e.getValue().get("Type"));
            Map<String, Object> props = properties(e.getKey());
            if ("AWS::Serverless::Function".equals(type)) {
                for (Object event :
                        castMap(props.getOrDefault("Events", Map.of())).values()) {
                    Map<String, Object> ev = castMap(event);
                    if ("SNS".equals(ev.get("Type"))
                            && topicArn.equals(String.valueOf(
                                    resolve(castMap(ev.get("Properties")).get("Topic"))))) {
                        result.add(e.getKey());
                    }
                }
            } else if ("AWS::SNS::Subscription".equals(type)
                    && "lambda".equals(resolve(props.get("Protocol")))
                    && topicArn.equals(String.valueOf(resolve(props.get("TopicArn"))))) {
                Matcher m = FUNCTION_IN_ARN.matcher(String.valueOf(resolve(props.get("Endpoint"))));
                if (m.find()) {
                    functions.values().stream()
                            .filter(f -> f.functionName().equals(m.group(1)))
                            .findFirst()
                            .ifPresent(f -> result.add(f.logicalId()));
                }
            }
        }
        return result;
    }

    private LocalTemplate.FunctionDef function(String id, Map<String, Object> props) {
        String handler = String.valueOf(resolve(props.get("Handler")));
        String handlerClass = handler;
        String method = "handleRequest";
        int sep = handler.indexOf("::");
        if (sep >= 0) {
            handlerClass = handler.substring(0, sep);
            method = handler.substring(sep + 2);
        }
        int timeout = (int) number(resolve(props.getOrDefault("Timeout", 3)));
        int memory = (int) number(resolve(props.getOrDefault("MemorySize", 128)));
        Map<String, String> env = new LinkedHashMap<>();
        Map<String, Object> variables =
                castMap(castMap(props.getOrDefault("Environment", Map.of())).getOrDefault("Variables", Map.of()));
        for (Map.Entry<String, Object> v : variables.entrySet()) {
            Object value = resolve(v.getValue());
            if (value == null) {
                continue; // AWS::NoValue
            }
            String text = scalar(value);
            if (text.contains("{{resolve:")) {
                text = ""; // dynamic references (Secrets Manager, SSM) do not exist here: use an override
            }
            Matcher m = MANAGEMENT_ENDPOINT.matcher(text);
            if (m.matches()) {
                text = "http://localhost:" + context.httpPort() + "/" + m.group(1);
            }
            env.put(v.getKey(), text);
        }
        // The SDK's own service-specific endpoint variables (AWS SDKs and Tools reference guide,
        // "Service-specific endpoints"): the functions' code has no endpoint setting of its own.
        env.put("AWS_ENDPOINT_URL_DYNAMODB", context.dynamoDbEndpoint());
        env.put("AWS_ENDPOINT_URL_SNS", context.snsEndpoint());
        env.put("AWS_REGION", context.region());
        env.put("AWS_DEFAULT_REGION", context.region());
        env.put("AWS_LAMBDA_FUNCTION_NAME", functionName(id));
        env.put("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", Integer.toString(memory));
        for (Map.Entry<String, String> override : context.environmentOverrides().entrySet()) {
            // A secret reaches only the functions the template gives it to, as on AWS (least privilege):
            // --jwt-secret fills in $connect's SWITCHBOARD_JWT_SECRET, it adds the variable to no other function.
            if (!SECRETS.contains(override.getKey()) || variables.containsKey(override.getKey())) {
                env.put(override.getKey(), override.getValue());
            }
        }
        Object reserved = resolve(props.get("ReservedConcurrentExecutions"));
        return new LocalTemplate.FunctionDef(
                id,
                functionName(id),
                handlerClass,
                method,
                timeout,
                memory,
                Map.copyOf(env),
                reserved == null ? -1 : (int) number(reserved),
                logging(id, castMap(props.get("LoggingConfig"))));
    }

    private static final java.util.Set<String> APPLICATION_LOG_LEVELS =
            java.util.Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL");
    private static final java.util.Set<String> SYSTEM_LOG_LEVELS = java.util.Set.of("DEBUG", "INFO", "WARN");

    /**
     * A function's {@code LoggingConfig}, already merged with the one of {@code Globals} (SAM merges
     * maps key by key). Only the values Lambda accepts: another stops the start, naming the function
     * and the property, as the deployment would fail.
     * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-lambda-function-loggingconfig.html
     */
    private LocalTemplate.LoggingConfig logging(String id, Map<String, Object> config) {
        String format = loggingValue(id, config, "LogFormat", "Text", java.util.Set.of("Text", "JSON"));
        return new LocalTemplate.LoggingConfig(
                format,
                loggingValue(id, config, "ApplicationLogLevel", "INFO", APPLICATION_LOG_LEVELS),
                loggingValue(id, config, "SystemLogLevel", "INFO", SYSTEM_LOG_LEVELS));
    }

    private String loggingValue(
            String id, Map<String, Object> config, String property, String absent, java.util.Set<String> allowed) {
        Object value = config.containsKey(property) ? resolve(config.get(property)) : null;
        if (value == null) {
            return absent;
        }
        String text = scalar(value);
        if (!allowed.contains(text)) {
            throw new IllegalArgumentException(id + ".LoggingConfig." + property + " is '" + text
                    + "': Lambda accepts one of " + new java.util.TreeSet<>(allowed)
                    + " (fix the template or the parameter it refers to)");
        }
        return text;
    }

    private LocalTemplate.TableDef table(String id, Map<String, Object> rawProps) {
        Map<String, Object> props = castMap(resolve(rawProps));
        Map<String, String> types = new LinkedHashMap<>();
        for (Object a : castList(props.getOrDefault("AttributeDefinitions", List.of()))) {
            Map<String, Object> def = castMap(a);
            types.put(String.valueOf(def.get("AttributeName")), String.valueOf(def.get("AttributeType")));
        }
        String[] keys = keys(props.get("KeySchema"));
        List<LocalTemplate.Index> indexes = new ArrayList<>();
        for (Object g : castList(props.getOrDefault("GlobalSecondaryIndexes", List.of()))) {
            Map<String, Object> gsi = castMap(g);
            String[] k = keys(gsi.get("KeySchema"));
            Map<String, Object> projection = castMap(gsi.getOrDefault("Projection", Map.of()));
            List<String> nonKey = castList(projection.getOrDefault("NonKeyAttributes", List.of())).stream()
                    .map(String::valueOf)
                    .toList();
            indexes.add(new LocalTemplate.Index(
                    String.valueOf(gsi.get("IndexName")),
                    k[0],
                    k[1],
                    String.valueOf(projection.getOrDefault("ProjectionType", "ALL")),
                    nonKey));
        }
        Map<String, Object> ttl = castMap(props.getOrDefault("TimeToLiveSpecification", Map.of()));
        String ttlAttribute = Boolean.parseBoolean(String.valueOf(ttl.get("Enabled")))
                ? String.valueOf(ttl.get("AttributeName"))
                : null;
        List<String> replicas = new ArrayList<>();
        for (Object r : castList(props.getOrDefault("Replicas", List.of()))) {
            if (r != null) { // an !If that gives AWS::NoValue
                replicas.add(scalar(castMap(r).get("Region")));
            }
        }
        return new LocalTemplate.TableDef(
                tableName(id), types, keys[0], keys[1], indexes, ttlAttribute, List.copyOf(replicas));
    }

    private static String[] keys(Object keySchema) {
        String[] keys = new String[2];
        for (Object k : castList(keySchema == null ? List.of() : keySchema)) {
            Map<String, Object> key = castMap(k);
            keys["HASH".equals(key.get("KeyType")) ? 0 : 1] = String.valueOf(key.get("AttributeName"));
        }
        return keys;
    }

    // ------------------------------------------------------------------ intrinsic functions

    Object resolve(Object value) {
        if (value instanceof List<?> list) {
            List<Object> out = new ArrayList<>();
            for (Object o : list) {
                out.add(resolve(o));
            }
            return out;
        }
        if (!(value instanceof Map<?, ?> map)) {
            return value;
        }
        if (map.size() == 1) {
            String key = String.valueOf(map.keySet().iterator().next());
            Object arg = map.values().iterator().next();
            switch (key) {
                case "Ref":
                    return ref(String.valueOf(resolve(arg)));
                case "Fn::GetAtt": {
                    Object a = resolve(arg);
                    List<?> parts = a instanceof List<?> l
                            ? l
                            : List.of(String.valueOf(a).split("\\.", 2));
                    return getAtt(String.valueOf(parts.get(0)), String.valueOf(parts.get(1)));
                }
                case "Fn::Sub":
                    return sub(arg);
                case "Fn::Join": {
                    List<?> args = castList(arg);
                    List<String> items = new ArrayList<>();
                    for (Object o : castList(resolve(args.get(1)))) {
                        if (o != null) {
                            items.add(scalar(o));
                        }
                    }
                    return String.join(String.valueOf(resolve(args.get(0))), items);
                }
                case "Fn::If": {
                    List<?> args = castList(arg);
                    return condition(String.valueOf(args.get(0))) ? resolve(args.get(1)) : resolve(args.get(2));
                }
                case "Fn::Equals": {
                    List<?> args = castList(resolve(arg));
                    return scalar(args.get(0)).equals(scalar(args.get(1)));
                }
                case "Fn::Not":
                    return !truth(castList(resolve(arg)).get(0));
                case "Fn::And":
                    return castList(resolve(arg)).stream().allMatch(TemplateReader::truth);
                case "Fn::Or":
                    return castList(resolve(arg)).stream().anyMatch(TemplateReader::truth);
                case "Condition":
                    return condition(String.valueOf(arg));
                case "Fn::Split": {
                    List<?> args = castList(arg);
                    String separator = scalar(resolve(args.get(0)));
                    return List.of(scalar(resolve(args.get(1))).split(Pattern.quote(separator), -1));
                }
                case "Fn::Select": {
                    List<?> args = castList(arg);
                    return castList(resolve(args.get(1))).get((int) number(resolve(args.get(0))));
                }
                case "Fn::FindInMap": {
                    List<?> args = castList(resolve(arg));
                    return findInMap(scalar(args.get(0)), scalar(args.get(1)), scalar(args.get(2)));
                }
                case "Fn::Base64":
                    return java.util.Base64.getEncoder()
                            .encodeToString(scalar(resolve(arg)).getBytes(StandardCharsets.UTF_8));
                case "Fn::Length":
                    return castList(resolve(arg)).size();
                default:
                    if (key.startsWith("Fn::")) {
                        throw new IllegalArgumentException(unresolved(key));
                    }
                    break;
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            out.put(String.valueOf(e.getKey()), resolve(e.getValue()));
        }
        return out;
    }

    /** Why {@code intrinsic} stops the local cloud, and what to do instead. */
    private static String unresolved(String intrinsic) {
        String instead = switch (intrinsic) {
            case "Fn::ImportValue" ->
                "another stack's export does not exist here: pass the value as a Parameter"
                        + " (--parameter-overrides NAME=VALUE locally)";
            case "Fn::GetAZs", "Fn::Cidr" ->
                "there are no VPCs or Availability Zones here: use a Parameter or a literal";
            case "Fn::Transform" -> "macros do not run here: expand the snippet into the template";
            default -> "use a Parameter, a Mapping (!FindInMap) or a literal, or teach TemplateReader.resolve it";
        };
        return intrinsic + " is not resolved by the local cloud (it would become text, not the value AWS gives): "
                + instead;
    }

    /**
     * {@code Fn::FindInMap} over the template's {@code Mappings}; a missing key fails, as CloudFormation
     * does (its optional DefaultValue needs the AWS::LanguageExtensions transform, which this template
     * reader does not run).
     */
    private Object findInMap(String map, String topKey, String secondKey) {
        Map<String, Object> top = castMap(mappings.get(map));
        Object second = castMap(top.get(topKey)).get(secondKey);
        if (second == null) {
            throw new IllegalArgumentException("Fn::FindInMap [" + map + ", " + topKey + ", " + secondKey
                    + "] finds nothing: add that key to Mappings." + map + " (keys now: " + top.keySet() + ")");
        }
        return second;
    }

    private boolean condition(String name) {
        Object c = conditions.get(name);
        if (c == null) {
            throw new IllegalArgumentException("unknown condition " + name);
        }
        return truth(resolve(c));
    }

    private static boolean truth(Object o) {
        return o instanceof Boolean b ? b : Boolean.parseBoolean(String.valueOf(o));
    }

    private Object sub(Object arg) {
        String text;
        Map<String, Object> variables = Map.of();
        if (arg instanceof List<?> list) {
            text = String.valueOf(list.get(0));
            variables = castMap(resolve(list.get(1)));
        } else {
            text = String.valueOf(arg);
        }
        Matcher m = SUB_VARIABLE.matcher(text);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String name = m.group(1).trim();
            Object value;
            if (variables.containsKey(name)) {
                value = variables.get(name);
            } else if (name.contains(".") && !name.startsWith("AWS::") && !parameters.containsKey(name)) {
                String[] parts = name.split("\\.", 2);
                value = "Alias".equals(parts[1]) ? ref(name) : getAtt(parts[0], parts[1]);
            } else {
                value = ref(name);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(scalar(value)));
        }
        m.appendTail(out);
        return out.toString().replace("${!", "${");
    }

    private Object ref(String name) {
        switch (name) {
            case "AWS::Region":
                return context.region();
            case "AWS::AccountId":
                return context.accountId();
            case "AWS::Partition":
                return "aws";
            case "AWS::StackName":
                return context.stackName();
            case "AWS::StackId":
                return "arn:aws:cloudformation:" + context.region() + ":" + context.accountId() + ":stack/"
                        + context.stackName() + "/local";
            case "AWS::URLSuffix":
                return "amazonaws.com";
            case "AWS::NoValue":
                return null;
            default:
                break;
        }
        if (parameters.containsKey(name)) {
            String value;
            if (context.parameterOverrides().containsKey(name)) {
                value = context.parameterOverrides().get(name);
            } else {
                Object def = castMap(parameters.get(name)).get("Default");
                value = def == null ? "" : scalar(def);
            }
            // A list parameter's Ref is the list (an empty value is a list of one empty string, as on AWS).
            return "CommaDelimitedList".equals(castMap(parameters.get(name)).get("Type"))
                    ? List.of(value.split(",", -1)).stream().map(String::trim).toList()
                    : value;
        }
        if (name.endsWith(".Alias")) {
            String fn = name.substring(0, name.length() - ".Alias".length());
            return functionArn(fn) + ":live";
        }
        Map<String, Object> resource = resources.get(name);
        if (resource == null) {
            throw new IllegalArgumentException(
                    absent.contains(name)
                            ? "!Ref to " + name
                                    + ", which its Condition leaves out here: guard the reference with the same condition (!If)"
                            : "!Ref to unknown parameter or resource: " + name);
        }
        return switch (String.valueOf(resource.get("Type"))) {
            case "AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable" -> tableName(name);
            case "AWS::SNS::Topic" -> topicArn(topicName(name));
            case "AWS::SQS::Queue" -> queueUrl(queueName(name));
            case "AWS::Serverless::Function", "AWS::Lambda::Function" -> functionName(name);
            case "AWS::ApiGatewayV2::Api" -> context.apiId();
            case "AWS::ApiGatewayV2::Stage" -> context.stage();
            default -> name;
        };
    }

    private Object getAtt(String resource, String attribute) {
        Map<String, Object> r = resources.get(resource);
        if (r == null && "Arn".equals(attribute) && samRoleOf(resource) != null) {
            // SAM creates <FunctionId>Role for a function without a Role property ("AWS::Serverless::Function",
            // generated resources:
            // https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-generated-resources-function.html)
            return "arn:aws:iam::" + context.accountId() + ":role/" + context.stackName() + "-" + resource;
        }
        if (r == null) {
            throw new IllegalArgumentException(
                    absent.contains(resource)
                            ? "!GetAtt of " + resource
                                    + ", which its Condition leaves out here: guard the reference with the same condition (!If)"
                            : "!GetAtt of unknown resource: " + resource + " (check the logical id)");
        }
        String type = String.valueOf(r.get("Type"));
        return switch (type + "." + attribute) {
            case "AWS::DynamoDB::Table.Arn", "AWS::DynamoDB::GlobalTable.Arn" ->
                "arn:aws:dynamodb:" + context.region() + ":" + context.accountId() + ":table/" + tableName(resource);
            case "AWS::SNS::Topic.TopicName" -> topicName(resource);
            case "AWS::SNS::Topic.TopicArn" -> topicArn(topicName(resource));
            case "AWS::SQS::Queue.Arn" -> queueArn(queueName(resource));
            case "AWS::SQS::Queue.QueueName" -> queueName(resource);
            case "AWS::SQS::Queue.QueueUrl" -> queueUrl(queueName(resource));
            case "AWS::Serverless::Function.Arn", "AWS::Lambda::Function.Arn" -> functionArn(resource);
            case "AWS::ApiGatewayV2::Api.ApiEndpoint" ->
                "wss://" + context.apiId() + ".execute-api." + context.region() + ".amazonaws.com";
            case "AWS::ApiGatewayV2::Api.ApiId" -> context.apiId();
            case "AWS::CloudWatch::Alarm.Arn" ->
                "arn:aws:cloudwatch:" + context.region() + ":" + context.accountId() + ":alarm:"
                        + nameOf(resource, "AlarmName");
            case "AWS::IAM::Role.Arn" ->
                "arn:aws:iam::" + context.accountId() + ":role/" + context.stackName() + "-" + resource;
            default ->
                throw new IllegalArgumentException("Fn::GetAtt " + resource + "." + attribute + " (" + type
                        + ") is not resolved by the local cloud (it would become text, not the value AWS gives): add the attribute to"
                        + " TemplateReader.getAtt, or use a Ref or a Parameter");
        };
    }

    /** The function whose SAM-generated role is {@code logicalId} ({@code <FunctionId>Role}), or null. */
    private String samRoleOf(String logicalId) {
        if (!logicalId.endsWith("Role")) {
            return null;
        }
        String function = logicalId.substring(0, logicalId.length() - "Role".length());
        Map<String, Object> r = resources.get(function);
        return r != null
                        && "AWS::Serverless::Function".equals(r.get("Type"))
                        && properties(function).get("Role") == null
                ? function
                : null;
    }

    private String functionArn(String logicalId) {
        return "arn:aws:lambda:" + context.region() + ":" + context.accountId() + ":function:"
                + functionName(logicalId);
    }

    /** Functions keep their logical id as name, readable in logs (AWS would add stack name and a suffix). */
    private static String functionName(String logicalId) {
        return logicalId;
    }

    private String tableName(String logicalId) {
        Object name = properties(logicalId).get("TableName");
        return name != null ? scalar(resolve(name)) : context.stackName() + "-" + logicalId;
    }

    private String topicName(String logicalId) {
        Object name = properties(logicalId).get("TopicName");
        return name != null ? scalar(resolve(name)) : context.stackName() + "-" + logicalId;
    }

    private String queueName(String logicalId) {
        Object name = properties(logicalId).get("QueueName");
        return name != null ? scalar(resolve(name)) : context.stackName() + "-" + logicalId;
    }

    /** The resource's {@code nameProperty}, or the name CloudFormation would generate (stack-logicalId). */
    private String nameOf(String logicalId, String nameProperty) {
        Object name = properties(logicalId).get(nameProperty);
        return name != null ? scalar(resolve(name)) : context.stackName() + "-" + logicalId;
    }

    private String queueArn(String queueName) {
        return "arn:aws:sqs:" + context.region() + ":" + context.accountId() + ":" + queueName;
    }

    /** The local SQS endpoint shares the SNS endpoint's port; the path is SQS's own {@code /ACCOUNT/NAME}. */
    private String queueUrl(String queueName) {
        return context.snsEndpoint() + "/" + context.accountId() + "/" + queueName;
    }

    private String topicArn(String topicName) {
        return "arn:aws:sns:" + context.region() + ":" + context.accountId() + ":" + topicName;
    }

    private Map<String, Object> properties(String logicalId) {
        Map<String, Object> r = resources.get(logicalId);
        return r == null ? Map.of() : castMap(r.getOrDefault("Properties", Map.of()));
    }

    /** SAM Globals: the function's own properties win; environment variables merge key by key. */
    private static Map<String, Object> merge(Map<String, Object> globals, Map<String, Object> own) {
        Map<String, Object> merged = new LinkedHashMap<>(globals);
        for (Map.Entry<String, Object> e : own.entrySet()) {
            Object g = merged.get(e.getKey());
            if (g instanceof Map<?, ?> gm && e.getValue() instanceof Map<?, ?> om) {
                merged.put(e.getKey(), merge(castMap(gm), castMap(om)));
            } else {
                merged.put(e.getKey(), e.getValue());
            }
        }
        return merged;
    }

    private static String scalar(Object o) {
        if (o instanceof Double d && d == Math.rint(d)) {
            return Long.toString(d.longValue());
        }
        return String.valueOf(o);
    }

    private static double number(Object o) {
        if (o == null) {
            return 0;
        }
        return o instanceof Number n ? n.doubleValue() : Double.parseDouble(o.toString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object o) {
        return o instanceof Map<?, ?> ? (Map<String, Object>) o : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static List<Object> castList(Object o) {
        return o instanceof List<?> ? (List<Object>) o : List.of(o);
    }
}
