package dev.switchboard.tests.architecture;

import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import dev.switchboard.protocol.Durations;

/**
 * The module arrows of docs/CONTRACTS.md and docs/STYLE.md point 1, checked on the production classes
 * of every module this test module sees (all but the bench): the modules' poms allow more than the
 * design does (core's jar carries the SDK, every handler sees every core package), so these rules are
 * what keeps, say, an SDK call out of a handler or a handler class out of core. Test classes are not
 * checked. A rule that matches no class fails (ArchUnit's {@code failOnEmptyShould}), so a renamed
 * package cannot make a rule pass by checking nothing.
 */
@AnalyzeClasses(packages = "dev.switchboard", importOptions = ImportOption.DoNotIncludeTests.class)
class ModuleArchitectureTest {

    private static final String CORE = "dev.switchboard.core..";
    private static final String CORE_AWS = "dev.switchboard.core.aws..";
    /** The wire format: the protocol module (switchboard-protocol). */
    private static final String PROTOCOL = "dev.switchboard.protocol..";

    private static final String CONNECT = "dev.switchboard.connect..";
    private static final String MESSAGE = "dev.switchboard.message..";
    private static final String DISCONNECT = "dev.switchboard.disconnect..";
    private static final String LOCAL = "dev.switchboard.local..";
    private static final String CLI = "dev.switchboard.cli..";
    private static final String LOGGING = "dev.switchboard.logging..";
    private static final String[] AWS = {"software.amazon..", "com.amazonaws.."};

    /** "core: what the handlers share ... No handler code": it is built before them and ships in every function. */
    @ArchTest
    static final ArchRule core_dependsOnNoHandlerLocalOrClient = noClasses()
            .that()
            .resideInAPackage(CORE)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(CONNECT, MESSAGE, DISCONNECT, LOCAL, CLI)
            .because("core ships in every function jar and knows nothing of who calls it (docs/CONTRACTS.md)");

    /** STYLE point 1: the SDK adapters live in core.aws, so the logic reads without AWS in it. */
    @ArchTest
    static final ArchRule coreLogic_usesNoAwsSdk_outsideCoreAws = noClasses()
            .that()
            .resideInAPackage(CORE)
            .and()
            .resideOutsideOfPackage(CORE_AWS)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(AWS)
            .because("the chat logic talks to ports (ChatStore, ConnectionPoster, ChunkPublisher); their SDK"
                    + " adapters belong in dev.switchboard.core.aws (docs/STYLE.md point 1)");

    /** Thin handlers: parse the event, call core, shape the response; no SDK call, no other handler. */
    @ArchTest
    static final ArchRule handlers_dependOnlyOnCoreProtocolAndTheLambdaTypes = classes()
            .that()
            .resideInAnyPackage(CONNECT, MESSAGE, DISCONNECT)
            .should(onlyDependOnTheirOwnModuleAnd(
                    CORE,
                    PROTOCOL,
                    "java..",
                    "com.amazonaws.services.lambda.runtime..",
                    "org.slf4j..",
                    "org.joda.time.."))
            .because("handlers stay thin: everything else goes through core (docs/CONTRACTS.md, docs/STYLE.md"
                    + " point 2); SNSEvent's timestamp is a joda-time DateTime");

    /** The wire format is plain data: the CLI and the tests use it without AWS on their classpath. */
    @ArchTest
    static final ArchRule protocol_usesOnlyGsonAndTheJdk = classes()
            .that()
            .resideInAPackage(PROTOCOL)
            .should()
            .onlyDependOnClassesThat()
            .resideInAnyPackage(PROTOCOL, "java..", "com.google.gson..")
            .because("the protocol is shared by core, the CLI and the tests: gson only, no AWS (issue 16 item 2)");

    /** The CLI speaks the wire protocol to any deployment; it shares the protocol, not the server. */
    @ArchTest
    static final ArchRule cli_dependsOnNoServerCode = noClasses()
            .that()
            .resideInAPackage(CLI)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(CORE, CONNECT, MESSAGE, DISCONNECT, LOCAL)
            .because("the CLI is a client of the WebSocket API: it may share the protocol, nothing else");

    /** Only the tests and the bench drive the emulator; nothing that ships depends on it. */
    @ArchTest
    static final ArchRule nothingThatShips_dependsOnTheLocalCloud = noClasses()
            .that()
            .resideInAnyPackage(CORE, CONNECT, MESSAGE, DISCONNECT, CLI, LOGGING)
            .should()
            .dependOnClassesThat()
            .resideInAPackage(LOCAL)
            .because("the local cloud is the test oracle: production code must run the same without it");

    /**
     * The local cloud stands in for API Gateway, which reads nothing of a frame but the route selection
     * expression: it must not come to depend on our wire format (and so hide a protocol mistake). From the
     * protocol module it shares only the command line's duration reader with the CLI.
     */
    @ArchTest
    static final ArchRule localCloud_usesNoWireFormat = noClasses()
            .that()
            .resideInAPackage(LOCAL)
            .should()
            .dependOnClassesThat(JavaClass.Predicates.resideInAPackage(PROTOCOL)
                    .and(DescribedPredicate.not(JavaClass.Predicates.equivalentTo(Durations.class))))
            .because("like API Gateway, the local cloud evaluates only the route selection expression on a frame"
                    + " (docs/CONTRACTS.md); Durations is its command line's, shared with the CLI");

    /** The log layout is a leaf every function loads at start-up: it depends on none of our modules. */
    @ArchTest
    static final ArchRule logging_dependsOnNoOtherModule = noClasses()
            .that()
            .resideInAPackage(LOGGING)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(CORE, CONNECT, MESSAGE, DISCONNECT, LOCAL, CLI)
            .because("switchboard-logging is built first and only on logback (its pom)");

    /** The protocol is the bottom of the stack: core, the CLI and the tests build on it, never the reverse. */
    @ArchTest
    static final ArchRule protocol_dependsOnNoOtherModule = noClasses()
            .that()
            .resideInAPackage(PROTOCOL)
            .should()
            .dependOnClassesThat()
            .resideInAnyPackage(CORE, CONNECT, MESSAGE, DISCONNECT, LOCAL, CLI, LOGGING)
            .because("switchboard-protocol has gson as its only dependency (issue 16 item 2)");

    /**
     * A handler module's classes may use their own package and the given ones. Each handler package is its
     * own module: the connect handler must not reach into the message handler's classes, and so on.
     */
    private static ArchCondition<JavaClass> onlyDependOnTheirOwnModuleAnd(String... allowed) {
        return new ArchCondition<>("depend only on their own package and " + String.join(", ", allowed)) {
            @Override
            public void check(JavaClass item, ConditionEvents events) {
                String own = item.getPackageName();
                for (Dependency dependency : item.getDirectDependenciesFromSelf()) {
                    JavaClass target = dependency.getTargetClass().getBaseComponentType();
                    if (target.isPrimitive()
                            || target.getPackageName().equals(own)
                            || target.getPackageName().startsWith(own + ".")
                            || resideInAnyPackage(allowed).test(target)) {
                        continue;
                    }
                    events.add(SimpleConditionEvent.violated(dependency, dependency.getDescription()));
                }
            }
        };
    }
}
