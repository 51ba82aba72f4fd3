package dev.halfway.client;

import java.io.PrintStream;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar halfway-client.jar COMMAND}: the half-closing client and the regression runner. */
@Command(name = "halfway-client", mixinStandardHelpOptions = true, versionProvider = ClientVersion.class,
        description = "Clients that half-close, to see and check what HTTP servers do with them.",
        subcommands = {CommandLine.HelpCommand.class})
public final class ClientMain implements java.util.concurrent.Callable<Integer> {
    private final PrintStream err;

    ClientMain(PrintStream err) {
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command line; returns its exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new ClientMain(err));
        cli.addSubcommand("send", new SendCommand(out, err));
        cli.addSubcommand("regress", new RegressCommand(out, err));
        cli.addSubcommand("bench", new BenchCommand(out, err));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setParameterExceptionHandler((e, a) -> {
            String name = e.getCommandLine().getCommandName();
            err.println(name + ": " + e.getMessage());
            err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help' for more information.");
            return Verdict.USAGE;
        });
        cli.setExecutionExceptionHandler((e, c, p) -> {
            err.println(c.getCommandSpec().qualifiedName() + ": " + e.getMessage());
            return 1;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() {
        err.println("halfway-client: say which command: send, regress or bench (try --help)");
        return Verdict.USAGE;
    }
}
