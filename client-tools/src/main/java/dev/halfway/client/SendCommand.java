package dev.halfway.client;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code halfway-client send}: one request, then what you choose to do with the write side,
 * then the response on stdout (like {@code curl -i}) and a one-line report on stderr.
 */
@Command(name = "send", mixinStandardHelpOptions = true, versionProvider = ClientVersion.class, sortOptions = false,
        usageHelpAutoWidth = true,
        description = {"Send one HTTP request, half-close (by default), and read the whole response.",
                "The response goes to stdout as received (head and body, like curl -i); a one-line report goes to stderr.",
                "--trace and --ladder show what the client saw of the connection, on stderr before the report.",
                "https:// (or --tls with --raw) speaks TLS 1.3 or 1.2 over the same connection: the half-close is then "
                + "our close_notify followed by the TCP FIN, and the report says whether the server's close_notify came "
                + "before its FIN."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:a complete response ended by the server's FIN (or --close/--reset done)",
                "2:bad arguments", "3:no response: the stream ended before any byte",
                "4:truncated: fewer body bytes than Content-Length, or an unfinished head",
                "5:reset: the connection was reset (RST)", "6:timeout", "7:could not connect",
                "8:the TLS handshake failed (an untrusted certificate: see --insecure; a plaintext server; an alert)"})
final class SendCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "URL", description = "http:// or https://host[:port]/path (not with --raw)")
    String url;

    @Option(names = "--raw", paramLabel = "FILE|-", description = "Send the bytes of FILE (or stdin) exactly as they are.")
    String raw;

    @Parameters(index = "1", arity = "0..1", paramLabel = "HOST:PORT", description = "With --raw: where to send them.")
    String rawTarget;

    @Option(names = "-X", paramLabel = "METHOD", defaultValue = "GET", description = "Request method (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(names = "-H", paramLabel = "'Name: value'", description = "Add a header field (repeatable).")
    List<String> fields = new ArrayList<>();

    @Option(names = "--data", paramLabel = "@FILE|-|TEXT", description = "Send a body (with Content-Length): @FILE, - for stdin, or the text itself.")
    String data;

    @Option(names = "--http1.1", description = "Send an HTTP/1.1 request (with Connection: close) instead of HTTP/1.0.")
    boolean http11;

    @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "%nAfter sending (default --shut-wr):%n")
    After after = new After();

    static final class After {
        @Option(names = "--shut-wr", description = "shutdown(SHUT_WR) right after the request: our FIN; keep reading. "
                + "On TLS: our close_notify, then the FIN (what stunnel and socat do); --tcp-fin-only leaves out the close_notify.")
        boolean shutWr;

        @Option(names = "--shut-wr-after", paramLabel = "MS", description = "Half-close MS milliseconds after the request.")
        Long shutWrAfter;

        @Option(names = "--no-shut", description = "Keep the write side open, like curl.")
        boolean noShut;

        @Option(names = "--close", description = "Close fully right after sending: a client that is gone (on TLS: close_notify, then close).")
        boolean close;

        @Option(names = "--reset", description = "SO_LINGER 0 and close right after sending: an RST.")
        boolean reset;
    }

    @ArgGroup(exclusive = false, heading = "%nTLS (an https:// URL, or --tls with --raw):%n")
    Tls tls = new Tls();

    static final class Tls {
        @Option(names = "--tls", description = "With --raw: speak TLS to HOST:PORT (for a URL, https:// says so).")
        boolean on;

        @Option(names = "--insecure", description = "Trust any certificate and check no hostname. Without it: the JDK's "
                + "default trust store, and the certificate must name the host (RFC 2818).")
        boolean insecure;

        @Option(names = "--tls-version", paramLabel = "1.2|1.3", description = "Offer only this TLS version (default: 1.3 and 1.2).")
        String version;

        @Option(names = "--tcp-fin-only", description = "Half-close (or --close) with a bare TCP FIN and no close_notify: "
                + "what RFC 8446 (section 6.1) calls a possible truncation, for the server to notice.")
        boolean tcpFinOnly;
    }

    @Option(names = "--read-delay", paramLabel = "MS", defaultValue = "0", description = "Wait before the first read.")
    long readDelay;

    @Option(names = "--read-rate", paramLabel = "BYTES/s", defaultValue = "0", description = "Read no faster than this (0: as fast as possible).")
    long readRate;

    @Option(names = "--rcvbuf", paramLabel = "BYTES", defaultValue = "0", description = "Socket receive buffer size (0: system default).")
    int receiveBuffer;

    @Option(names = "--timeout", paramLabel = "MS", defaultValue = "30000", description = "Give up after this long in all (default: ${DEFAULT-VALUE}).")
    long timeoutMillis;

    @Option(names = "-o", paramLabel = "FILE", description = "Write the body only to FILE.")
    Path output;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--trace", description = "Print the client's timeline to stderr, one line per event, in ms from the start of connect: "
            + "connect, connected, sent, our FIN (shutdown, close or reset), first response byte, received (consecutive reads as one), "
            + "and the end: server FIN, RST or timeout. On TLS also: the TLS handshake done (version, cipher, ALPN), "
            + "our close_notify, the server's close_notify, and whether the server's FIN came after its close_notify.")
    boolean trace;

    @Option(names = "--ladder", description = "Draw the exchange on stderr as a text sequence diagram of what the client saw: "
            + "client and server columns, time downwards, arrows for the handshake, the request, the FINs, the status line and bytes, "
            + "and the server's FIN or RST (<--X); on TLS also the TLS handshake and each close_notify.")
    boolean ladder;

    private final PrintStream out;
    private final PrintStream err;

    SendCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws IOException {
        Plan plan;
        try {
            plan = plan();
        } catch (IllegalArgumentException e) {
            err.println("halfway-client send: " + e.getMessage());
            return Verdict.USAGE;
        }
        Exchange.Result result;
        try (OutputStream bodyFile = output == null ? null : Files.newOutputStream(output)) {
            OutputStream stdout = new BufferedOutputStream(out, 64 * 1024);
            ResponseMeter.Sink sink = new ResponseMeter.Sink() {
                @Override
                public void head(byte[] bytes, int offset, int length) {
                    if (bodyFile == null) {
                        write(stdout, bytes, offset, length);
                    }
                }

                @Override
                public void body(byte[] bytes, int offset, int length) {
                    write(bodyFile == null ? stdout : bodyFile, bytes, offset, length);
                }
            };
            result = Exchange.run(plan, sink);
            stdout.flush();
        }
        if (trace) {
            err.print(result.timeline().trace());
        }
        if (ladder) {
            err.print(Ladder.render(result.timeline(), Ladder.requestLine(plan.pieces().get(0).bytes()),
                    Ladder.statusLine(result.meter())));
        }
        Report report = Report.of(result);
        err.println(json ? report.json() : report.text());
        return report.exit();
    }

    private static void write(OutputStream to, byte[] bytes, int offset, int length) {
        try {
            to.write(bytes, offset, length);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Plan plan() throws IOException {
        String host;
        int port;
        byte[] request;
        boolean overTls;
        if (raw != null) {
            String where = rawTarget != null ? rawTarget : url;
            if (where == null || (rawTarget != null && url != null)) {
                throw new IllegalArgumentException("--raw takes FILE|- and HOST:PORT");
            }
            int colon = where.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("expected HOST:PORT, not '" + where + "'");
            }
            host = where.substring(0, colon).replace("[", "").replace("]", "");
            port = port(where.substring(colon + 1));
            request = raw.equals("-") ? System.in.readAllBytes() : readFile(Path.of(raw));
            overTls = tls.on;
        } else {
            if (url == null || rawTarget != null) {
                throw new IllegalArgumentException("give one URL (or --raw FILE HOST:PORT)");
            }
            byte[] body = data == null ? null : body(data);
            RequestText.Target t = RequestText.build(url, method, fields, body, http11);
            host = t.host();
            port = t.port();
            request = t.bytes();
            if (tls.on && !t.tls()) {
                throw new IllegalArgumentException("--tls goes with --raw; for a URL the scheme decides: https://");
            }
            overTls = t.tls();
        }
        AfterSend mode = after.noShut ? AfterSend.NO_SHUT : after.close ? AfterSend.CLOSE : after.reset ? AfterSend.RESET : AfterSend.SHUT_WR;
        long shutAfter = after.shutWrAfter == null ? 0 : after.shutWrAfter;
        if (shutAfter < 0 || readDelay < 0 || readRate < 0 || receiveBuffer < 0 || timeoutMillis <= 0) {
            throw new IllegalArgumentException("times, rates and sizes must not be negative, and --timeout must be positive");
        }
        if (!overTls && (tls.insecure || tls.version != null || tls.tcpFinOnly)) {
            throw new IllegalArgumentException("--insecure, --tls-version and --tcp-fin-only need TLS: an https:// URL, or --tls with --raw");
        }
        if (tls.tcpFinOnly && (mode == AfterSend.NO_SHUT || mode == AfterSend.RESET)) {
            throw new IllegalArgumentException("--tcp-fin-only changes the FIN of --shut-wr, --shut-wr-after or --close; "
                    + "--no-shut and --reset send none");
        }
        return new Plan(host, port, List.of(Piece.of(request)), mode, shutAfter,
                new ReadPolicy(readDelay, readRate, -1, -1, receiveBuffer), Duration.ofMillis(timeoutMillis),
                overTls ? TlsPlan.of(tls.insecure, tls.version, tls.tcpFinOnly) : null);
    }

    private static byte[] body(String data) throws IOException {
        if (data.equals("-")) {
            return System.in.readAllBytes();
        }
        if (data.startsWith("@")) {
            return readFile(Path.of(data.substring(1)));
        }
        return data.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static byte[] readFile(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static int port(String text) {
        try {
            int p = Integer.parseInt(text);
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a port: " + text);
        }
    }
}
