package dev.switchboard.cli;

import dev.switchboard.protocol.Json;
import dev.switchboard.protocol.Notification;
import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sns.SnsClient;

@Command(
        name = "notify",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        footer = ExitCode.HELP,
        description =
                "Publish a notification to the SNS topic, as any backend service would (AWS SDK, default credentials).")
final class NotifyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--topic-arn",
            required = true,
            description = "The Switchboard notifications topic (stack output NotificationsTopicArn).")
    String topicArn;

    @Option(
            names = "--endpoint-url",
            description = "SNS endpoint override, e.g. http://localhost:9911 for the local cloud.")
    URI endpoint;

    @Option(
            names = "--region",
            defaultValue = "${env:AWS_REGION:-us-east-1}",
            description = "AWS region (default ${DEFAULT-VALUE}).")
    String region;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(names = "--title", required = true, description = "Title.")
    String title;

    @Option(names = "--body", defaultValue = "", description = "Body.")
    String body;

    static final class Target {
        @Option(names = "--room", description = "Everyone in this room.")
        String room;

        @Option(names = "--user", description = "Every connection of this user.")
        String user;

        @Option(names = "--all", description = "Everyone connected.")
        boolean all;
    }

    /** The server's limits: the frame must fit 128 KB. */
    static final int MAX_TITLE = Notification.MAX_TITLE;

    static final int MAX_BODY = Notification.MAX_BODY;

    @Override
    public Integer call() throws Exception {
        // Checked here as well: the server can only drop an oversized notification and log it, long after publish
        // succeeded.
        if (title.length() > MAX_TITLE) {
            throw new CliException(
                    ExitCode.USAGE,
                    "--title is " + title.length() + " characters; at most " + MAX_TITLE
                            + " are delivered (API Gateway's 128 KB message limit): shorten it");
        }
        if (body.length() > MAX_BODY) {
            throw new CliException(
                    ExitCode.USAGE,
                    "--body is " + body.length() + " characters; at most " + MAX_BODY
                            + " are delivered (API Gateway's 128 KB message limit): shorten it or send a link");
        }
        String message = Json.write(
                new Notification(target.room, target.user, target.room == null && target.user == null, title, body));
        var builder =
                SnsClient.builder().httpClient(UrlConnectionHttpClient.create()).region(Region.of(region));
        if (endpoint != null) {
            builder.endpointOverride(endpoint);
        }
        try (SnsClient sns = builder.build()) {
            String id = sns.publish(r -> r.topicArn(topicArn).message(message)).messageId();
            spec.commandLine().getOut().println(TerminalText.safe(id));
            return ExitCode.OK;
        } catch (SdkException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("Unable to load credentials")) {
                // The SDK's message lists every provider of its chain on one very long line.
                throw new CliException(
                        ExitCode.USAGE,
                        "no AWS credentials found: set AWS_ACCESS_KEY_ID and"
                                + " AWS_SECRET_ACCESS_KEY or AWS_PROFILE (the local cloud accepts any values, e.g. local / local)");
            }
            throw new CliException(
                    ExitCode.UNREACHABLE,
                    "SNS publish failed: " + e.getMessage()
                            + " (check --topic-arn, --endpoint-url and AWS credentials: the local cloud accepts any)");
        }
    }
}
