package dev.halfway.cli;

import dev.halfway.http.Limits;
import dev.halfway.file.DocumentRoot;
import dev.halfway.http.Product;
import dev.halfway.io.Server;
import dev.halfway.io.ServerConfig;
import dev.halfway.log.AccessLog;
import dev.halfway.log.LogFile;
import dev.halfway.log.LogFormat;
import dev.halfway.proxy.CidrList;
import dev.halfway.tls.TlsIdentity;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code java -jar halfway-server.jar}: parses the options, serves until SIGTERM or Ctrl-C, then
 * drains and exits 0; SIGHUP reopens the {@code --access-log-file} (and is ignored without one).
 * A bad option or an unusable root, log file or address is one line on stderr and a non-zero
 * exit, never a stack trace.
 */
@Command(name = "halfway-server", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        defaultValueProvider = ConfigOptions.class, sortOptions = false, usageHelpAutoWidth = true,
        description = "A strict HTTP/1.0 static-file server that honours TCP half-close.",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:stopped by SIGTERM or Ctrl-C after draining", "1:could not serve (address in use, ...)",
                "2:bad option, document root or access log file"})
public final class Main implements Callable<Integer> {
    // The defaults of the options that set a ServerConfig setting are ServerConfig's, given by
    // ConfigOptions; only --root and --access-log, which have no ServerConfig default, name theirs here
    // (--access-log-file has none: without it the log is on stdout).
    static final int EXIT_FAILURE = 1;
    static final int EXIT_USAGE = 2;

    @Option(names = "--host", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--root", defaultValue = "www", description = "Document root (default: ${DEFAULT-VALUE}).")
    Path root;

    @Option(names = "--access-log", defaultValue = "clf", paramLabel = "clf|json|off",
            description = "Access log format, on stdout or in --access-log-file: Common Log Format plus fields, JSON lines, or off (default: ${DEFAULT-VALUE}).")
    String accessLog;

    @Option(names = "--access-log-file", paramLabel = "PATH",
            description = "Write the access log to this file (appended, created if missing) instead of stdout; SIGHUP reopens it, for log rotation.")
    Path accessLogFile;

    @Option(names = "--linger", converter = DurationConverter.class,
            description = "After our FIN, how long to wait for the client's EOF (default: ${DEFAULT-VALUE}).")
    Duration linger;

    @Option(names = "--linger-bytes", converter = SizeConverter.class,
            description = "After our FIN, how many bytes to read and discard at most (default: ${DEFAULT-VALUE}).")
    long lingerBytes;

    @Option(names = "--head-timeout", converter = DurationConverter.class,
            description = "Time allowed for the whole request head; then 408 (default: ${DEFAULT-VALUE}).")
    Duration headTimeout;

    @Option(names = "--write-timeout", converter = DurationConverter.class,
            description = "A client that reads nothing for this long is dropped (default: ${DEFAULT-VALUE}).")
    Duration writeTimeout;

    @Option(names = "--drain-timeout", converter = DurationConverter.class,
            description = "On SIGTERM, how long in-flight responses may take to finish (default: ${DEFAULT-VALUE}).")
    Duration drainTimeout;

    @Option(names = "--max-request-line", converter = SizeConverter.class,
            description = "Longest request line; longer gets 414 (default: ${DEFAULT-VALUE}).")
    long maxRequestLine;

    @Option(names = "--max-head", converter = SizeConverter.class,
            description = "Largest request head; larger gets 431 (default: ${DEFAULT-VALUE}).")
    long maxHead;

    @Option(names = "--max-fields",
            description = "Most header fields; more gets 431 (default: ${DEFAULT-VALUE}).")
    int maxFields;

    @Option(names = "--max-body", converter = SizeConverter.class,
            description = "Largest request body read (and discarded); larger gets 413 (default: ${DEFAULT-VALUE}).")
    long maxBody;

    @Option(names = "--max-connections",
            description = "Open connections at most; more wait in the kernel's accept queue until one closes (default: ${DEFAULT-VALUE}).")
    int maxConnections;

    @Option(names = "--cache-bytes", converter = SizeConverter.class,
            description = "Small files held in memory, head and body, at most this many bytes; 0 turns the cache off (default: ${DEFAULT-VALUE}).")
    long cacheBytes;

    @Option(names = "--cache-entries",
            description = "Small files held in memory at most (default: ${DEFAULT-VALUE}).")
    int cacheEntries;

    @Option(names = "--cache-file-max", converter = SizeConverter.class,
            description = "Largest file held in memory; larger ones are sent by sendfile (default: ${DEFAULT-VALUE}).")
    long cacheFileMax;

    @Option(names = "--trace", description = "Print each connection's timeline to stderr (and add it to --access-log json lines).")
    boolean trace;

    @Option(names = "--follow-symlinks", description = "Serve symbolic links that lead outside the root.")
    boolean followSymlinks;

    @Option(names = "--no-listing", description = "Answer 403 for a directory without index.html instead of listing it.")
    boolean noListing;

    @Option(names = "--reuse-port",
            description = "Bind with SO_REUSEPORT, so several halfway processes can listen on one port (the kernel spreads connections).")
    boolean reusePort;

    @Option(names = "--proxy-protocol",
            description = "Every connection starts with a PROXY protocol header (v1 or v2, HAProxy's send-proxy); required.")
    boolean proxyProtocol;

    @Option(names = "--proxy-from", paramLabel = "CIDR[,CIDR...]",
            description = "With --proxy-protocol: the peers allowed to send the header (default: ${DEFAULT-VALUE}).")
    String proxyFrom;

    @Option(names = "--tls-cert", paramLabel = "FILE",
            description = "Serve HTTPS: the certificate chain, PEM, leaf first (with --tls-key).")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "FILE",
            description = "The certificate's private key, PEM (PKCS#8, PKCS#1 RSA or SEC1 EC), unencrypted.")
    Path tlsKey;

    @Option(names = "--tls-keystore", paramLabel = "FILE.p12",
            description = "Serve HTTPS with the first key entry of this PKCS#12 keystore.")
    Path tlsKeystore;

    @Option(names = "--tls-keystore-password-file", paramLabel = "FILE",
            description = "The keystore's password: the file's first line (default: no password).")
    Path tlsKeystorePasswordFile;

    @Option(names = "--tls-self-signed",
            description = "Serve HTTPS with a new self-signed certificate (for trying it out; its SHA-256 fingerprint is printed).")
    boolean tlsSelfSigned;

    private final PrintStream out;
    private final PrintStream err;
    /** The --access-log-file, once {@link #config} has opened it; else null. */
    private LogFile logFile;

    Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        startLean();
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Jetty sizes a queue's padding from the references per cache line, and without this property
     * it asks the HotSpot diagnostic MBean whether oops are compressed: that starts the platform
     * MBean server and JMX, a large share of the start-up time, for a padding hint. 16 is right for
     * compressed oops (any heap under 32 GiB); an operator's own setting wins.
     */
    static void startLean() {
        if (System.getProperty(JETTY_REFERENCES_PER_CACHE_LINE) == null) {
            System.setProperty(JETTY_REFERENCES_PER_CACHE_LINE, "16");
        }
    }

    static final String JETTY_REFERENCES_PER_CACHE_LINE = "org.eclipse.jetty.util.referencesPerCacheLine";

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
        // From here on a SIGHUP must not take the JVM's default action, which is to exit.
        Signals.onHangup(logFile == null ? () -> { } : this::reopenLogFile);
        Server server = new Server(config);
        try {
            server.start();
        } catch (IOException e) {
            err.println("halfway-server: cannot listen on " + host + ":" + port + ": " + e.getMessage());
            closeLogFile();
            return EXIT_FAILURE;
        }
        Signals.onTermination(() -> {
            err.println("halfway-server: stopping; draining for up to " + drainTimeout.toMillis() + " ms");
            server.stop();
        });
        String shownHost = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        String scheme = config.tls() == null ? "http" : "https";
        out.println(Product.TOKEN + " serving " + config.root().root() + " on " + scheme + "://" + shownHost + ":" + server.port() + "/");
        if (config.tls() != null) {
            out.println("TLS certificate " + config.tls().certificate().getSubjectX500Principal().getName()
                    + (config.tls().selfSigned() ? " (self-signed)" : "") + ", SHA-256 " + config.tls().fingerprint());
        }
        out.flush();
        server.awaitStopped();
        closeLogFile();
        out.flush();
        return 0;
    }

    /**
     * SIGHUP with --access-log-file, on the signal's own thread: after logrotate (or anyone) has
     * renamed the file, go on in a new one at the path. If that cannot be opened, the lines keep
     * going to the file that was open, and the next SIGHUP tries again.
     */
    private void reopenLogFile() {
        try {
            logFile.reopen();
        } catch (IOException e) {
            err.println("halfway-server: SIGHUP: cannot reopen --access-log-file " + logFile.path() + ": " + LogFile.reason(e)
                    + "; still writing to the file that was open; the next SIGHUP tries again");
        }
    }

    /** Writes what the log file has buffered and closes it (at stop; tests call it too). */
    void closeLogFile() {
        if (logFile != null) {
            logFile.close();
        }
    }

    ServerConfig config() {
        LogFormat format;
        try {
            format = LogFormat.valueOf(accessLog.toUpperCase(java.util.Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--access-log must be clf, json or off, not '" + accessLog + "'");
        }
        if (format == LogFormat.OFF && accessLogFile != null) {
            throw new IllegalArgumentException("--access-log-file " + accessLogFile + " with --access-log off: there is no log to write");
        }
        // The sizes are read as longs; the parser's line and head limits are ints.
        int requestLineLimit = narrow(maxRequestLine, "--max-request-line");
        int headLimit = narrow(maxHead, "--max-head");
        DocumentRoot documentRoot;
        try {
            documentRoot = new DocumentRoot(root, followSymlinks);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
        TlsIdentity identity = tlsIdentity();
        ServerConfig.Builder builder;
        CidrList proxies;
        try {
            proxies = CidrList.parse(proxyFrom);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--proxy-from: " + e.getMessage());
        }
        if (identity != null && proxyProtocol) {
            throw new IllegalArgumentException("--proxy-protocol with TLS is not supported yet: put the TLS hop in front of the proxy");
        }
        try {
            builder = ServerConfig.builder(documentRoot, AccessLog.of(format, logStream()))
                    .host(host)
                    .port(port)
                    .listing(!noListing)
                    .headTimeout(headTimeout)
                    .writeTimeout(writeTimeout)
                    .linger(linger)
                    .lingerBytes(lingerBytes)
                    .drainTimeout(drainTimeout)
                    .limits(new Limits(requestLineLimit, headLimit, maxFields, maxBody))
                    .maxConnections(maxConnections)
                    .trace(trace ? err : null)
                    .cacheBytes(cacheBytes)
                    .cacheEntries(cacheEntries)
                    .cacheFileMax(cacheFileMax)
                    .tls(identity)
                    .proxyProtocol(proxyProtocol, proxies)
                    .reusePort(reusePort);
            builder.build();
        } catch (IllegalArgumentException e) {
            // ServerConfig checks every setting, and names them as it does; say them as options.
            throw new IllegalArgumentException(ConfigOptions.inOptionTerms(e.getMessage()));
        }
        if (accessLogFile == null) {
            return builder.build();
        }
        // Opened last, once every other setting has passed (the build above), so that a refused
        // command line leaves no empty log file behind.
        try {
            logFile = LogFile.open(accessLogFile, err);
        } catch (IOException e) {
            throw new IllegalArgumentException("--access-log-file " + accessLogFile + ": cannot open it for append: " + LogFile.reason(e));
        }
        return builder.accessLog(AccessLog.of(format, logFile)).build();
    }

    /** The TLS identity the options name, or null for plain HTTP; refusals name the options. */
    TlsIdentity tlsIdentity() {
        int ways = (tlsCert != null || tlsKey != null ? 1 : 0) + (tlsKeystore != null ? 1 : 0) + (tlsSelfSigned ? 1 : 0);
        if (ways > 1) {
            throw new IllegalArgumentException("give one of --tls-cert with --tls-key, --tls-keystore or --tls-self-signed");
        }
        if (tlsKeystorePasswordFile != null && tlsKeystore == null) {
            throw new IllegalArgumentException("--tls-keystore-password-file needs --tls-keystore");
        }
        if (tlsSelfSigned) {
            return TlsIdentity.selfSigned(List.of(host));
        }
        if (tlsKeystore != null) {
            return TlsIdentity.fromPkcs12(tlsKeystore, keystorePassword());
        }
        if (tlsCert == null && tlsKey == null) {
            return null;
        }
        if (tlsCert == null || tlsKey == null) {
            throw new IllegalArgumentException(tlsCert == null ? "--tls-key needs --tls-cert" : "--tls-cert needs --tls-key");
        }
        return TlsIdentity.fromPem(tlsCert, tlsKey);
    }

    private char[] keystorePassword() {
        if (tlsKeystorePasswordFile == null) {
            return new char[0];
        }
        try {
            List<String> lines = java.nio.file.Files.readAllLines(tlsKeystorePasswordFile, java.nio.charset.StandardCharsets.UTF_8);
            return lines.isEmpty() ? new char[0] : lines.get(0).toCharArray();
        } catch (IOException e) {
            throw new IllegalArgumentException("--tls-keystore-password-file " + tlsKeystorePasswordFile + ": cannot read it: " + e.getMessage());
        }
    }

    private static int narrow(long size, String option) {
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(option + " must be less than 2GiB");
        }
        return (int) size;
    }

    /**
     * The access log's stream without --access-log-file: stdout, buffered and flushed by the
     * server every sweep (at most 250 ms) and at stop, so a slow reader of stdout costs the I/O
     * threads a memory copy, not a write(2) per connection. (The file is buffered the same way.)
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
