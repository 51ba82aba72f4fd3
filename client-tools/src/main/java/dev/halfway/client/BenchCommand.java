package dev.halfway.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code halfway-client bench}: a load generator in the manner of {@code ab}, with one thing ab
 * cannot do: half-close after each request ({@code --shut-wr}). Every request is
 * {@code GET path HTTP/1.0} with a Host field, on a new connection, read to the server's FIN; for
 * an https:// URL over TLS, with a full handshake per connection and close_notify before the FIN.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, versionProvider = ClientVersion.class, sortOptions = false,
        usageHelpAutoWidth = true,
        description = {"Run M requests over N concurrent clients, each request on a new connection (HTTP/1.0), "
                + "reading every response to the server's FIN; print requests/s, body throughput, latency percentiles "
                + "(HdrHistogram) and failures.",
                "A request fails on a status other than 200, a head that never ends, fewer body bytes than "
                + "Content-Length, an RST, a timeout, a refused connection or a failed TLS handshake.",
                "An https:// URL runs every request over TLS, each a full handshake (no session resumed); "
                + "--shut-wr is then our close_notify followed by the FIN."},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:every request completed with 200 and its whole body", "1:at least one request failed",
                "2:bad arguments"})
final class BenchCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "URL", description = "http:// or https://host[:port]/path")
    String url;

    @Option(names = {"-c", "--clients"}, paramLabel = "N", defaultValue = "1",
            description = "Concurrent clients, one thread each (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = {"-n", "--requests"}, paramLabel = "M", defaultValue = "1000",
            description = "Measured requests in all (default: ${DEFAULT-VALUE}).")
    long requests;

    @Option(names = "--warmup", paramLabel = "K", defaultValue = "0",
            description = "Requests to run first, the same way, and leave out of every figure (default: ${DEFAULT-VALUE}).")
    long warmup;

    @ArgGroup(exclusive = true, multiplicity = "0..1", heading = "%nAfter sending each request (default --no-shut, like ab):%n")
    After after = new After();

    static final class After {
        @Option(names = "--shut-wr", description = "shutdown(SHUT_WR) right after the request: our FIN; keep reading. "
                + "On TLS: our close_notify, then the FIN.")
        boolean shutWr;

        @Option(names = "--no-shut", description = "Keep the write side open until the response has ended, like ab and curl.")
        boolean noShut;
    }

    @Option(names = "--timeout", paramLabel = "MS", defaultValue = "10000",
            description = "Connect timeout, and the longest silence while reading (default: ${DEFAULT-VALUE}).")
    int timeoutMillis;

    @Option(names = "--json", description = "Print the summary as one JSON object.")
    boolean json;

    @Option(names = "--tls", description = "Speak TLS (the URL must be https://, which says so anyway).")
    boolean tls;

    @Option(names = "--insecure", description = "TLS: trust any certificate and check no hostname "
            + "(without it: the JDK's default trust store, and the certificate must name the host).")
    boolean insecure;

    @Option(names = "--tls-version", paramLabel = "1.2|1.3", description = "TLS: offer only this version (default: 1.3 and 1.2).")
    String tlsVersion;

    private final PrintStream out;
    private final PrintStream err;

    BenchCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws InterruptedException {
        LoadGenerator.Config config;
        try {
            config = config();
        } catch (IllegalArgumentException e) {
            err.println("halfway-client bench: " + e.getMessage());
            return Verdict.USAGE;
        }
        LoadGenerator.Result result = LoadGenerator.run(config);
        Summary summary = Summary.of(url, config, result);
        out.println(json ? summary.json() : summary.text());
        return result.failed() == 0 ? 0 : 1;
    }

    LoadGenerator.Config config() {
        if (clients < 1 || requests < 1 || warmup < 0 || timeoutMillis < 1) {
            throw new IllegalArgumentException("--clients and --requests must be at least 1, --warmup not negative, --timeout positive");
        }
        RequestText.Target t = RequestText.build(url, "GET", List.of(), null, false);
        if (tls && !t.tls()) {
            throw new IllegalArgumentException("--tls needs an https:// URL: the scheme decides");
        }
        if (!t.tls() && (insecure || tlsVersion != null)) {
            throw new IllegalArgumentException("--insecure and --tls-version need an https:// URL");
        }
        TlsPlan tlsPlan = t.tls() ? TlsPlan.of(insecure, tlsVersion, false) : null;
        InetSocketAddress address;
        try {
            address = new InetSocketAddress(InetAddress.getByName(t.host()), t.port());
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host " + t.host());
        }
        return new LoadGenerator.Config(address, request(t), clients, requests, warmup, after.shutWr, timeoutMillis,
                tlsPlan, t.host());
    }

    /** {@code GET target HTTP/1.0}, {@code Host}, the empty line: RequestText's request without its User-Agent. */
    private static byte[] request(RequestText.Target t) {
        String full = new String(t.bytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
        StringBuilder b = new StringBuilder();
        for (String line : full.split("\r\n")) {
            if (!line.regionMatches(true, 0, "User-Agent:", 0, 11)) {
                b.append(line).append("\r\n");
            }
        }
        b.append("\r\n");
        return b.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** The figures of one run, as text for people and JSON for scripts; both carry the same numbers. */
    @JsonPropertyOrder({"url", "clients", "requests", "warmup", "afterSend", "completed", "failed", "failures", "errors",
            "elapsedSeconds", "requestsPerSecond", "bodyBytes", "headBytes", "bodyMBPerSecond", "bodyGBPerSecond", "latencyMs"})
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record Summary(String url, int clients, long requests, long warmup, String afterSend, long completed, long failed,
                   Map<String, Long> failures, Map<String, String> errors, double elapsedSeconds,
                   double requestsPerSecond, long bodyBytes, long headBytes, double bodyMBPerSecond,
                   double bodyGBPerSecond, Map<String, Double> latencyMs) {
        private static final ObjectMapper JSON = new ObjectMapper();

        static Summary of(String url, LoadGenerator.Config config, LoadGenerator.Result r) {
            Map<String, Long> failures = new LinkedHashMap<>();
            Map<String, String> errors = new LinkedHashMap<>();
            for (LoadGenerator.Failure f : LoadGenerator.Failure.values()) {
                failures.put(f.label, r.failures(f));
                if (r.firstErrors()[f.ordinal()] != null) {
                    errors.put(f.label, r.firstErrors()[f.ordinal()]);
                }
            }
            double seconds = r.elapsedNanos() / 1e9;
            Histogram h = r.latencyNanos();
            Map<String, Double> latency = new LinkedHashMap<>();
            latency.put("p50", ms(h.getValueAtPercentile(50)));
            latency.put("p90", ms(h.getValueAtPercentile(90)));
            latency.put("p99", ms(h.getValueAtPercentile(99)));
            latency.put("max", ms(h.getMaxValue()));
            latency.put("mean", ms(h.getMean()));
            return new Summary(url, (int) Math.min(config.clients(), config.requests()), r.requests(), config.warmup(),
                    config.shutWr() ? "shut-wr" : "no-shut", r.completed(), r.failed(), failures, errors,
                    round(seconds, 4), round(r.requests() / seconds, 1), r.bodyBytes(), r.headBytes(),
                    round(r.bodyBytes() / seconds / 1e6, 3), round(r.bodyBytes() / seconds / 1e9, 4), latency);
        }

        private static double ms(double nanos) {
            return round(nanos / 1e6, 3);
        }

        private static double round(double v, int places) {
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                return 0;
            }
            double scale = Math.pow(10, places);
            return Math.round(v * scale) / scale;
        }

        String json() {
            try {
                return JSON.writeValueAsString(this);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
        }

        String text() {
            StringBuilder b = new StringBuilder();
            b.append(String.format(Locale.ROOT, "bench %s: %d requests over %d clients (%s), %d completed%n",
                    url, requests, clients, afterSend, completed));
            b.append(String.format(Locale.ROOT, "requests/s:  %.1f  (%.3f s)%n", requestsPerSecond, elapsedSeconds));
            b.append(bodyMBPerSecond >= 1000
                    ? String.format(Locale.ROOT, "body:        %.3f GB/s  (%d bytes)%n", bodyGBPerSecond, bodyBytes)
                    : String.format(Locale.ROOT, "body:        %.3f MB/s  (%d bytes)%n", bodyMBPerSecond, bodyBytes));
            b.append(String.format(Locale.ROOT, "latency ms:  p50 %.3f  p90 %.3f  p99 %.3f  max %.3f%n",
                    latencyMs.get("p50"), latencyMs.get("p90"), latencyMs.get("p99"), latencyMs.get("max")));
            b.append("failures:    ").append(failed);
            if (failed > 0) {
                StringBuilder kinds = new StringBuilder();
                failures.forEach((k, v) -> {
                    if (v > 0) {
                        kinds.append(kinds.length() == 0 ? "" : ", ").append(k).append(' ').append(v);
                        String e = errors.get(k);
                        if (e != null) {
                            kinds.append(" (first: ").append(e).append(')');
                        }
                    }
                });
                b.append(" (").append(kinds).append(')');
            }
            return b.toString();
        }
    }
}
