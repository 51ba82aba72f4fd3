package dev.halfway.cli;

import dev.halfway.file.DocumentRoot;
import dev.halfway.http.Product;
import dev.halfway.io.Server;
import dev.halfway.io.ServerConfig;
import dev.halfway.log.AccessLog;
import dev.halfway.log.LogFormat;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar halfway-server.jar}: parses the options, serves until SIGTERM or Ctrl-C, then
 * drains and exits 0. A bad option or an unusable root or address is one line on stderr and a
 * non-zero exit, never a stack trace.
 */
@Command(name = "halfway-server", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "A strict HTTP/1.0 static-file server that honours TCP half-close.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped by SIGTERM or Ctrl-C after draining", "1:could not serve (address in use, ...)",
                "2:bad option or document root"})
public final class Main implements Callable<Integer> {
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--root", defaultValue = "www", description = "Document root (default: ${DEFAULT-VALUE}).")
    Path root;

    @Option(names = "--access-log", defaultValue = "clf", paramLabel = "clf|json|off",
            description = "Access log on stdout: Common Log Format plus fields, JSON lines, or off (default: ${DEFAULT-VALUE}).")
    String accessLog;

    @Option(names = "--linger", defaultValue = "2s", converter = DurationConverter.class,
            description = "After our FIN, how long to wait for the client's EOF (default: ${DEFAULT-VALUE}).")
    Duration linger;

    @Option(names = "--linger-bytes", defaultValue = "1MiB", converter = SizeConverter.class,
            description = "After our FIN, how many bytes to read and discard at most (default: ${DEFAULT-VALUE}).")
    long lingerBytes;

    @Option(names = "--head-timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "Time allowed for the whole request head; then 408 (default: ${DEFAULT-VALUE}).")
    Duration headTimeout;

    @Option(names = "--write-timeout", defaultValue = "30s", converter = DurationConverter.class,
            description = "A client that reads nothing for this long is dropped (default: ${DEFAULT-VALUE}).")
    Duration writeTimeout;

    @Option(names = "--drain-timeout", defaultValue = "10s", converter = DurationConverter.class,
            description = "On SIGTERM, how long in-flight responses may take to finish (default: ${DEFAULT-VALUE}).")
    Duration drainTimeout;

    @Option(names = "--max-request-line", defaultValue = "8KiB", converter = SizeConverter.class,
            description = "Longest request line; longer gets 414 (default: ${DEFAULT-VALUE}).")
    long maxRequestLine;

    @Option(names = "--max-head", defaultValue = "16KiB", converter = SizeConverter.class,
            description = "Largest request head; larger gets 431 (default: ${DEFAULT-VALUE}).")
    long maxHead;

    @Option(names = "--max-fields", defaultValue = "100",
            description = "Most header fields; more gets 431 (default: ${DEFAULT-VALUE}).")
    int maxFields;

    @Option(names = "--max-body", defaultValue = "1MiB", converter = SizeConverter.class,
            description = "Largest request body read (and discarded); larger gets 413 (default: ${DEFAULT-VALUE}).")
    long maxBody;

    @Option(names = "--max-connections", defaultValue = "10000",
            description = "Open connections at most; more wait in the kernel's accept queue until one closes (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--trace", description = "Print each connection's timeline to stderr (and add it to --access-log json lines).")
    boolean trace;

    @Option(names = "--follow-symlinks", description = "Serve symbolic links that lead outside the root.")
    boolean followSymlinks;

    @Option(names = "--no-listing", description = "Answer 403 for a directory without index.html instead of listing it.")
    boolean noListing;

    private final PrintStream out;
    private final PrintStream err;

    Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command line; returns the exit code. Blocks while serving. */
    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine cli = new CommandLine(new Main(out, err));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setParameterExceptionHandler((e, a) -> {
            err.println("halfway-server: " + e.getMessage() + " (see --help)");
            return EXIT_USAGE;
        });
        cli.setExecutionExceptionHandler((e, c, p) -> {
            err.println("halfway-server: " + e.getMessage());
            return EXIT_FAILURE;
        });
        return cli.execute(args);
    }

    @Override
    public Integer call() {
        ServerConfig config;
        try {
            config = config();
        } catch (IllegalArgumentException e) {
            err.println("halfway-server: " + e.getMessage());
            return EXIT_USAGE;
        }
        Server server = new Server(config);
        try {
            server.start();
        } catch (IOException e) {
            err.println("halfway-server: cannot listen on " + host + ":" + port + ": " + e.getMessage());
            return EXIT_FAILURE;
        }
        Signals.onTermination(() -> {
            err.println("halfway-server: stopping; draining for up to " + drainTimeout.toMillis() + " ms");
            server.stop();
        });
        String shownHost = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        out.println(Product.TOKEN + " serving " + config.root().root() + " on http://" + shownHost + ":" + server.port() + "/");
        out.flush();
        server.awaitStopped();
        out.flush();
        return 0;
    }

    ServerConfig config() {
        LogFormat format;
        try {
            format = LogFormat.valueOf(accessLog.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--access-log must be clf, json or off, not '" + accessLog + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be between 0 and 65535");
        }
        if (maxRequestLine < 16 || maxRequestLine > maxHead || maxHead > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("--max-request-line must be at least 16 and at most --max-head");
        }
        for (Duration d : new Duration[] {headTimeout, writeTimeout, drainTimeout}) {
            if (d.isZero()) {
                throw new IllegalArgumentException("--head-timeout, --write-timeout and --drain-timeout must be more than 0");
            }
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("--max-connections must be at least 1");
        }
        if (maxFields < 0 || maxBody < 0) {
            throw new IllegalArgumentException("--max-fields and --max-body must not be negative");
        }
        DocumentRoot documentRoot;
        try {
            documentRoot = new DocumentRoot(root, followSymlinks);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        return new ServerConfig(host, port, documentRoot, !noListing, headTimeout, writeTimeout, linger, lingerBytes,
                drainTimeout, new ServerConfig.Limits((int) maxRequestLine, (int) maxHead, maxFields, maxBody),
                AccessLog.of(format, logStream()), maxConnections, trace ? err : null);
    }

    /**
     * The access log's stream: stdout, buffered and flushed by the server every sweep (at most
     * 250 ms) and at stop, so a slow reader of stdout costs the I/O threads a memory copy, not a
     * write(2) per connection.
     */
    private PrintStream logStream() {
        if (out != System.out) {
            return out; // a caller's stream (tests): write through
        }
        return new PrintStream(new java.io.BufferedOutputStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), 1 << 16),
                false, java.nio.charset.StandardCharsets.UTF_8);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {Product.TOKEN, "Java " + System.getProperty("java.version")};
        }
    }
}
