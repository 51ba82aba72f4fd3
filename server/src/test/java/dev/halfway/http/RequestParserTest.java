package dev.halfway.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Named rows of raw bytes → what the parser says once they are all in, and what it says when the
 * input then ends. Every row also runs split at every byte offset, one byte at a time and, where
 * the row has CRLFs, with bare LF line endings.
 */
class RequestParserTest {

    /** A row; {@code lfVariant} is false for rows whose meaning depends on CR itself. */
    record Row(String name, String input, String expected, String atEof, boolean lfVariant) {}

    static Row row(String name, String input, String expected, String atEof) {
        return new Row(name, input, expected, atEof, true);
    }

    static Row crRow(String name, String input, String expected, String atEof) {
        return new Row(name, input, expected, atEof, false);
    }

    static final String NEED = "need-more";
    static final String EMPTY = "empty";

    static List<Row> rows() {
        String longTarget = "/" + "a".repeat(8 * 1024 - "GET / HTTP/1.0".length());
        String tooLongTarget = longTarget + "a";
        StringBuilder manyFields = new StringBuilder("GET / HTTP/1.0\r\n");
        for (int i = 0; i < 100; i++) {
            manyFields.append("X-F").append(i).append(": v\r\n");
        }
        String hundredFields = manyFields + "\r\n";
        String hundredAndOne = manyFields + "X-Last: v\r\n\r\n";
        String bigHead = "GET / HTTP/1.0\r\nX-Big: " + "b".repeat(16 * 1024) + "\r\n\r\n";
        return List.of(
                // the normal path
                row("GET HTTP/1.0", "GET / HTTP/1.0\r\n\r\n", "complete GET / HTTP/1.0 body=0", "same"),
                row("GET HTTP/1.1", "GET /a.html HTTP/1.1\r\nHost: x\r\n\r\n", "complete GET /a.html HTTP/1.1 body=0", "same"),
                row("HEAD", "HEAD /x HTTP/1.0\r\n\r\n", "complete HEAD /x HTTP/1.0 body=0", "same"),
                row("fields", "GET / HTTP/1.0\r\nUser-Agent: t/1\r\nAccept: */*\r\n\r\n", "complete GET / HTTP/1.0 body=0", "same"),
                row("field value with OWS", "GET / HTTP/1.0\r\nA:  \t v \t\r\n\r\n", "complete GET / HTTP/1.0 body=0", "same"),
                row("empty field value", "GET / HTTP/1.0\r\nA:\r\n\r\n", "complete GET / HTTP/1.0 body=0", "same"),
                row("obs-text in field value", "GET / HTTP/1.0\r\nA: caf\u00e9\r\n\r\n", "complete GET / HTTP/1.0 body=0", "same"),
                row("leading empty lines", "\r\n\r\nGET / HTTP/1.0\r\n\r\n", "complete GET / HTTP/1.0 body=0", "same"),
                row("query and absolute-form are targets too", "GET http://h/x?q=1 HTTP/1.0\r\n\r\n", "complete GET http://h/x?q=1 HTTP/1.0 body=0", "same"),
                row("request line at the limit", "GET " + longTarget + " HTTP/1.0\r\n\r\n", "complete GET " + longTarget + " HTTP/1.0 body=0", "same"),
                row("100 fields", hundredFields, "complete GET / HTTP/1.0 body=0", "same"),
                // bodies
                row("GET with a body is read", "GET / HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello", "complete GET / HTTP/1.0 body=5", "same"),
                row("POST with a body", "POST /f HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc", "complete POST /f HTTP/1.0 body=3", "same"),
                row("Content-Length 0", "POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n", "complete POST / HTTP/1.0 body=0", "same"),
                row("equal repeated Content-Length", "GET / HTTP/1.0\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nab", "complete GET / HTTP/1.0 body=2", "same"),
                row("body shorter than Content-Length", "POST / HTTP/1.0\r\nContent-Length: 10\r\n\r\nhello", NEED, "fail 400"),
                row("body without Content-Length", "POST / HTTP/1.0\r\n\r\nhello", "fail 411", "same"),
                row("PUT without Content-Length", "PUT /x HTTP/1.0\r\n\r\n", "fail 411", "same"),
                row("body limit", "POST / HTTP/1.0\r\nContent-Length: 1048577\r\n\r\n", "fail 413", "same"),
                row("Content-Length sign", "GET / HTTP/1.0\r\nContent-Length: +5\r\n\r\n", "fail 400", "same"),
                row("Content-Length negative", "GET / HTTP/1.0\r\nContent-Length: -1\r\n\r\n", "fail 400", "same"),
                row("Content-Length list", "GET / HTTP/1.0\r\nContent-Length: 5, 5\r\n\r\n", "fail 400", "same"),
                row("Content-Length empty", "GET / HTTP/1.0\r\nContent-Length:\r\n\r\n", "fail 400", "same"),
                row("Content-Length overflow", "GET / HTTP/1.0\r\nContent-Length: 99999999999999999999\r\n\r\n", "fail 400", "same"),
                row("conflicting Content-Length", "GET / HTTP/1.0\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", "fail 400", "same"),
                row("Transfer-Encoding", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "fail 501", "same"),
                // HTTP/0.9
                row("Simple-Request", "GET /x\r\n", "complete GET /x HTTP/0.9 body=0", "same"),
                row("Simple-Request needs GET", "HEAD /x\r\n", "fail 400", "same"),
                row("Simple-Request line without end", "GET /x", NEED, "fail 400"),
                // Simple or Full (RFC 1945 §4.1): only "GET" SP Request-URI is 0.9; a failure is always a Full-Request
                row("Simple-Request, absoluteURI", "GET http://h/x\r\n", "complete GET http://h/x HTTP/0.9 body=0", "same"),
                row("Simple-Request, any scheme", "GET a+b.c-1:x\r\n", "complete GET a+b.c-1:x HTTP/0.9 body=0", "same"),
                row("Simple-Request, *", "GET *\r\n", "complete GET * HTTP/0.9 body=0", "same"),
                row("Simple-Request, bad escape is the responder's", "GET /x%zz\r\n", "complete GET /x%zz HTTP/0.9 body=0", "same"),
                row("Simple-Request, HTTP/1.0 inside the path", "GET /a/HTTP/1.0\r\n", "complete GET /a/HTTP/1.0 HTTP/0.9 body=0", "same"),
                row("Simple-Request, then bytes that are not its", "GET /x\r\nHost: h\r\n\r\n", "complete GET /x HTTP/0.9 body=0", "same"),
                row("version without a target", "GET HTTP/1.0\r\n\r\n", "fail 400", "same"),
                row("HTTP/1.1 without a target", "GET HTTP/1.1\r\nHost: h\r\n\r\n", "fail 400", "same"),
                row("lower-case version without a target", "GET http/1.0\r\n\r\n", "fail 400", "same"),
                row("unsupported version without a target", "GET HTTP/2.0\r\n\r\n", "fail 400", "same"),
                row("version alone, without end", "GET HTTP/1.0", NEED, "fail 400"),
                row("second word is no Request-URI", "GET x\r\n", "fail 400", "same"),
                row("second word is * and more", "GET *x\r\n", "fail 400", "same"),
                row("empty scheme", "GET :x\r\n", "fail 400", "same"),
                row("two words, trailing space", "GET /x \r\n", "fail 400", "same"),
                row("two words, two spaces", "GET  /x\r\n", "fail 400", "same"),
                row("three words, no version", "GET /a b\r\n", "fail 400", "same"),
                row("four words", "GET /a b c\r\n", "fail 400", "same"),
                row("tab before the version", "GET /a\tHTTP/1.0\r\n\r\n", "fail 400", "same"),
                row("tab after GET, no version", "GET\t/a\r\n", "fail 400", "same"),
                row("two spaces before the version", "GET /a  HTTP/1.0\r\n\r\n", "fail 400", "same"),
                row("word after the version", "GET /a HTTP/1.0 x\r\n\r\n", "fail 400", "same"),
                row("lower-case version, bad target", "GET /x%zz http/1.0\r\n\r\n", "fail 400", "same"),
                row("Full-Request with a bad escape is the responder's", "GET /x%zz HTTP/1.0\r\n\r\n", "complete GET /x%zz HTTP/1.0 body=0", "same"),
                // EOF before completion
                row("nothing", "", NEED, EMPTY),
                row("only empty lines", "\r\n\r\n", NEED, EMPTY),
                row("request line without end", "GET / HTTP/1.0", NEED, "fail 400"),
                row("head without empty line", "GET / HTTP/1.0\r\nHost: x\r\n", NEED, "fail 400"),
                row("head inside a field", "GET / HTTP/1.0\r\nHost: x", NEED, "fail 400"),
                // methods and versions
                row("POST is known", "POST / HTTP/1.0\r\nContent-Length: 0\r\n\r\n", "complete POST / HTTP/1.0 body=0", "same"),
                row("DELETE is known", "DELETE /x HTTP/1.0\r\n\r\n", "complete DELETE /x HTTP/1.0 body=0", "same"),
                row("unknown method", "BREW /pot HTTP/1.0\r\n\r\n", "fail 501", "same"),
                row("method is case-sensitive", "get / HTTP/1.0\r\n\r\n", "fail 501", "same"),
                row("method not a token", "G(T / HTTP/1.0\r\n\r\n", "fail 400", "same"),
                row("HTTP/2.0", "GET / HTTP/2.0\r\n\r\n", "fail 505", "same"),
                row("HTTP/0.9 in a full request", "GET / HTTP/0.9\r\n\r\n", "fail 505", "same"),
                row("HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "fail 505", "same"),
                row("lower-case version", "GET / http/1.0\r\n\r\n", "fail 400", "same"),
                row("version with two digits", "GET / HTTP/1.10\r\n\r\n", "fail 400", "same"),
                row("version junk", "GET / HTTP/1.0x\r\n\r\n", "fail 400", "same"),
                // request line shape
                row("two spaces", "GET  / HTTP/1.0\r\n\r\n", "fail 400", "same"),
                row("space in target", "GET /a b HTTP/1.0\r\n\r\n", "fail 400", "same"),
                row("tab separator", "GET\t/ HTTP/1.0\r\n\r\n", "fail 400", "same"),
                row("trailing space", "GET / HTTP/1.0 \r\n\r\n", "fail 400", "same"),
                row("leading space", " GET / HTTP/1.0\r\n\r\n", "fail 400", "same"),
                row("no target", "GET\r\n\r\n", "fail 400", "same"),
                row("NUL in target", "GET /a\u0000b HTTP/1.0\r\n\r\n", "fail 400", "same"),
                row("control in target", "GET /a\u0001 HTTP/1.0\r\n\r\n", "fail 400", "same"),
                row("non-ASCII in target", "GET /caf\u00e9 HTTP/1.0\r\n\r\n", "fail 400", "same"),
                row("request line too long", "GET " + tooLongTarget + " HTTP/1.0\r\n\r\n", "fail 414", "same"),
                crRow("bare CR in request line", "GET /\r HTTP/1.0\r\n\r\n", "fail 400", "same"),
                // field lines
                row("obsolete line folding", "GET / HTTP/1.0\r\nA: b\r\n c\r\n\r\n", "fail 400", "same"),
                row("line without colon", "GET / HTTP/1.0\r\nHost x\r\n\r\n", "fail 400", "same"),
                row("empty field name", "GET / HTTP/1.0\r\n: x\r\n\r\n", "fail 400", "same"),
                row("space before colon", "GET / HTTP/1.0\r\nHost : x\r\n\r\n", "fail 400", "same"),
                row("non-token field name", "GET / HTTP/1.0\r\nHo(st: x\r\n\r\n", "fail 400", "same"),
                row("NUL in field value", "GET / HTTP/1.0\r\nA: b\u0000c\r\n\r\n", "fail 400", "same"),
                row("DEL in field value", "GET / HTTP/1.0\r\nA: b\u007fc\r\n\r\n", "fail 400", "same"),
                crRow("bare CR in field value", "GET / HTTP/1.0\r\nA: b\rc\r\n\r\n", "fail 400", "same"),
                row("101 fields", hundredAndOne, "fail 431", "same"),
                row("head too large", bigHead, "fail 431", "same"));
    }

    @TestFactory
    Stream<DynamicTest> whole() {
        return rows().stream().map(r -> DynamicTest.dynamicTest(r.name(), () -> check(r, r.input(), new int[0])));
    }

    @TestFactory
    Stream<DynamicTest> splitAtEveryOffset() {
        return rows().stream().filter(r -> r.input().length() < 600).map(r -> DynamicTest.dynamicTest(r.name(), () -> {
            for (int i = 1; i < r.input().length(); i++) {
                check(r, r.input(), new int[] {i});
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> byteByByte() {
        return rows().stream().map(r -> DynamicTest.dynamicTest(r.name(), () -> {
            int[] cuts = new int[Math.max(0, r.input().length() - 1)];
            for (int i = 0; i < cuts.length; i++) {
                cuts[i] = i + 1;
            }
            check(r, r.input(), cuts);
        }));
    }

    @TestFactory
    Stream<DynamicTest> bareLf() {
        return rows().stream().filter(r -> r.lfVariant() && r.input().contains("\r\n")).map(r -> DynamicTest.dynamicTest(r.name(), () -> {
            String lf = r.input().replace("\r\n", "\n");
            Row bare = new Row(r.name(), lf, r.expected().replace("\r\n", "\n"), r.atEof(), true);
            check(bare, lf, new int[0]);
            for (int i = 1; i < lf.length() && lf.length() < 600; i++) {
                check(bare, lf, new int[] {i});
            }
        }));
    }

    /** Feeds {@code input} in pieces cut at {@code cuts}, then checks the result and the result at EOF. */
    private static void check(Row r, String input, int[] cuts) {
        byte[] bytes = input.getBytes(StandardCharsets.ISO_8859_1);
        RequestParser parser = RequestParser.withDefaults();
        ParseResult last = ParseResult.NEED_MORE;
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : bytes.length;
            last = parser.parse(ByteBuffer.wrap(bytes, from, to - from));
            from = to;
        }
        String where = r.name() + " cut at " + java.util.Arrays.toString(cuts);
        assertEquals(r.expected(), describe(last), where);
        String atEof = r.atEof().equals("same") ? r.expected() : r.atEof();
        assertEquals(atEof, describe(parser.endOfInput()), where + " then EOF");
    }

    static String describe(ParseResult result) {
        if (result instanceof ParseResult.Failed f) {
            return "fail " + f.status().code();
        }
        if (result instanceof ParseResult.Complete c) {
            return "complete " + c.request().method() + " " + c.request().line().target() + " "
                    + c.request().version().text() + " body=" + c.request().bodyLength();
        }
        return result instanceof ParseResult.Empty ? EMPTY : NEED;
    }

    /** EOF after every prefix of valid requests: nothing → empty, all → complete, anything between → 400. */
    @TestFactory
    Stream<DynamicTest> endOfInputAtEveryPosition() {
        List<String> requests = List.of(
                "GET /index.html HTTP/1.0\r\nUser-Agent: t\r\n\r\n",
                "POST /form HTTP/1.0\r\nContent-Length: 4\r\n\r\nabcd",
                "GET /x\r\n");
        return requests.stream().map(req -> DynamicTest.dynamicTest(req.lines().findFirst().orElseThrow(), () -> {
            byte[] bytes = req.getBytes(StandardCharsets.ISO_8859_1);
            for (int n = 0; n <= bytes.length; n++) {
                RequestParser parser = RequestParser.withDefaults();
                parser.parse(ByteBuffer.wrap(bytes, 0, n));
                ParseResult atEof = parser.endOfInput();
                String expected = n == 0 ? EMPTY : n == bytes.length ? "complete" : "fail 400";
                String actual = describe(atEof);
                assertEquals(expected, expected.equals("complete") ? actual.substring(0, 8) : actual, "EOF after " + n + " bytes");
            }
        }));
    }

    @Test
    void leavesTheBytesAfterTheRequestInTheBuffer() {
        ByteBuffer in = ByteBuffer.wrap("GET / HTTP/1.0\r\nContent-Length: 2\r\n\r\nabTRAILING".getBytes(StandardCharsets.US_ASCII));
        ParseResult r = RequestParser.withDefaults().parse(in);
        assertInstanceOf(ParseResult.Complete.class, r);
        assertEquals("TRAILING", StandardCharsets.US_ASCII.decode(in).toString());
    }

    @Test
    void keepsFieldsInOrderAndFindsThemCaseInsensitively() {
        ByteBuffer in = ByteBuffer.wrap("GET / HTTP/1.0\r\nIf-Modified-Since:  Sat, 29 Oct 1994 19:43:31 GMT \r\nX-A: 1\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        Request req = ((ParseResult.Complete) RequestParser.withDefaults().parse(in)).request();
        assertEquals("Sat, 29 Oct 1994 19:43:31 GMT", req.field("if-modified-since"));
        assertEquals(List.of("If-Modified-Since", "X-A"), req.fields().stream().map(Field::name).toList());
        assertEquals("GET / HTTP/1.0", req.line().text());
    }

    @Test
    void eachLimitIsAConstructorParameterWithItsOwnStatus() {
        assertEquals("fail 414", describe(new RequestParser(16, 64, 2, 4).parse(ascii("GET /0123456789abc HTTP/1.0\r\n"))));
        assertEquals("fail 431", describe(new RequestParser(32, 40, 2, 4).parse(ascii("GET / HTTP/1.0\r\nA: 0123456789abcdefghij\r\n\r\n"))));
        assertEquals("fail 431", describe(new RequestParser(32, 64, 2, 4).parse(ascii("GET / HTTP/1.0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n"))));
        assertEquals("fail 413", describe(new RequestParser(32, 64, 2, 4).parse(ascii("GET / HTTP/1.0\r\nContent-Length: 5\r\n\r\n"))));
        assertEquals("complete GET / HTTP/1.0 body=4",
                describe(new RequestParser(32, 64, 2, 4).parse(ascii("GET / HTTP/1.0\r\nContent-Length: 4\r\n\r\nabcd"))));
    }

    /** Limits that contradict each other are refused when made, naming the limits by component. */
    @Test
    void inconsistentLimitsAreRefused() {
        String line = "requestLine must be at least 16 and at most headBytes";
        assertEquals(line, assertThrows(IllegalArgumentException.class, () -> new Limits(15, 64, 2, 4)).getMessage());
        assertEquals(line, assertThrows(IllegalArgumentException.class, () -> new Limits(32, 31, 2, 4)).getMessage());
        assertEquals("fields must not be negative",
                assertThrows(IllegalArgumentException.class, () -> new Limits(32, 64, -1, 4)).getMessage());
        assertEquals("body must not be negative",
                assertThrows(IllegalArgumentException.class, () -> new RequestParser(32, 64, 2, -1)).getMessage());
    }

    @Test
    void remembersTheRequestLineOfARefusedRequest() {
        RequestParser p = RequestParser.withDefaults();
        p.parse(ascii("PRI * HTTP/2.0\r\n\r\n"));
        assertEquals("PRI * HTTP/2.0", p.requestLine());
    }

    @Test
    void remembersTheStartOfARequestLineThatIsTooLong() {
        RequestParser p = RequestParser.withDefaults();
        assertEquals("fail 414", describe(p.parse(ascii("GET /" + "x".repeat(9000) + " HTTP/1.0\r\n\r\n"))));
        assertEquals("GET /" + "x".repeat(251) + "...", p.requestLine());
    }

    @Test
    void namesTheHttp2PrefaceInItsReason() {
        ParseResult r = RequestParser.withDefaults().parse(ascii("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"));
        assertEquals(Status.VERSION_NOT_SUPPORTED, ((ParseResult.Failed) r).status());
        assertEquals("HTTP/2 connection preface; this server speaks HTTP/1.0", ((ParseResult.Failed) r).reason());
    }

    @Test
    void namesAVersionWithoutATargetInItsReason() {
        ParseResult r = RequestParser.withDefaults().parse(ascii("GET HTTP/1.0\r\n\r\n"));
        assertEquals("request line has a version but no target", ((ParseResult.Failed) r).reason());
        r = RequestParser.withDefaults().parse(ascii("GET x\r\n"));
        assertEquals("Simple-Request target is not a Request-URI", ((ParseResult.Failed) r).reason());
    }

    private static ByteBuffer ascii(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.US_ASCII));
    }

    static List<String> names() {
        List<String> names = new ArrayList<>();
        rows().forEach(r -> names.add(r.name()));
        return names;
    }
}
