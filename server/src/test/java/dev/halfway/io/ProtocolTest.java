package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.file.DocumentRoot;
import dev.halfway.http.ErrorPage;
import dev.halfway.http.HttpDate;
import dev.halfway.http.Status;
import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.FinTiming;
import dev.halfway.conn.Linger;
import dev.halfway.conn.Outcome;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The protocol as a client on a real loopback socket sees it: named rows of raw request bytes →
 * status, header lines, body, and the connection's access-log line. Every exchange sends the
 * request, half-closes, reads to the end and expects the server's FIN.
 */
class ProtocolTest {
    /** small.txt's modification time, fixed so If-Modified-Since rows can name it exactly. */
    static final Instant MODIFIED = Instant.parse("2021-06-15T10:20:30Z");
    static final String MODIFIED_HTTP = "Tue, 15 Jun 2021 10:20:30 GMT";
    static final String SMALL = "small file\n";
    static final String OUTSIDE = "a secret outside the document root\n";

    @TempDir
    static Path base;
    static Path root;
    static TestServer server;

    @BeforeAll
    static void start() throws IOException {
        root = Fixtures.root(Files.createDirectories(base.resolve("root")));
        Files.setLastModifiedTime(root.resolve("small.txt"), FileTime.from(MODIFIED));
        Path outside = Files.writeString(base.resolve("outside.txt"), OUTSIDE);
        Files.createSymbolicLink(root.resolve("escape.txt"), outside);
        Files.createSymbolicLink(root.resolve("inner.txt"), Paths.get("small.txt"));
        server = new TestServer(root);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    // ---------------------------------------------------------------- the table

    /**
     * One exchange. {@code head} lines must appear in the response head ({@code {port}} is the
     * server's port); {@code body} is the exact body expected (null: not checked here; error
     * statuses are always checked against their fixed page); {@code bodyHas} must appear in it;
     * {@code absent} must appear nowhere in the response.
     */
    record Row(String name, String request, int status, List<String> head, String body, String bodyHas,
               String absent, Outcome outcome) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Row ok(String name, String request, String body, String... head) {
        return new Row(name, request, 200, List.of(head), body, null, null, Outcome.COMPLETE);
    }

    static Row served(String name, String request, int status, String body, String... head) {
        return new Row(name, request, status, List.of(head), body, null, null, Outcome.COMPLETE);
    }

    /** A complete request whose target is malformed: the responder refuses it with 400. */
    static Row badTarget(String name, String request, int status, String body, String... head) {
        return new Row(name, request, status, List.of(head), body, null, null, Outcome.BAD_REQUEST);
    }

    static Row refused(String name, String request, int status, String... head) {
        return new Row(name, request, status, List.of(head), null, null, null, Outcome.BAD_REQUEST);
    }

    static final String TEXT = "Content-Type: text/plain; charset=utf-8";
    static final String HTML = "Content-Type: text/html; charset=utf-8";
    static final String SMALL_LENGTH = "Content-Length: 11";
    static final String SMALL_MODIFIED = "Last-Modified: " + MODIFIED_HTTP;

    static Stream<Row> rows() {
        return Stream.of(
                // served files
                ok("GET HTTP/1.0 of a text file", "GET /small.txt HTTP/1.0\r\n\r\n", SMALL, TEXT, SMALL_LENGTH, SMALL_MODIFIED),
                ok("HTTP/1.1 request is answered in HTTP/1.0", "GET /small.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                        SMALL, TEXT, SMALL_LENGTH),
                ok("index.html at /", "GET / HTTP/1.0\r\n\r\n", Fixtures.INDEX, HTML,
                        "Content-Length: " + Fixtures.INDEX.length(), "Last-Modified: "),
                ok("index.html of /docs/", "GET /docs/ HTTP/1.0\r\n\r\n", "<p>docs</p>\n", HTML, "Content-Length: 12"),
                new Row("listing of /sub/", "GET /sub/ HTTP/1.0\r\n\r\n", 200, List.of(HTML, "Content-Length: "),
                        null, "a.txt", null, Outcome.COMPLETE),
                ok("request fields are read and ignored",
                        "GET /small.txt HTTP/1.0\r\nUser-Agent: t/1\r\nAccept: */*\r\nX-Empty:\r\n\r\n", SMALL, TEXT),
                ok("bare LF line endings", "GET /small.txt HTTP/1.0\n\n", SMALL, TEXT),
                ok("GET with a Content-Length body", "GET /small.txt HTTP/1.0\r\nContent-Length: 4\r\n\r\nbody", SMALL, TEXT),
                ok("query string is ignored", "GET /small.txt?x=1 HTTP/1.0\r\n\r\n", SMALL, TEXT, SMALL_LENGTH),
                ok("absolute-form target", "GET http://example/small.txt HTTP/1.0\r\n\r\n", SMALL, TEXT),
                ok("percent-encoded name", "GET /sm%61ll.txt HTTP/1.0\r\n\r\n", SMALL, TEXT),
                ok("empty file", "GET /empty.txt HTTP/1.0\r\n\r\n", "", TEXT, "Content-Length: 0\r\n"),
                ok("symbolic link that stays inside the root", "GET /inner.txt HTTP/1.0\r\n\r\n", SMALL, TEXT),
                // HEAD
                ok("HEAD of a file", "HEAD /small.txt HTTP/1.0\r\n\r\n", "", TEXT, SMALL_LENGTH, SMALL_MODIFIED),
                new Row("HEAD of a missing file", "HEAD /missing.txt HTTP/1.0\r\n\r\n", 404,
                        List.of(HTML, "Content-Length: " + ErrorPage.body(Status.NOT_FOUND).length), "", null, null,
                        Outcome.COMPLETE),
                // conditional GET
                served("If-Modified-Since equal to Last-Modified", ims(MODIFIED_HTTP), 304, "", SMALL_MODIFIED),
                served("If-Modified-Since after Last-Modified", ims("Sat, 01 Jan 2022 00:00:00 GMT"), 304, "", SMALL_MODIFIED),
                served("If-Modified-Since in RFC 850 form", ims("Tuesday, 15-Jun-21 10:20:30 GMT"), 304, ""),
                served("If-Modified-Since in asctime form", ims("Tue Jun 15 10:20:30 2021"), 304, ""),
                ok("If-Modified-Since before Last-Modified", ims("Wed, 01 Jan 2020 00:00:00 GMT"), SMALL, SMALL_MODIFIED),
                ok("If-Modified-Since one second before", ims("Tue, 15 Jun 2021 10:20:29 GMT"), SMALL),
                ok("unparseable If-Modified-Since is ignored", ims("yesterday"), SMALL, SMALL_LENGTH),
                ok("If-Modified-Since in the future is ignored", ims("Fri, 01 Jan 2999 00:00:00 GMT"), SMALL),
                // redirects
                served("directory without slash is redirected", "GET /sub HTTP/1.0\r\n\r\n", 301, "",
                        "Location: http://127.0.0.1:{port}/sub/\r\n", "Content-Length: 0"),
                served("redirect drops the query", "GET /docs?x=1 HTTP/1.0\r\n\r\n", 301, "",
                        "Location: http://127.0.0.1:{port}/docs/\r\n"),
                // refused by the responder (a complete request, a served error)
                served("POST with Content-Length", "POST /small.txt HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc", 405, null,
                        "Allow: GET, HEAD\r\n", HTML),
                served("PUT with Content-Length", "PUT /small.txt HTTP/1.0\r\nContent-Length: 0\r\n\r\n", 405, null,
                        "Allow: GET, HEAD\r\n"),
                served("missing file", "GET /missing.txt HTTP/1.0\r\n\r\n", 404, null, HTML),
                new Row("404 page does not echo the target", "GET /%3Cscript%3Ex HTTP/1.0\r\n\r\n", 404, List.of(),
                        null, null, "script", Outcome.COMPLETE),
                served("file with a trailing slash", "GET /small.txt/ HTTP/1.0\r\n\r\n", 404, null),
                badTarget("%00 in the path", "GET /small.txt%00 HTTP/1.0\r\n\r\n", 400, null),
                badTarget("%00 inside a name", "GET /small%00.txt HTTP/1.0\r\n\r\n", 400, null),
                badTarget("encoded slash in a segment", "GET /sub%2Fa.txt HTTP/1.0\r\n\r\n", 400, null),
                badTarget("empty segment", "GET //small.txt HTTP/1.0\r\n\r\n", 400, null),
                badTarget("fragment in the target", "GET /small.txt#x HTTP/1.0\r\n\r\n", 400, null),
                badTarget("target in neither form", "GET small.txt HTTP/1.0\r\n\r\n", 400, null),
                // refused by the parser
                refused("POST without Content-Length", "POST /small.txt HTTP/1.0\r\n\r\n", 411, HTML),
                refused("unknown method BREW", "BREW /pot HTTP/1.0\r\n\r\n", 501, HTML),
                refused("lower-case get", "get /small.txt HTTP/1.0\r\n\r\n", 501),
                refused("HTTP/2.0", "GET /small.txt HTTP/2.0\r\n\r\n", 505, HTML),
                refused("HTTP/1.2", "GET /small.txt HTTP/1.2\r\n\r\n", 505),
                refused("garbage request line", "GARBAGE\r\n\r\n", 400, HTML),
                refused("two spaces after the method", "GET  /small.txt HTTP/1.0\r\n\r\n", 400),
                refused("extra word after the version", "GET /small.txt HTTP/1.0 x\r\n\r\n", 400),
                refused("lower-case version", "GET /small.txt http/1.0\r\n\r\n", 400),
                refused("header line without a colon", "GET /small.txt HTTP/1.0\r\nNoColon\r\n\r\n", 400),
                refused("obsolete line folding", "GET /small.txt HTTP/1.0\r\nA: b\r\n c\r\n\r\n", 400),
                refused("Transfer-Encoding", "POST /small.txt HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 501),
                refused("body larger than the limit", "POST /small.txt HTTP/1.0\r\nContent-Length: 2000000\r\n\r\n", 413),
                refused("head ends at the half-close", "GET /small.txt HTTP/1.0\r\nHost: x\r\n", 400),
                // not a Simple-Request (RFC 1945 §4.1: only "GET" SP Request-URI is), so a status line
                refused("version without a target", "GET HTTP/1.0\r\n\r\n", 400, HTML),
                refused("HTTP/1.1 without a target", "GET HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400),
                refused("lower-case version without a target", "GET http/1.0\r\n\r\n", 400),
                refused("second word is no Request-URI", "GET small.txt\r\n", 400),
                refused("three words, no version", "GET /small.txt b\r\n", 400),
                refused("four words", "GET /a b c\r\n", 400),
                refused("two words and a trailing space", "GET /small.txt \r\n", 400),
                refused("tab before the version", "GET /small.txt\tHTTP/1.0\r\n\r\n", 400),
                refused("two spaces before the version", "GET /small.txt  HTTP/1.0\r\n\r\n", 400),
                refused("lower-case version, bad escape", "GET /x%zz http/1.0\r\n\r\n", 400),
                badTarget("bad escape in a Full-Request", "GET /x%zz HTTP/1.0\r\n\r\n", 400, null));
    }

    static String ims(String date) {
        return "GET /small.txt HTTP/1.0\r\nIf-Modified-Since: " + date + "\r\n\r\n";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void exchange(Row row) throws Exception {
        Exchange x = exchange(server, row.request());
        RawClient.Reply reply = x.reply();
        String head = reply.head();
        String body = new String(reply.body(), StandardCharsets.ISO_8859_1);

        assertEquals(RawClient.End.FIN, reply.end(), "the response ends with the server's FIN");
        assertEquals(row.status(), reply.status(), () -> "status line of:\n" + reply.text());
        assertTrue(reply.text().contains("\r\n\r\n"), "the head ends with an empty line");
        assertCommonFields(head, reply.body().length, row.request().startsWith("HEAD "));
        for (String expected : row.head()) {
            String line = expected.replace("{port}", Integer.toString(server.port()));
            assertTrue(head.contains(line), () -> "head lacks '" + line + "':\n" + head);
        }
        if (row.body() != null) {
            assertEquals(row.body(), body, "body");
        }
        if (row.bodyHas() != null) {
            assertTrue(body.contains(row.bodyHas()), () -> "body lacks '" + row.bodyHas() + "':\n" + body);
        }
        if (row.absent() != null) {
            assertFalse(reply.text().toLowerCase().contains(row.absent()), () -> "response echoes the request:\n" + reply.text());
        }
        if (row.status() >= 400) {
            Status status = status(row.status());
            assertTrue(head.contains("Content-Type: text/html; charset=utf-8\r\n"), "error pages are HTML");
            if (!row.request().startsWith("HEAD ")) {
                assertArrayEquals(ErrorPage.body(status), reply.body(), "the fixed error page");
            }
        }
        if (row.status() == 304 || row.status() == 301) {
            assertEquals(0, reply.body().length, "no body with " + row.status());
        }

        AccessRecord r = x.record();
        String firstLine = row.request().split("\r?\n", 2)[0];
        assertEquals(row.status(), r.status(), "logged status");
        assertEquals(firstLine, r.requestLine(), "logged request line");
        assertEquals(row.outcome(), r.outcome(), () -> "logged outcome; record " + r);
        if (row.status() >= 400) {
            assertNotNull(r.reason(), "an error response says why in the log");
        }
        assertEquals("127.0.0.1", r.remoteHost());
        assertEquals(reply.body().length, r.bodyBytes(), "logged body bytes");
        assertEquals(reply.body().length, r.bodyOwed(), "logged owed bytes");
        assertEquals(head.length() + 2, r.headBytes(), "logged head bytes");
        // The client's write and its shutdown are two system calls: on loopback the server may
        // answer a small request before the FIN arrives, so after-response is as right as
        // after-request here. What must hold: the FIN was seen, and not before a complete head.
        Set<FinTiming> fins = row.name().startsWith("head ends")
                ? Set.of(FinTiming.BEFORE_HEAD)
                : Set.of(FinTiming.AFTER_REQUEST, FinTiming.DURING_RESPONSE, FinTiming.AFTER_RESPONSE);
        assertTrue(fins.contains(r.fin()), () -> "logged fin: " + r);
        assertEquals(Linger.CLIENT_EOF, r.linger(), "logged linger");
    }

    /** Date, Server, Connection: close once each; Content-Length (when sent) equals the body. */
    static void assertCommonFields(String head, int bodyLength, boolean headRequest) {
        assertTrue(head.startsWith("HTTP/1.0 "), () -> "status line:\n" + head);
        List<String> lines = Arrays.asList(head.split("\r\n"));
        assertEquals(1, count(lines, "Date: "), () -> "one Date field:\n" + head);
        Instant date = HttpDate.parse(value(lines, "Date"));
        assertNotNull(date, "Date is an HTTP-date");
        assertTrue(Duration.between(date, Instant.now()).abs().getSeconds() < 60, "Date is now");
        assertEquals(1, count(lines, "Server: halfway/"), () -> "one Server field:\n" + head);
        assertEquals(1, count(lines, "Connection: close"), () -> "one Connection: close:\n" + head);
        assertTrue(lines.contains("Connection: close"));
        String length = value(lines, "Content-Length");
        if (headRequest) {
            assertEquals(0, bodyLength, "HEAD has no body");
        } else if (length != null) {
            assertEquals(Long.parseLong(length), bodyLength, "Content-Length equals the body's length");
        }
        String lastModified = value(lines, "Last-Modified");
        if (lastModified != null) {
            assertNotNull(HttpDate.parse(lastModified), "Last-Modified is an HTTP-date");
        }
    }

    static long count(List<String> lines, String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).count();
    }

    static String value(List<String> lines, String name) {
        for (String l : lines) {
            if (l.startsWith(name + ": ")) {
                return l.substring(name.length() + 2);
            }
        }
        return null;
    }

    static Status status(int code) {
        for (Status s : Status.values()) {
            if (s.code() == code) {
                return s;
            }
        }
        throw new AssertionError("no status " + code);
    }

    // ---------------------------------------------------------------- HEAD is GET without the body

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/small.txt", "/", "/docs/", "/sub/", "/sub", "/missing.txt", "/big.bin"})
    void headHasTheHeadersOfGet(String target) throws Exception {
        Exchange get = exchange(server, "GET " + target + " HTTP/1.0\r\n\r\n");
        Exchange head = exchange(server, "HEAD " + target + " HTTP/1.0\r\n\r\n");
        assertEquals(RawClient.End.FIN, head.reply().end());
        assertEquals(withoutDate(get.reply().head()), withoutDate(head.reply().head()));
        assertEquals(0, head.reply().body().length, "HEAD has no body");
        assertEquals(head.reply().head().length() + 2, head.reply().bytes().length, "nothing after the head");
        assertEquals(get.record().status(), head.record().status());
        assertEquals(0, head.record().bodyBytes());
        assertEquals(Outcome.COMPLETE, head.record().outcome());
    }

    static List<String> withoutDate(String head) {
        List<String> lines = new ArrayList<>(Arrays.asList(head.split("\r\n")));
        lines.removeIf(l -> l.startsWith("Date: "));
        return lines;
    }

    // ---------------------------------------------------------------- a large file

    @Test
    void bigFileArrivesWhole() throws Exception {
        Exchange x = exchange(server, "GET /big.bin HTTP/1.0\r\n\r\n");
        assertEquals(RawClient.End.FIN, x.reply().end());
        assertEquals(200, x.reply().status());
        assertTrue(x.reply().head().contains("Content-Type: application/octet-stream\r\n"), x.reply().head());
        assertTrue(x.reply().head().contains("Content-Length: " + Fixtures.BIG + "\r\n"), x.reply().head());
        assertArrayEquals(Fixtures.big(root), x.reply().body());
        assertEquals(Fixtures.BIG, x.record().bodyBytes());
        assertEquals(Fixtures.BIG, x.record().bodyOwed());
        assertEquals(Outcome.COMPLETE, x.record().outcome());
    }

    // ---------------------------------------------------------------- traversal

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "/../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
        "/sub/../../etc/passwd",
        "/sub/%2e%2e/%2e%2e/etc/passwd",
        "/..%2fetc%2fpasswd",
        "/%c0%ae%c0%ae/etc/passwd",
        "/..\\..\\etc\\passwd",
        "http://example/../../etc/passwd",
        "/./../etc/passwd",
    })
    void traversalNeverLeavesTheRoot(String target) throws Exception {
        Exchange x = exchange(server, "GET " + target + " HTTP/1.0\r\n\r\n");
        assertEquals(RawClient.End.FIN, x.reply().end());
        assertTrue(Set.of(400, 403).contains(x.reply().status()), () -> "status for " + target + ":\n" + x.reply().text());
        assertArrayEquals(ErrorPage.body(status(x.reply().status())), x.reply().body());
        assertFalse(x.reply().text().contains("root:"), "no /etc/passwd content");
        Path passwd = Paths.get("/etc/passwd");
        if (Files.isReadable(passwd)) {
            String firstLine = Files.readString(passwd, StandardCharsets.ISO_8859_1).lines().findFirst().orElse("");
            assertFalse(!firstLine.isEmpty() && x.reply().text().contains(firstLine), "no /etc/passwd content");
        }
        assertEquals(x.reply().status(), x.record().status());
    }

    // ---------------------------------------------------------------- HTTP/0.9

    record Simple(String name, String request, byte[] body, int status) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Simple> simpleRequests() {
        return Stream.of(
                new Simple("file", "GET /small.txt\r\n", SMALL.getBytes(StandardCharsets.US_ASCII), 200),
                new Simple("file, bare LF", "GET /small.txt\n", SMALL.getBytes(StandardCharsets.US_ASCII), 200),
                new Simple("index", "GET /\r\n", Fixtures.INDEX.getBytes(StandardCharsets.US_ASCII), 200),
                new Simple("missing file", "GET /missing.txt\r\n", ErrorPage.body(Status.NOT_FOUND), 404),
                new Simple("directory without slash cannot redirect", "GET /sub\r\n", ErrorPage.body(Status.NOT_FOUND), 404),
                new Simple("traversal", "GET /../etc/passwd\r\n", ErrorPage.body(Status.FORBIDDEN), 403),
                // refused by the responder, but the line was a Simple-Request: still the body alone
                new Simple("bad escape", "GET /x%zz\r\n", ErrorPage.body(Status.BAD_REQUEST), 400),
                new Simple("absoluteURI with a bad escape", "GET http://h/x%zz\r\n", ErrorPage.body(Status.BAD_REQUEST), 400),
                new Simple("* is a Request-URI but names no file", "GET *\r\n", ErrorPage.body(Status.BAD_REQUEST), 400));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("simpleRequests")
    void http09GetsTheBodyAlone(Simple row) throws Exception {
        Exchange x = exchange(server, row.request());
        assertEquals(RawClient.End.FIN, x.reply().end());
        assertArrayEquals(row.body(), x.reply().bytes(), () -> "a Simple-Response is the body alone:\n" + x.reply().text());
        AccessRecord r = x.record();
        assertEquals(row.status(), r.status());
        assertEquals(row.request().strip(), r.requestLine());
        assertEquals(row.status() == 400 ? Outcome.BAD_REQUEST : Outcome.COMPLETE, r.outcome());
        assertEquals(0, r.headBytes());
        assertEquals(row.body().length, r.bodyBytes());
    }

    // ---------------------------------------------------------------- configuration

    @Test
    void listingOffRefusesDirectoriesWithoutIndex() throws Exception {
        try (TestServer noListing = new TestServer(root, c -> c.listing(false))) {
            Exchange sub = exchange(noListing, "GET /sub/ HTTP/1.0\r\n\r\n");
            assertEquals(403, sub.reply().status(), sub.reply().text());
            assertEquals(RawClient.End.FIN, sub.reply().end());
            assertArrayEquals(ErrorPage.body(Status.FORBIDDEN), sub.reply().body());
            assertFalse(sub.reply().text().contains("a.txt"), "nothing of the directory is shown");
            assertEquals(403, sub.record().status());

            Exchange docs = exchange(noListing, "GET /docs/ HTTP/1.0\r\n\r\n");
            assertEquals(200, docs.reply().status(), "an index is still served");
            assertEquals("<p>docs</p>\n", new String(docs.reply().body(), StandardCharsets.US_ASCII));

            Exchange file = exchange(noListing, "GET /sub/a.txt HTTP/1.0\r\n\r\n");
            assertEquals(200, file.reply().status(), "files in the directory are still served");
        }
    }

    @Test
    void symlinkLeavingTheRootIsForbidden() throws Exception {
        Exchange x = exchange(server, "GET /escape.txt HTTP/1.0\r\n\r\n");
        assertEquals(403, x.reply().status(), x.reply().text());
        assertEquals(RawClient.End.FIN, x.reply().end());
        assertFalse(x.reply().text().contains("secret"));
        assertArrayEquals(ErrorPage.body(Status.FORBIDDEN), x.reply().body());
        assertEquals(403, x.record().status());
    }

    @Test
    void symlinkLeavingTheRootIsServedWhenLinksAreFollowed() throws Exception {
        UnaryOperator<ServerConfig.Builder> follow = c -> c.root(new DocumentRoot(root, true));
        try (TestServer following = new TestServer(root, follow)) {
            Exchange x = exchange(following, "GET /escape.txt HTTP/1.0\r\n\r\n");
            assertEquals(200, x.reply().status(), x.reply().text());
            assertEquals(RawClient.End.FIN, x.reply().end());
            assertEquals(OUTSIDE, new String(x.reply().body(), StandardCharsets.US_ASCII));
            assertTrue(x.reply().head().contains(TEXT + "\r\n"), x.reply().head());
            assertEquals(Outcome.COMPLETE, x.record().outcome());

            Exchange traversal = exchange(following, "GET /../etc/passwd HTTP/1.0\r\n\r\n");
            assertEquals(403, traversal.reply().status(), "following links does not allow '..' above the root");
        }
    }

    // ---------------------------------------------------------------- without the client's half-close

    @Test
    void responseEndsWithFinWhileTheClientKeepsItsSideOpen() throws Exception {
        RawClient.Reply reply;
        try (RawClient c = new RawClient(server.port())) {
            c.send("GET /small.txt HTTP/1.0\r\n\r\n");
            reply = c.readAll();
        }
        assertEquals(RawClient.End.FIN, reply.end());
        assertEquals(200, reply.status());
        assertEquals(SMALL, new String(reply.body(), StandardCharsets.US_ASCII));
        AccessRecord r = server.nextRecord();
        assertEquals(Outcome.COMPLETE, r.outcome());
        assertEquals(FinTiming.AFTER_RESPONSE, r.fin(), r::toString);
        assertEquals(Linger.CLIENT_EOF, r.linger());
        assertNull(r.reason());
    }

    // ---------------------------------------------------------------- helpers

    record Exchange(RawClient.Reply reply, AccessRecord record) {}

    /** Sends {@code request}, half-closes, reads to the end, closes; returns the reply and its log line. */
    static Exchange exchange(TestServer s, String request) throws Exception {
        RawClient.Reply reply;
        try (RawClient c = new RawClient(s.port())) {
            c.send(request).halfClose();
            reply = c.readAll();
        }
        return new Exchange(reply, s.nextRecord());
    }
}
