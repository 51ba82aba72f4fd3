package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.http.ErrorPage;
import dev.halfway.http.Method;
import dev.halfway.http.ParseResult;
import dev.halfway.http.RequestParser;
import dev.halfway.http.Status;
import dev.halfway.http.Version;
import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.Outcome;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Socket-level fuzzing (issue 4, "Fuzzing"): thousands of mutated requests against a running
 * server, from 16 client threads at once, each sent whole or in pieces and then followed by a
 * half-close, nothing (the connection kept open), a close, or a reset. Afterwards the server
 * still serves a normal request, every connection left exactly one access-log line, none of them
 * says {@code error}, and every answer that arrived is a well-formed HTTP/1.0 response with a
 * known status (or the bare body of a Simple-Response to an HTTP/0.9 request).
 *
 * <p>As an oracle the test runs {@link RequestParser} over the bytes each client sent: where it
 * says the request failed, the server must answer with that status; where the input was
 * incomplete, the server must answer 400 at the client's EOF and 408 when the client waits.
 *
 * <p>Randomness is seeded: the seed is printed, and {@code -Dhalfway.fuzz.seed=N} replays a run
 * (each connection draws from its own generator derived from the seed and its index, so the
 * inputs do not depend on thread scheduling). {@code -Pheavy} (system property
 * {@code halfway.heavy=true}) makes 20 000 connections instead of 1 500;
 * {@code -Dhalfway.fuzz.connections=N} sets the count directly.
 */
class SocketFuzzTest {
    static final boolean HEAVY = Boolean.getBoolean("halfway.heavy");
    static final int CONNECTIONS = Integer.getInteger("halfway.fuzz.connections", HEAVY ? 20_000 : 1_500);
    static final int THREADS = 16;
    /** Short timeouts so that stalled inputs end quickly: head 300 ms, linger 100 ms. */
    static final Duration HEAD_TIMEOUT = Duration.ofMillis(300);
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(2);
    static final Duration LINGER = Duration.ofMillis(100);
    /** A reading client gives up after this long; the server must have ended the stream well before. */
    static final int READ_TIMEOUT_MS = 5_000;
    /** A reading client reads at most this much (big.bin is 10 MiB), then closes. */
    static final int READ_CAP = 256 * 1024;

    @TempDir
    Path dir;

    /** What a client does once its bytes are sent. */
    enum After { HALF_CLOSE, KEEP_OPEN, CLOSE, RESET, READ_SOME_THEN_RESET }

    /** One connection as the client saw it. */
    record Client(int index, int port, After after, byte[] sent, boolean sendFailed, byte[] received, RawClient.End end) {
        String describe() {
            return "connection #" + index + " (port " + port + ", " + after + (sendFailed ? ", send failed" : "")
                    + ", end " + end + ") sent " + sent.length + " bytes \"" + escape(sent, 400) + "\", received \""
                    + escape(received, 300) + "\"";
        }
    }

    @Test
    void mutatedRequestsNeverBreakTheServerAndEveryConnectionIsLoggedOnce() throws Exception {
        long seed = Long.getLong("halfway.fuzz.seed", System.nanoTime());
        System.out.println("SocketFuzzTest: " + CONNECTIONS + " connections, " + THREADS + " at a time, seed " + seed
                + " (replay with -Dhalfway.fuzz.seed=" + seed + ")");
        String replay = " [seed " + seed + ", -Dhalfway.fuzz.seed=" + seed + "]";
        Path root = Fixtures.root(dir);
        List<byte[]> simpleBodies = simpleResponseBodies(root);
        long started = System.nanoTime();
        try (TestServer server = new TestServer(root,
                c -> c.headTimeout(HEAD_TIMEOUT).writeTimeout(WRITE_TIMEOUT).linger(LINGER).lingerBytes(1024 * 1024))) {
            List<Client> clients = new ArrayList<>();
            List<String> clientFailures = new ArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<Client>> futures = new ArrayList<>();
                for (int i = 0; i < CONNECTIONS; i++) {
                    int index = i;
                    futures.add(pool.submit(() -> connect(server.port(), index, new Random(seed * 0x9E3779B97F4A7C15L + index))));
                }
                for (int i = 0; i < futures.size(); i++) {
                    try {
                        clients.add(futures.get(i).get(60, TimeUnit.SECONDS));
                    } catch (java.util.concurrent.ExecutionException e) {
                        clientFailures.add("connection #" + i + ": " + e.getCause());
                    }
                }
            } finally {
                pool.shutdownNow();
            }
            assertTrue(clientFailures.isEmpty(), "clients could not connect or failed: " + clientFailures + replay);
            long fuzzMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

            // (a) the server still serves a normal request
            int finalPort;
            try (RawClient c = new RawClient(server.port())) {
                finalPort = c.socket.getLocalPort();
                RawClient.Reply reply = c.send("GET /small.txt HTTP/1.0\r\n\r\n").halfClose().readAll();
                assertEquals(200, reply.status(), "a normal request after the fuzzing: " + reply.text() + replay);
                assertEquals("small file\n", new String(reply.body(), StandardCharsets.ISO_8859_1), replay);
                assertEquals(RawClient.End.FIN, reply.end(), replay);
            }

            // (b) exactly one access-log line per connection: the same multiset of client ports
            // (a port can come round again in a long run, so ports are counted, not just collected)
            List<AccessRecord> records = server.records(CONNECTIONS + 1);
            Map<Integer, Integer> made = new TreeMap<>();
            clients.forEach(c -> made.merge(c.port(), 1, Integer::sum));
            made.merge(finalPort, 1, Integer::sum);
            Map<Integer, Integer> logged = new TreeMap<>();
            records.forEach(r -> logged.merge(r.remotePort(), 1, Integer::sum));
            if (!made.equals(logged)) {
                List<String> diff = new ArrayList<>();
                for (Integer port : union(made, logged)) {
                    int m = made.getOrDefault(port, 0);
                    int l = logged.getOrDefault(port, 0);
                    if (m != l) {
                        diff.add("port " + port + ": " + m + " connections, " + l + " log lines");
                    }
                }
                throw new AssertionError("access-log lines do not match connections: " + diff.subList(0, Math.min(20, diff.size())) + replay);
            }
            assertEquals(CONNECTIONS + 1, records.size());

            Map<Integer, List<Client>> byPort = new HashMap<>();
            clients.forEach(c -> byPort.computeIfAbsent(c.port(), p -> new ArrayList<>()).add(c));

            // (c) no connection ended in error (nor was cut by a shutdown: the server was not stopped)
            List<String> errors = new ArrayList<>();
            Map<Outcome, Integer> outcomes = new TreeMap<>();
            for (AccessRecord r : records) {
                outcomes.merge(r.outcome(), 1, Integer::sum);
                if (r.outcome() == Outcome.ERROR || r.outcome() == Outcome.SHUTDOWN) {
                    errors.add(r + " <- " + byPort.getOrDefault(r.remotePort(), List.of()).stream().map(Client::describe).toList());
                }
            }
            assertTrue(errors.isEmpty(), errors.size() + " connections logged as error/shutdown, e.g. "
                    + errors.subList(0, Math.min(5, errors.size())) + replay);

            // (d) every answer is a well-formed HTTP/1.0 response with a known status, or a 0.9 body;
            // the status is the one the parser predicts for these bytes; the log agrees
            List<String> bad = new ArrayList<>();
            Map<String, Integer> statuses = new TreeMap<>();
            Map<Integer, List<AccessRecord>> recordsByPort = new HashMap<>();
            records.forEach(r -> recordsByPort.computeIfAbsent(r.remotePort(), p -> new ArrayList<>()).add(r));
            for (Client c : clients) {
                String problem = checkResponse(c, simpleBodies, statuses);
                List<AccessRecord> mine = recordsByPort.get(c.port());
                if (problem == null && mine.size() == 1) {
                    problem = checkRecordAgrees(c, mine.get(0));
                }
                if (problem != null) {
                    bad.add(problem + ": " + c.describe());
                }
            }
            System.out.println("SocketFuzzTest: " + CONNECTIONS + " connections in " + fuzzMillis + " ms; outcomes " + outcomes
                    + "; answers " + statuses);
            assertTrue(bad.isEmpty(), bad.size() + " bad answers, e.g.\n  " + String.join("\n  ", bad.subList(0, Math.min(10, bad.size()))) + "\n" + replay);
        }
    }

    // ------------------------------------------------------------------------------------------
    // One connection
    // ------------------------------------------------------------------------------------------

    static Client connect(int port, int index, Random random) throws IOException, InterruptedException {
        byte[] bytes = fuzzInput(random);
        After after = pickAfter(random);
        int pieces = random.nextInt(10) < 6 ? 1 : 2 + random.nextInt(4);
        int[] cuts = random.ints(pieces - 1, 0, bytes.length + 1).sorted().toArray();
        int pauseMillis = random.nextInt(4);
        int readSome = 1 + random.nextInt(200);
        RawClient client = new RawClient(port);
        int localPort = client.socket.getLocalPort();
        boolean sendFailed = false;
        byte[] received = new byte[0];
        RawClient.End end = null;
        try {
            client.socket.setSoTimeout(READ_TIMEOUT_MS);
            try {
                int from = 0;
                for (int i = 0; i <= cuts.length; i++) {
                    int to = i < cuts.length ? cuts[i] : bytes.length;
                    if (to > from) {
                        client.send(Arrays.copyOfRange(bytes, from, to));
                    }
                    from = to;
                    if (i < cuts.length && pauseMillis > 0) {
                        Thread.sleep(pauseMillis);
                    }
                }
            } catch (IOException e) {
                sendFailed = true; // the server answered early and went away; it must still log us once
            }
            switch (after) {
                case HALF_CLOSE, KEEP_OPEN -> {
                    if (after == After.HALF_CLOSE && !sendFailed) {
                        try {
                            client.halfClose();
                        } catch (IOException e) {
                            sendFailed = true;
                        }
                    }
                    RawClient.Reply reply = client.read(READ_CAP, 16 * 1024, 0);
                    received = reply.bytes();
                    end = reply.end();
                    client.close();
                }
                case CLOSE -> client.close();
                case RESET -> client.reset();
                case READ_SOME_THEN_RESET -> {
                    client.socket.setSoTimeout(50);
                    RawClient.Reply reply = client.read(readSome, readSome, 0);
                    received = reply.bytes();
                    end = reply.end();
                    client.reset();
                }
            }
        } finally {
            client.close();
        }
        return new Client(index, localPort, after, bytes, sendFailed, received, end);
    }

    static After pickAfter(Random random) {
        int n = random.nextInt(100);
        return n < 40 ? After.HALF_CLOSE : n < 65 ? After.KEEP_OPEN : n < 80 ? After.CLOSE : n < 92 ? After.RESET : After.READ_SOME_THEN_RESET;
    }

    // ------------------------------------------------------------------------------------------
    // Checking what came back
    // ------------------------------------------------------------------------------------------

    static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.0 (\\d{3}) ([^\\r\\n]*)\\r\\n");
    static final Pattern CONTENT_LENGTH = Pattern.compile("\r\nContent-Length: (\\d+)\r\n");

    /** What the parser says about exactly these bytes, then at EOF (for a half-close). */
    record Oracle(ParseResult afterBytes, ParseResult atEof) {
        static Oracle of(byte[] bytes) {
            RequestParser parser = RequestParser.withDefaults();
            ParseResult r = parser.parse(ByteBuffer.wrap(bytes));
            return new Oracle(r, parser.endOfInput());
        }
    }

    /** Null when the answer is acceptable, else what is wrong with it. */
    static String checkResponse(Client c, List<byte[]> simpleBodies, Map<String, Integer> statuses) {
        boolean reading = c.after() == After.HALF_CLOSE || c.after() == After.KEEP_OPEN;
        if (reading && c.end() == RawClient.End.TIMEOUT) {
            return "the server did not end the connection within " + READ_TIMEOUT_MS + " ms";
        }
        Oracle oracle = Oracle.of(c.sent());
        byte[] got = c.received();
        String text = new String(got, StandardCharsets.ISO_8859_1);
        boolean simple = oracle.afterBytes() instanceof ParseResult.Complete done && done.request().version() == Version.HTTP_0_9;
        if (got.length == 0) {
            statuses.merge(c.after() + " nothing", 1, Integer::sum);
            if (!reading || c.sendFailed()) {
                return null;
            }
            if (simple) {
                return null; // an empty file as a Simple-Response is no bytes at all
            }
            if (c.after() == After.HALF_CLOSE && oracle.afterBytes() instanceof ParseResult.NeedMore
                    && oracle.atEof() instanceof ParseResult.Empty) {
                return null; // no request byte: closed quietly
            }
            return "no answer";
        }
        if (c.end() != RawClient.End.FIN && got.length < 9 && "HTTP/1.0 ".startsWith(text)) {
            statuses.merge(c.after() + " partial", 1, Integer::sum);
            return null; // we stopped reading inside the status line
        }
        if (!text.startsWith("HTTP/1.0 ")) {
            statuses.merge(c.after() + " 0.9", 1, Integer::sum);
            if (!simple) {
                return "neither an HTTP/1.0 status line nor a Simple-Response to an HTTP/0.9 request";
            }
            for (byte[] body : simpleBodies) {
                if (got.length <= body.length && Arrays.equals(got, 0, got.length, body, 0, got.length)) {
                    return null;
                }
            }
            return text.startsWith("<!DOCTYPE html>") ? null : "a Simple-Response that is no known body";
        }
        Matcher m = STATUS_LINE.matcher(text);
        if (!m.lookingAt()) {
            return c.end() == RawClient.End.FIN ? "a malformed status line" : null; // cut short by our own reset
        }
        int code = Integer.parseInt(m.group(1));
        Status status = Arrays.stream(Status.values()).filter(s -> s.code() == code).findFirst().orElse(null);
        if (status == null) {
            return "unknown status " + code;
        }
        if (!status.reasonPhrase().equals(m.group(2))) {
            return "wrong reason phrase for " + code;
        }
        statuses.merge(c.after() + " " + code, 1, Integer::sum);
        if (c.end() == RawClient.End.FIN) {
            int headEnd = text.indexOf("\r\n\r\n");
            if (headEnd < 0) {
                return "the stream ended inside the response head";
            }
            Matcher cl = CONTENT_LENGTH.matcher(text.substring(0, headEnd + 2));
            boolean headRequest = oracle.afterBytes() instanceof ParseResult.Complete done && done.request().method() == Method.HEAD;
            if (cl.find() && !headRequest && code != 304) {
                long owed = Long.parseLong(cl.group(1));
                if (got.length - headEnd - 4 != owed) {
                    return "body of " + (got.length - headEnd - 4) + " bytes, Content-Length " + owed;
                }
            }
        }
        if (c.sendFailed() || !reading) {
            return null; // the server saw only part of what we meant to send
        }
        if (code == 408) {
            // The only legitimate 408: the client waits with an incomplete request. A starved
            // server might also time out a request that arrived, but never one it could have failed.
            return c.after() == After.KEEP_OPEN && oracle.afterBytes() instanceof ParseResult.NeedMore ? null
                    : oracle.afterBytes() instanceof ParseResult.Failed f ? "408, but the request had failed with " + f.status().code()
                    : null;
        }
        ParseResult expected = c.after() == After.HALF_CLOSE ? oracle.atEof() : oracle.afterBytes();
        if (expected instanceof ParseResult.Failed f && f.status().code() != code) {
            return "status " + code + ", but the parser says " + f.status().code() + " (" + f.reason() + ")";
        }
        if (expected instanceof ParseResult.NeedMore) {
            return "status " + code + " for an incomplete request (a client that waits gets 408)";
        }
        return null;
    }

    /** The connection's one log line (its port occurred once) says the status the client read. */
    static String checkRecordAgrees(Client c, AccessRecord r) {
        Matcher m = STATUS_LINE.matcher(new String(c.received(), StandardCharsets.ISO_8859_1));
        if (!m.lookingAt()) {
            return null;
        }
        int code = Integer.parseInt(m.group(1));
        return r.status() == code ? null : "the client read " + code + ", the log says " + r.status() + " (" + r + ")";
    }

    /** Every body a Simple-Response may carry: the fixture files and the error pages. */
    static List<byte[]> simpleResponseBodies(Path root) throws IOException {
        List<byte[]> bodies = new ArrayList<>();
        for (String f : List.of("index.html", "small.txt", "empty.txt", "sub/a.txt", "docs/index.html", "big.bin")) {
            bodies.add(Files.readAllBytes(root.resolve(f)));
        }
        for (Status s : Status.values()) {
            if (s.isError()) {
                bodies.add(ErrorPage.body(s));
            }
        }
        return bodies;
    }

    // ------------------------------------------------------------------------------------------
    // Inputs: mutated valid requests, valid ones, random bytes, nothing
    // ------------------------------------------------------------------------------------------

    static final String[] TARGETS = {
        "/", "/index.html", "/small.txt", "/small.txt", "/empty.txt", "/sub", "/sub/", "/sub/a.txt", "/docs/", "/docs",
        "/missing.txt", "/small.txt?q=1", "http://localhost/small.txt", "/../small.txt", "/%2e%2e/%2e%2e/etc/passwd",
        "/a%00b", "/%zz", "/sub/../small.txt", "*", "/big.bin",
    };
    static final String[] METHODS = {"GET", "GET", "GET", "GET", "GET", "HEAD", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "BREW", "get"};
    static final String[] FIELDS = {
        "Host: localhost", "User-Agent: fuzz/1", "Accept: */*", "If-Modified-Since: Sat, 29 Oct 1994 19:43:31 GMT",
        "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT", "Connection: close", "X-Obs: caf\u00e9", "Referer: http://x/",
    };
    static final byte[][] SPECIAL = {
        {'\r'}, {'\n'}, {'\r', '\n'}, {0}, {' '}, {'\t'}, {':'}, {0x7F}, {(byte) 0x80}, {(byte) 0xFF}, {'/'}, {'%'},
        {'\r', '\n', '\r', '\n'}, {'\n', ' '}, {'a'},
    };

    static byte[] fuzzInput(Random random) {
        int kind = random.nextInt(100);
        if (kind < 2) {
            return new byte[0];
        }
        if (kind < 6) {
            byte[] b = new byte[random.nextInt(600)];
            random.nextBytes(b);
            return b;
        }
        byte[] b = validRequest(random);
        if (kind < 16) {
            return b;
        }
        int mutations = 1 + random.nextInt(4);
        for (int i = 0; i < mutations; i++) {
            b = mutate(random, b);
        }
        return b;
    }

    static byte[] validRequest(Random random) {
        int eolKind = random.nextInt(3); // CRLF, LF, mixed
        int[] line = {0};
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Runnable eol = () -> {
            boolean crlf = eolKind == 0 || eolKind == 2 && line[0]++ % 2 == 0;
            out.writeBytes(crlf ? new byte[] {'\r', '\n'} : new byte[] {'\n'});
        };
        String target = TARGETS[random.nextInt(TARGETS.length)];
        if (random.nextInt(20) == 0) {
            out.writeBytes(("GET " + target).getBytes(StandardCharsets.ISO_8859_1));
            eol.run();
            return out.toByteArray();
        }
        String method = METHODS[random.nextInt(METHODS.length)];
        out.writeBytes((method + " " + target + (random.nextInt(3) == 0 ? " HTTP/1.1" : " HTTP/1.0")).getBytes(StandardCharsets.ISO_8859_1));
        eol.run();
        int fields = random.nextInt(6);
        for (int i = 0; i < fields; i++) {
            out.writeBytes(FIELDS[random.nextInt(FIELDS.length)].getBytes(StandardCharsets.ISO_8859_1));
            eol.run();
        }
        byte[] body = null;
        Method known = Method.byName(method);
        if (known != null && known.requiresBody() || random.nextInt(10) == 0) {
            body = new byte[random.nextInt(100)];
            random.nextBytes(body);
            out.writeBytes(("Content-Length: " + body.length).getBytes(StandardCharsets.ISO_8859_1));
            eol.run();
        }
        eol.run();
        if (body != null) {
            out.writeBytes(body);
        }
        return out.toByteArray();
    }

    /** One random edit: flip, replace, insert, delete, duplicate, truncate, special bytes, a long run, a splice. */
    static byte[] mutate(Random random, byte[] in) {
        int n = in.length;
        int p = random.nextInt(n + 1);
        switch (random.nextInt(10)) {
            case 0 -> {
                if (n > 0) {
                    byte[] out = in.clone();
                    out[Math.min(p, n - 1)] ^= (byte) (1 << random.nextInt(8));
                    return out;
                }
                return in;
            }
            case 1 -> {
                if (n > 0) {
                    byte[] out = in.clone();
                    out[Math.min(p, n - 1)] = (byte) random.nextInt(256);
                    return out;
                }
                return in;
            }
            case 2 -> {
                return insert(in, p, new byte[] {(byte) random.nextInt(256)});
            }
            case 3 -> {
                int len = Math.min(1 + random.nextInt(16), n - p);
                byte[] out = new byte[n - len];
                System.arraycopy(in, 0, out, 0, p);
                System.arraycopy(in, p + len, out, p, n - p - len);
                return out;
            }
            case 4 -> {
                int len = Math.min(1 + random.nextInt(16), n - p);
                return insert(in, p + len, Arrays.copyOfRange(in, p, p + len));
            }
            case 5 -> {
                return Arrays.copyOf(in, p);
            }
            case 6, 7 -> {
                return insert(in, p, SPECIAL[random.nextInt(SPECIAL.length)]);
            }
            case 8 -> {
                byte[] unit = random.nextBoolean() ? SPECIAL[random.nextInt(SPECIAL.length)] : new byte[] {(byte) random.nextInt(256)};
                int count = random.nextInt(8) == 0 ? 1_000 + random.nextInt(19_000) : 1 + random.nextInt(200);
                byte[] run = new byte[count * unit.length];
                for (int i = 0; i < run.length; i++) {
                    run[i] = unit[i % unit.length];
                }
                return insert(in, p, run);
            }
            default -> {
                byte[] other = validRequest(random);
                int q = random.nextInt(other.length + 1);
                byte[] out = Arrays.copyOf(in, p + other.length - q);
                System.arraycopy(other, q, out, p, other.length - q);
                return out;
            }
        }
    }

    static byte[] insert(byte[] in, int p, byte[] what) {
        byte[] out = new byte[in.length + what.length];
        System.arraycopy(in, 0, out, 0, p);
        System.arraycopy(what, 0, out, p, what.length);
        System.arraycopy(in, p, out, p + what.length, in.length - p);
        return out;
    }

    static <K extends Comparable<K>> List<K> union(Map<K, ?> a, Map<K, ?> b) {
        TreeMap<K, Boolean> all = new TreeMap<>();
        a.keySet().forEach(k -> all.put(k, true));
        b.keySet().forEach(k -> all.put(k, true));
        return new ArrayList<>(all.keySet());
    }

    /** Printable bytes for a report, at most {@code max} of them; runs of 8+ equal bytes as {@code {b*n}}. */
    static String escape(byte[] bytes, int max) {
        StringBuilder s = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < bytes.length && shown < max; ) {
            int run = 1;
            while (i + run < bytes.length && bytes[i + run] == bytes[i]) {
                run++;
            }
            int b = bytes[i] & 0xFF;
            String one = b == '\r' ? "\\r" : b == '\n' ? "\\n" : b == '\t' ? "\\t" : b == '\\' ? "\\\\"
                    : b >= 0x20 && b < 0x7F ? String.valueOf((char) b) : String.format("\\x%02X", b);
            if (run >= 8) {
                s.append('{').append(one).append('*').append(run).append('}');
                i += run;
            } else {
                s.append(one);
                i++;
            }
            shown++;
        }
        return shown < bytes.length && s.length() > 0 && bytes.length > max ? s + "..." : s.toString();
    }
}
