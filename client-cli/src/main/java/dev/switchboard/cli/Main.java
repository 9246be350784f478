package dev.switchboard.cli;

import java.io.InputStream;
import java.io.PrintWriter;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code switchboard}: the command-line client of a Switchboard deployment, on AWS or local. */
@Command(name = "switchboard", mixinStandardHelpOptions = true, version = "switchboard 0.1.0",
        description = "Chat, script and push notifications through a Switchboard WebSocket API.",
        subcommands = {ChatCommand.class, SendCommand.class, ListenCommand.class, NotifyCommand.class,
                CommandLine.HelpCommand.class},
        footer = ExitCode.HELP)
public final class Main implements Callable<Integer> {

    final InputStream input;

    public Main() {
        this(System.in);
    }

    /** For tests: {@code chat} reads its lines from {@code input}. */
    public Main(InputStream input) {
        this.input = input;
    }

    public static void main(String[] args) {
        System.exit(commandLine(new Main()).execute(args));
    }

    /** The configured command line: errors become one readable line and an exit code, never a stack trace. */
    public static CommandLine commandLine(Main main) {
        CommandLine commandLine = new CommandLine(main);
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

    @Override
    public Integer call() {
        CommandLine.usage(this, System.out);
        return ExitCode.USAGE;
    }
}
