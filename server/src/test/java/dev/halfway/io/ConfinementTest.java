package dev.halfway.io;

import dev.halfway.http.Limits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.file.DocumentRoot;
import dev.halfway.http.ErrorPage;
import dev.halfway.http.Status;
import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.Outcome;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Confinement: hostile request-targets sent over real sockets never get a byte from outside the
 * document root.
 *
 * <p>Layout, made once for the class:
 * <pre>
 * base/secret.txt             TOP-SECRET-&lt;random&gt;          (the bait)
 * base/rootx/secret.txt       the same secret                 (a sibling whose name starts like the root's)
 * base/root/                  the document root
 *   index.html small.txt sub/a.txt a/b/c.txt
 *   leak.txt      -> ../secret.txt                  (relative link out)
 *   abs-leak.txt  -> /…/base/secret.txt             (absolute link out)
 *   sub/deep-leak.txt -> ../../secret.txt
 *   up            -> ..                             (a directory link to base)
 *   prefix        -> ../rootx                       (out, to a path with the root's name as a string prefix)
 *   inside.txt    -> small.txt                      (a link that stays inside: served)
 *   loop -> loop, loop-a -> loop-b -> loop-a        (link loops)
 *   fifo, fifodir/index.html                        (FIFOs, made with mkfifo)
 *   fifo-link     -> fifo
 *   null -> /dev/null, zero -> /dev/zero            (devices)
 *   environ       -> /proc/self/environ
 * </pre>
 *
 * <p>Three servers share that root: {@code STRICT} (the defaults: links must stay inside),
 * {@code FOLLOW} ({@code --follow-symlinks}, to show that the refusals of the links out are the
 * link rule and nothing else, while {@code ..} is still refused), and {@code ROOMY} (a 64 KiB
 * request-line limit, so very long traversals reach the path check instead of the 414).
 *
 * <p>Every row asserts: the exact status, the connection ends with the server's FIN, the
 * response (head and body) holds neither the secret nor even the word "secret" (error pages are
 * fixed text and never echo the target), the answer comes promptly (a FIFO must not hang a
 * worker), and the access log has the connection's line (found by the client's port) with the
 * same status and the outcome that status implies.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConfinementTest {
    enum Mode { STRICT, FOLLOW, ROOMY }

    /** What a row expects: a refusal with {@code status}, or (FOLLOW only) the secret served with 200. */
    record Row(Mode mode, byte[] request, int status, boolean servesSecret) {
        boolean simple() {
            String text = new String(request, StandardCharsets.ISO_8859_1);
            return !text.contains(" HTTP/");
        }
    }

    @TempDir
    static Path base;

    static Path root;
    static String secret;
    static final Map<Mode, TestServer> SERVERS = new EnumMap<>(Mode.class);

    @BeforeAll
    static void layOut() throws Exception {
        secret = "TOP-SECRET-" + UUID.randomUUID();
        Files.writeString(base.resolve("secret.txt"), secret + "\n");
        Files.createDirectories(base.resolve("rootx"));
        Files.writeString(base.resolve("rootx/secret.txt"), secret + "\n");

        root = Files.createDirectories(base.resolve("root"));
        Files.writeString(root.resolve("index.html"), "<p>index</p>\n");
        Files.writeString(root.resolve("small.txt"), "small file\n");
        Files.createDirectories(root.resolve("sub"));
        Files.writeString(root.resolve("sub/a.txt"), "a\n");
        Files.createDirectories(root.resolve("a/b"));
        Files.writeString(root.resolve("a/b/c.txt"), "c\n");

        Files.createSymbolicLink(root.resolve("leak.txt"), Path.of("../secret.txt"));
        Files.createSymbolicLink(root.resolve("abs-leak.txt"), base.resolve("secret.txt").toAbsolutePath());
        Files.createSymbolicLink(root.resolve("sub/deep-leak.txt"), Path.of("../../secret.txt"));
        Files.createSymbolicLink(root.resolve("up"), Path.of(".."));
        Files.createSymbolicLink(root.resolve("prefix"), Path.of("../rootx"));
        Files.createSymbolicLink(root.resolve("inside.txt"), Path.of("small.txt"));
        Files.createSymbolicLink(root.resolve("loop"), Path.of("loop"));
        Files.createSymbolicLink(root.resolve("loop-a"), Path.of("loop-b"));
        Files.createSymbolicLink(root.resolve("loop-b"), Path.of("loop-a"));
        mkfifo(root.resolve("fifo"));
        Files.createDirectories(root.resolve("fifodir"));
        mkfifo(root.resolve("fifodir/index.html"));
        Files.createSymbolicLink(root.resolve("fifo-link"), Path.of("fifo"));
        Files.createSymbolicLink(root.resolve("null"), Path.of("/dev/null"));
        Files.createSymbolicLink(root.resolve("zero"), Path.of("/dev/zero"));
        Files.createSymbolicLink(root.resolve("environ"), Path.of("/proc/self/environ"));

        SERVERS.put(Mode.STRICT, new TestServer(root));
        SERVERS.put(Mode.FOLLOW, new TestServer(root, c -> c.root(new DocumentRoot(root, true))));
        SERVERS.put(Mode.ROOMY, new TestServer(root, c -> c.limits(
                new Limits(64 * 1024, 128 * 1024, 100, 1024 * 1024))));
    }

    @AfterAll
    static void stop() {
        // If a worker ever did block opening a FIFO, a writer (O_RDWR never blocks on Linux)
        // releases it, so the stop below cannot hang on it.
        for (Path fifo : List.of(root.resolve("fifo"), root.resolve("fifodir/index.html"))) {
            try (FileChannel unjam = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                unjam.size();
            } catch (IOException ignored) {
                // nothing to release
            }
        }
        SERVERS.values().forEach(TestServer::close);
        SERVERS.clear();
    }

    private static void mkfifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "mkfifo did not finish");
        assertEquals(0, p.exitValue(), "mkfifo " + path + ": " + new String(p.getInputStream().readAllBytes()));
        assertTrue(Files.readAttributes(path, BasicFileAttributes.class).isOther(),
                path + " is a FIFO");
    }

    // ----------------------------------------------------------------------------------------------------------
    // The table

    static Stream<Arguments> hostileTargets() {
        List<Arguments> rows = new ArrayList<>();
        // `..` in every encoding
        strict(rows, "dot-dot plain", "/../secret.txt", 403);
        strict(rows, "dot-dot alone", "/..", 403);
        strict(rows, "dot-dot with trailing slash", "/../", 403);
        strict(rows, "%2e%2e", "/%2e%2e/secret.txt", 403);
        strict(rows, "%2E%2e mixed case, directory form", "/%2E%2e/", 403);
        strict(rows, ".%2e", "/.%2e/secret.txt", 403);
        strict(rows, "%2e.", "/%2e./secret.txt", 403);
        strict(rows, "..%2f (encoded slash)", "/..%2fsecret.txt", 400);
        strict(rows, "%2e%2e%2f (all encoded)", "/%2e%2e%2fsecret.txt", 400);
        strict(rows, "%2F upper-case encoded slashes", "/sub%2F..%2F..%2Fsecret.txt", 400);
        strict(rows, "double-encoded %252e%252e (a literal name)", "/%252e%252e/secret.txt", 404);
        strict(rows, "double-encoded slash ..%252f (a literal name)", "/..%252fsecret.txt", 404);
        strict(rows, "overlong UTF-8 %c0%ae%c0%ae", "/%c0%ae%c0%ae/secret.txt", 400);
        strict(rows, "overlong UTF-8 %e0%80%ae", "/%e0%80%ae%e0%80%ae/secret.txt", 400);
        strict(rows, "overlong UTF-8 4-byte %f0%80%80%ae", "/%f0%80%80%ae%f0%80%80%ae/secret.txt", 400);
        strict(rows, "overlong UTF-8 slash %c0%af", "/..%c0%afsecret.txt", 400);
        strict(rows, "fullwidth dots U+FF0E (a literal name)", "/%ef%bc%8e%ef%bc%8e/secret.txt", 404);
        strict(rows, "backslash raw", "/..\\secret.txt", 400);
        strict(rows, "backslash %5c", "/..%5csecret.txt", 400);
        strict(rows, "backslash %5C everywhere", "/%5C..%5C..%5Csecret.txt", 400);
        strict(rows, "Tomcat path parameter ..;", "/..;/secret.txt", 404);
        strict(rows, "mixed sub/../..", "/sub/../../secret.txt", 403);
        strict(rows, "many levels a/b/../../..", "/a/b/../../../secret.txt", 403);
        strict(rows, "dot segments ./sub/./.././..", "/./sub/./.././../secret.txt", 403);
        strict(rows, "encoded dot-dots deep", "/sub/%2e%2e/%2e%2e/secret.txt", 403);
        strict(rows, "dot-dot through a directory link is lexical", "/up/../secret.txt", 404);
        // absolute-form and other target forms
        strict(rows, "absolute-form http://evil/../", "http://evil/../secret.txt", 403);
        strict(rows, "absolute-form http://x/%2e%2e/", "http://x/%2e%2e/secret.txt", 403);
        strict(rows, "absolute-form HTTP:// with ..%2f", "HTTP://x/..%2fsecret.txt", 400);
        strict(rows, "absolute-form with userinfo and port", "http://user@127.0.0.1:1/../../secret.txt", 403);
        strict(rows, "file: URI", "file:///etc/passwd", 400);
        strict(rows, "scheme-relative //evil/..", "//evil/../secret.txt", 400);
        strict(rows, "file-system absolute path //base/secret.txt", "/" + base.resolve("secret.txt").toAbsolutePath(), 400);
        strict(rows, "asterisk", "*", 400);
        // NUL, CR, LF
        strict(rows, "%00 at the end", "/secret.txt%00", 400);
        strict(rows, "%00.txt extension truncation", "/small.txt%00.txt", 400);
        strict(rows, "%00 inside dot-dot", "/..%00/secret.txt", 400);
        strict(rows, "encoded CRLF %0d%0a", "/small.txt%0d%0aX-Secret:%20yes", 400);
        strict(rows, "encoded LF %0a", "/%0a../secret.txt", 400);
        raw(rows, Mode.STRICT, "raw NUL byte in the target", "GET /\0../secret.txt HTTP/1.0\r\n\r\n", 400);
        raw(rows, Mode.STRICT, "raw bare CR in the target", "GET /..\r/secret.txt HTTP/1.0\r\n\r\n", 400);
        // very long paths
        strict(rows, "4000 x ../ (over the 8 KiB request line)", "/" + "../".repeat(4000) + "secret.txt", 414);
        strict(rows, "2500 x ../ (under the limit)", "/" + "../".repeat(2500) + "secret.txt", 403);
        strict(rows, "1000 x %2e%2e/", "/" + "%2e%2e/".repeat(1000) + "secret.txt", 403);
        strict(rows, "1100 x sub/../ then ..", "/" + "sub/../".repeat(1100) + "../secret.txt", 403);
        strict(rows, "one 5000-byte name (over NAME_MAX)", "/" + "a".repeat(5000), 404);
        roomy(rows, "4000 x ../ with a 64 KiB line limit", "/" + "../".repeat(4000) + "secret.txt", 403);
        roomy(rows, "4000 x %2e%2e/ with a 64 KiB line limit", "/" + "%2e%2e/".repeat(4000) + "secret.txt", 403);
        roomy(rows, "5000 x sub/../ then secret.txt stays inside", "/" + "sub/../".repeat(5000) + "secret.txt", 404);
        roomy(rows, "path over PATH_MAX", "/" + "a/".repeat(3000) + "secret.txt", 404);
        // symbolic links, loops, special files
        strict(rows, "link to ../secret.txt", "/leak.txt", 403);
        strict(rows, "absolute link to secret.txt", "/abs-leak.txt", 403);
        strict(rows, "link two levels up from sub/", "/sub/deep-leak.txt", 403);
        strict(rows, "directory link to base: file", "/up/secret.txt", 403);
        strict(rows, "directory link to base: listing", "/up/", 403);
        strict(rows, "directory link to base: no slash (no redirect)", "/up", 403);
        strict(rows, "link to a sibling named like the root (rootx)", "/prefix/secret.txt", 403);
        strict(rows, "absolute-form through a link", "http://x/leak.txt", 403);
        strict(rows, "symlink loop (self)", "/loop", 404);
        strict(rows, "symlink loop (two links)", "/loop-a", 404);
        strict(rows, "below a symlink loop", "/loop/secret.txt", 404);
        strict(rows, "FIFO", "/fifo", 403);
        raw(rows, Mode.STRICT, "FIFO by HEAD", "HEAD /fifo HTTP/1.0\r\n\r\n", 403);
        strict(rows, "link to a FIFO", "/fifo-link", 403);
        strict(rows, "FIFO as a directory's index.html", "/fifodir/", 403);
        strict(rows, "link to /dev/null", "/null", 403);
        strict(rows, "link to /dev/zero", "/zero", 403);
        strict(rows, "link to /proc/self/environ", "/environ", 403);
        // HTTP/0.9 Simple-Requests take the same path checks; the answer is the error page alone
        raw(rows, Mode.STRICT, "HTTP/0.9 dot-dot", "GET /../secret.txt\r\n", 403);
        raw(rows, Mode.STRICT, "HTTP/0.9 link out", "GET /leak.txt\r\n", 403);
        raw(rows, Mode.STRICT, "HTTP/0.9 %2e%2e%2f", "GET /%2e%2e%2fsecret.txt\r\n", 400);

        // --follow-symlinks: the links out are served (so the refusals above are the link rule) ...
        served(rows, "follow: link to ../secret.txt IS served", "/leak.txt");
        served(rows, "follow: absolute link IS served", "/abs-leak.txt");
        served(rows, "follow: directory link to base IS served", "/up/secret.txt");
        served(rows, "follow: sibling rootx IS served", "/prefix/secret.txt");
        // ... but `..` is still refused, and special files are still special
        follow(rows, "follow: dot-dot plain", "/../secret.txt", 403);
        follow(rows, "follow: %2e%2e", "/%2e%2e/secret.txt", 403);
        follow(rows, "follow: .%2e", "/.%2e/secret.txt", 403);
        follow(rows, "follow: ..%2f", "/..%2fsecret.txt", 400);
        follow(rows, "follow: overlong %c0%ae", "/%c0%ae%c0%ae/secret.txt", 400);
        follow(rows, "follow: sub/../..", "/sub/../../secret.txt", 403);
        follow(rows, "follow: up/../.. (lexical, not through the link)", "/up/../../secret.txt", 403);
        follow(rows, "follow: up/.. is the root itself", "/up/../secret.txt", 404);
        follow(rows, "follow: absolute-form http://evil/../", "http://evil/../secret.txt", 403);
        follow(rows, "follow: backslash", "/..\\secret.txt", 400);
        follow(rows, "follow: FIFO", "/fifo", 403);
        follow(rows, "follow: link to /dev/null (a device)", "/null", 403);
        follow(rows, "follow: link to /dev/zero (a device)", "/zero", 403);
        follow(rows, "follow: symlink loop", "/loop", 404);
        return rows.stream();
    }

    private static void strict(List<Arguments> rows, String name, String target, int status) {
        raw(rows, Mode.STRICT, name, "GET " + target + " HTTP/1.0\r\n\r\n", status);
    }

    private static void roomy(List<Arguments> rows, String name, String target, int status) {
        raw(rows, Mode.ROOMY, name, "GET " + target + " HTTP/1.0\r\n\r\n", status);
    }

    private static void follow(List<Arguments> rows, String name, String target, int status) {
        raw(rows, Mode.FOLLOW, name, "GET " + target + " HTTP/1.0\r\n\r\n", status);
    }

    private static void served(List<Arguments> rows, String name, String target) {
        rows.add(Arguments.of(Named.of(name, new Row(Mode.FOLLOW,
                ("GET " + target + " HTTP/1.0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1), 200, true))));
    }

    private static void raw(List<Arguments> rows, Mode mode, String name, String request, int status) {
        rows.add(Arguments.of(Named.of(name,
                new Row(mode, request.getBytes(StandardCharsets.ISO_8859_1), status, false))));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("hostileTargets")
    void neverServesAByteFromOutsideTheRoot(Row row) throws Exception {
        TestServer server = SERVERS.get(row.mode());
        long start = System.nanoTime();
        RawClient.Reply reply;
        int port;
        try (RawClient c = new RawClient(server.port())) {
            c.socket.setSoTimeout(5000);
            port = c.socket.getLocalPort();
            reply = c.send(row.request()).halfClose().readAll();
        }
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        String text = reply.text();

        assertEquals(RawClient.End.FIN, reply.end(), "the connection ends with the server's FIN: " + text);
        assertTrue(millis < 3000, "answered after " + millis + " ms");
        if (row.servesSecret()) {
            assertEquals(200, reply.status(), text);
            assertEquals(secret + "\n", new String(reply.body(), StandardCharsets.UTF_8));
        } else {
            assertFalse(text.contains(secret), "the secret was served: " + text);
            assertFalse(text.toLowerCase(Locale.ROOT).contains("secret"), "the response echoes the target: " + text);
            if (row.simple()) {
                // HTTP/0.9: the body alone, which must be the fixed error page of the status
                assertArrayEquals(ErrorPage.body(status(row.status())), reply.bytes(), text);
            } else {
                assertEquals(row.status(), reply.status(), text);
                boolean head = new String(row.request(), StandardCharsets.ISO_8859_1).startsWith("HEAD ");
                byte[] page = head ? new byte[0] : ErrorPage.body(status(row.status()));
                assertArrayEquals(page, reply.body(), "the fixed error page (none for HEAD)");
            }
        }

        AccessRecord record = recordFor(server, port);
        assertEquals(row.status(), record.status(), record.toString());
        Outcome expected = row.status() == 400 || row.status() == 414 ? Outcome.BAD_REQUEST : Outcome.COMPLETE;
        assertEquals(expected, record.outcome(), record.toString());
    }

    /** A link that stays inside the root is served: the link rule is about where a link leads, not links as such. */
    @Test
    void aLinkThatStaysInsideTheRootIsServed() throws Exception {
        TestServer server = SERVERS.get(Mode.STRICT);
        try (RawClient c = new RawClient(server.port())) {
            int port = c.socket.getLocalPort();
            RawClient.Reply reply = c.send("GET /inside.txt HTTP/1.0\r\n\r\n").halfClose().readAll();
            assertEquals(200, reply.status(), reply.text());
            assertEquals("small file\n", new String(reply.body(), StandardCharsets.UTF_8));
            assertEquals(Outcome.COMPLETE, recordFor(server, port).outcome());
        }
    }

    /**
     * A FIFO is refused without being opened: many requests for it at once are all answered
     * promptly, no descriptor ever points at it, and a normal request right after is served at once.
     */
    @Test
    void fifosNeverHangAWorker() throws Exception {
        TestServer server = SERVERS.get(Mode.STRICT);
        Path fifo = root.resolve("fifo").toRealPath();
        int n = Boolean.getBoolean("halfway.heavy") ? 200 : 32;
        List<RawClient> clients = new ArrayList<>();
        List<Integer> ports = new ArrayList<>();
        long start = System.nanoTime();
        try {
            for (int i = 0; i < n; i++) {
                RawClient c = new RawClient(server.port());
                c.socket.setSoTimeout(3000);
                clients.add(c);
                ports.add(c.socket.getLocalPort());
                String target = i % 3 == 0 ? "/fifo" : i % 3 == 1 ? "/fifo-link" : "/fifodir/";
                c.send("GET " + target + " HTTP/1.0\r\n\r\n").halfClose();
            }
            for (RawClient c : clients) {
                RawClient.Reply reply = c.readAll();
                assertEquals(403, reply.status(), reply.text());
                assertEquals(RawClient.End.FIN, reply.end());
            }
        } finally {
            for (RawClient c : clients) {
                c.close();
            }
        }
        long fifoMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(fifoMillis < 5000, n + " FIFO requests took " + fifoMillis + " ms");
        assertEquals(0, ResourceBoundsTest.descriptorsPointingAt(fifo), "a descriptor was opened on the FIFO");

        long normalStart = System.nanoTime();
        try (RawClient c = new RawClient(server.port())) {
            c.socket.setSoTimeout(2000);
            int port = c.socket.getLocalPort();
            RawClient.Reply reply = c.send("GET /small.txt HTTP/1.0\r\n\r\n").halfClose().readAll();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - normalStart);
            assertEquals(200, reply.status(), reply.text());
            assertTrue(millis < 1000, "a normal request after the FIFOs took " + millis + " ms");
            ports.add(port);
            Map<Integer, AccessRecord> records = recordsFor(server, ports);
            for (int p : ports) {
                assertEquals(p == port ? 200 : 403, records.get(p).status(), records.get(p).toString());
            }
        }
    }

    /**
     * The same non-ASCII targets on a server whose JVM runs in the C/POSIX locale (as under many
     * service managers and containers): there Java cannot encode such a name as a file path at
     * all, and no such file can exist, so the answer must still be 404 (or 400), never a 500
     * with outcome=error. Runs the real server (dev.halfway.cli.Main) in a child JVM with
     * LANG=C, since a JVM's file-name encoding is fixed when it starts.
     */
    @Test
    void nonAsciiTargetsAreNotFoundEvenUnderAnAsciiLocale() throws Exception {
        Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(javaBin.toString(), "-cp", System.getProperty("java.class.path"),
                "dev.halfway.cli.Main", "--port", "0", "--root", root.toString(), "--access-log", "json")
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().keySet().removeIf(k -> k.startsWith("LC_") || k.equals("LANG") || k.equals("LANGUAGE"));
        pb.environment().put("LANG", "C");
        pb.environment().put("LC_ALL", "C");
        Process p = pb.start();
        List<String> wrong = new ArrayList<>();
        List<String> log = new ArrayList<>();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String banner = out.readLine();
            Matcher m = Pattern.compile(".* on http://127\\.0\\.0\\.1:(\\d+)/").matcher(String.valueOf(banner));
            assertTrue(m.matches(), "banner: " + banner);
            int port = Integer.parseInt(m.group(1));
            Map<String, Integer> targets = new LinkedHashMap<>();
            targets.put("/%ef%bc%8e%ef%bc%8e/secret.txt", 404); // fullwidth dots
            targets.put("/caf%c3%a9.txt", 404);
            targets.put("/sub/%e2%80%ae.txt", 404); // U+202E, right-to-left override
            for (Map.Entry<String, Integer> t : targets.entrySet()) {
                try (RawClient c = new RawClient(port)) {
                    c.socket.setSoTimeout(5000);
                    RawClient.Reply reply = c.send("GET " + t.getKey() + " HTTP/1.0\r\n\r\n").halfClose().readAll();
                    assertFalse(reply.text().contains(secret));
                    assertEquals(RawClient.End.FIN, reply.end());
                    if (reply.status() != t.getValue()) {
                        wrong.add("GET " + t.getKey() + " -> " + reply.status() + " (expected " + t.getValue() + ")");
                    }
                }
            }
            // SIGTERM to the child by its pid (Process.destroy would also close our end of its stdout):
            // the server drains, logs, exits, and its stdout ends.
            new ProcessBuilder("kill", "-TERM", Long.toString(p.pid())).start().waitFor(5, TimeUnit.SECONDS);
            assertTrue(p.waitFor(15, TimeUnit.SECONDS), "the server did not stop");
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                log.add(line);
            }
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
        assertEquals(List.of(), wrong, "under LANG=C; access log: " + log);
    }

    private static Status status(int code) {
        for (Status s : Status.values()) {
            if (s.code() == code) {
                return s;
            }
        }
        throw new IllegalArgumentException("no status " + code);
    }

    /**
     * The access-log record of the connection from client port {@code port}. Records of other
     * connections (left over by an earlier failing row) are skipped; each connection's record
     * must arrive within 10 s.
     */
    static AccessRecord recordFor(TestServer server, int port) throws InterruptedException {
        return recordsFor(server, List.of(port)).get(port);
    }

    /** The records of the connections from these client ports, in any order; others are skipped. */
    static Map<Integer, AccessRecord> recordsFor(TestServer server, List<Integer> ports) throws InterruptedException {
        Map<Integer, AccessRecord> found = new HashMap<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (found.size() < ports.size() && System.nanoTime() < deadline) {
            AccessRecord r = server.pollRecord();
            if (r != null && ports.contains(r.remotePort())) {
                found.put(r.remotePort(), r);
            }
        }
        if (found.size() < ports.size()) {
            List<Integer> missing = new ArrayList<>(ports);
            missing.removeAll(found.keySet());
            throw new AssertionError("no access-log line for the connections from ports " + missing);
        }
        return found;
    }
}
