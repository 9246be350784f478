package dev.switchboard.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code switchboard}: the command-line client of a Switchboard deployment, on AWS or local. */
@Command(
        name = "switchboard",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Chat, script and push notifications through a Switchboard WebSocket API.",
        subcommands = {
            ChatCommand.class,
            SendCommand.class,
            ListenCommand.class,
            NotifyCommand.class,
            CommandLine.HelpCommand.class
        },
        footer = ExitCode.HELP)
public final class Main implements Callable<Integer> {

    final InputStream input;
    /** The terminal {@code chat} runs its interactive mode on; null: the system's, when there is a console. */
    final org.jline.terminal.Terminal terminal;

    @Spec
    CommandSpec spec;

    public Main() {
        this(System.in);
    }

    /** For tests: {@code chat} reads its lines from {@code input}. */
    public Main(InputStream input) {
        this(input, null);
    }

    /**
     * For tests: {@code chat} runs its interactive mode (line editing, {@code typing} sent on key input) on
     * {@code terminal}, such as JLine's {@code DumbTerminal} over streams.
     */
    public Main(InputStream input, org.jline.terminal.Terminal terminal) {
        this.input = input;
        this.terminal = terminal;
    }

    public static void main(String[] args) {
        System.exit(commandLine(new Main()).execute(args));
    }

    /**
     * The configured command line: every {@link java.time.Duration} option reads {@code 30s}, {@code 2m},
     * {@code 1h} as well as ISO-8601 ({@link DurationConverter}); errors (a bad flag value included) become one
     * readable line and an exit code, never a stack trace or a page of usage.
     */
    public static CommandLine commandLine(Main main) {
        CommandLine commandLine = new CommandLine(main);
        commandLine.registerConverter(java.time.Duration.class, new DurationConverter()); // subcommands included
        // A bad flag value is one line naming the fix, as switchboard-local does: picocli's default printed the whole
        // usage (over 30 lines) after it, so the line that said what was wrong scrolled away. A missing option that
        // also reads an environment variable (--url: SWITCHBOARD_URL) names the variable too.
        commandLine.setParameterExceptionHandler((e, args) -> {
            PrintWriter err = e.getCommandLine().getErr();
            err.println("switchboard: " + namingEnvironmentVariables(e).getMessage() + " (see "
                    + e.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
            return ExitCode.USAGE;
        });
        commandLine.setExecutionExceptionHandler((e, cmd, parsed) -> {
            PrintWriter err = cmd.getErr();
            // messages may quote the server (an error frame, a TLS or HTTP failure): neutralised like any wire text
            if (e instanceof CliException cli) {
                err.println("switchboard: " + TerminalText.safe(cli.getMessage()));
                return cli.exitCode;
            }
            err.println("switchboard: " + TerminalText.safe(String.valueOf(e)));
            return 1;
        });
        return commandLine;
    }

    private static final java.util.regex.Pattern ENV_DEFAULT =
            java.util.regex.Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)");

    /**
     * {@code e}, or for missing options that default to an environment variable ({@code ${env:NAME}}),
     * the same error with a message that names the variable too: either way supplies the value.
     */
    static CommandLine.ParameterException namingEnvironmentVariables(CommandLine.ParameterException e) {
        if (!(e instanceof CommandLine.MissingParameterException missing)) {
            return e;
        }
        StringBuilder message = new StringBuilder(e.getMessage());
        for (CommandLine.Model.ArgSpec arg : missing.getMissing()) {
            // the annotation's own text: ArgSpec.defaultValue() has the variable already interpolated
            CommandLine.Option annotation = arg.userObject() instanceof java.lang.reflect.Field field
                    ? field.getAnnotation(CommandLine.Option.class)
                    : null;
            java.util.regex.Matcher env = ENV_DEFAULT.matcher(annotation == null ? "" : annotation.defaultValue());
            if (arg instanceof CommandLine.Model.OptionSpec option && env.find()) {
                message.append(" (or set the environment variable ")
                        .append(env.group(1))
                        .append(" for ")
                        .append(option.longestName())
                        .append(')');
            }
        }
        return new CommandLine.MissingParameterException(e.getCommandLine(), missing.getMissing(), message.toString());
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return ExitCode.USAGE;
    }
}
