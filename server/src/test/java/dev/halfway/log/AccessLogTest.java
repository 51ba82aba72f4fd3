package dev.halfway.log;

import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.Transport;
import dev.halfway.conn.FinTiming;
import dev.halfway.conn.Linger;
import dev.halfway.conn.Outcome;
import dev.halfway.conn.TraceEvent;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The access-log formats as text: the CLF line, the JSON line, and off. */
class AccessLogTest {
    static final long START = Instant.parse("2024-03-05T06:07:08.123Z").toEpochMilli();
    static final Set<String> KEYS = Set.of("time", "remote", "port", "request", "status", "bytes", "owed", "headBytes",
            "ms", "fin", "outcome", "linger", "reason", "transport", "tls", "inputEnd", "proxy", "proxyPort");
    static final ObjectMapper JSON = new ObjectMapper();

    static AccessRecord complete() {
        return new AccessRecord("127.0.0.1", 40000, START, "GET / HTTP/1.0", 200, 123, 123, 150, 5,
                FinTiming.AFTER_REQUEST, Outcome.COMPLETE, Linger.CLIENT_EOF, null, Transport.TCP, null, null, null, 0, null);
    }

    static AccessRecord withRequestLine(String requestLine) {
        return new AccessRecord("127.0.0.1", 40000, START, requestLine, 400, 0, 0, 150, 1,
                FinTiming.AFTER_REQUEST, Outcome.BAD_REQUEST, Linger.CLIENT_EOF, "request line is not method SP target SP version", Transport.TCP, null, null, null, 0, null);
    }

    static AccessRecord empty() {
        return new AccessRecord("::1", 40001, START, null, 0, 0, -1, 0, 0,
                FinTiming.BEFORE_HEAD, Outcome.EMPTY, Linger.NONE, null, Transport.TCP, null, null, null, 0, null);
    }

    /** The lines {@code format} writes for {@code records}. */
    static List<String> write(LogFormat format, AccessRecord... records) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            AccessLog log = AccessLog.of(format, out);
            for (AccessRecord r : records) {
                log.log(r);
            }
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        if (text.isEmpty()) {
            return List.of();
        }
        assertTrue(text.endsWith(System.lineSeparator()), "every line is terminated");
        String[] parts = text.split(Pattern.quote(System.lineSeparator()), -1);
        return List.of(parts).subList(0, parts.length - 1);
    }

    static String one(LogFormat format, AccessRecord record) {
        List<String> lines = write(format, record);
        assertEquals(1, lines.size(), () -> "one line per record: " + lines);
        assertFalse(lines.get(0).contains("\n") || lines.get(0).contains("\r"), lines.get(0));
        return lines.get(0);
    }

    // ---------------------------------------------------------------- CLF

    @Test
    void clfLine() {
        assertEquals("127.0.0.1 - - [05/Mar/2024:06:07:08 +0000] \"GET / HTTP/1.0\" 200 123 owed=123 ms=5"
                        + " fin=after-request outcome=complete linger=client-eof",
                one(LogFormat.CLF, complete()));
    }

    @Test
    void clfShapeForEveryFinOutcomeAndLinger() {
        Pattern shape = Pattern.compile("\\S+ - - \\[\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} \\+0000] "
                + "\"[^\"]*\" (\\d{3}|-) (\\d+|-) owed=(\\d+|-) ms=\\d+ fin=[a-z-]+ outcome=[a-z-]+ linger=([a-z-]+|-)");
        for (FinTiming fin : FinTiming.values()) {
            for (Outcome outcome : Outcome.values()) {
                for (Linger linger : Linger.values()) {
                    AccessRecord r = new AccessRecord("10.0.0.1", 1, START, "GET /x HTTP/1.0", 404, 7, 7, 100, 3,
                            fin, outcome, linger, "why", Transport.TCP, null, null, null, 0, null);
                    String line = one(LogFormat.CLF, r);
                    assertTrue(shape.matcher(line).matches(), line);
                    assertTrue(line.endsWith(" fin=" + fin.label() + " outcome=" + outcome.label() + " linger=" + linger.label()), line);
                }
            }
        }
    }

    @Test
    void clfDashesForNothing() {
        assertEquals("::1 - - [05/Mar/2024:06:07:08 +0000] \"-\" - - owed=- ms=0 fin=before-head outcome=empty linger=-",
                one(LogFormat.CLF, empty()));
    }

    @Test
    void clfZeroBytesIsADash() {
        String line = one(LogFormat.CLF, new AccessRecord("127.0.0.1", 1, START, "HEAD / HTTP/1.0", 200, 0, 0, 150, 2,
                FinTiming.AFTER_REQUEST, Outcome.COMPLETE, Linger.CLIENT_EOF, null, Transport.TCP, null, null, null, 0, null));
        assertTrue(line.contains("\"HEAD / HTTP/1.0\" 200 - owed=0 ms=2 "), line);
    }

    record Escape(String name, String requestLine, String logged) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Escape> escapes() {
        return Stream.of(
                new Escape("plain", "GET /a?b=c HTTP/1.0", "GET /a?b=c HTTP/1.0"),
                new Escape("double quote", "GET /\"x HTTP/1.0", "GET /\\x22x HTTP/1.0"),
                new Escape("backslash", "GET /a\\b HTTP/1.0", "GET /a\\x5cb HTTP/1.0"),
                new Escape("tab", "GET\t/ HTTP/1.0", "GET\\x09/ HTTP/1.0"),
                new Escape("escape sequence", "GET /\u001b[31m HTTP/1.0", "GET /\\x1b[31m HTTP/1.0"),
                new Escape("NUL", "GET /\u0000 HTTP/1.0", "GET /\\x00 HTTP/1.0"),
                new Escape("DEL", "GET /\u007f HTTP/1.0", "GET /\\x7f HTTP/1.0"),
                new Escape("obs-text byte", "GET /caf\u00e9 HTTP/1.0", "GET /caf\\xe9 HTTP/1.0"),
                new Escape("log injection with LF",
                        "GET / HTTP/1.0\n127.0.0.1 - - [01/Jan/2024:00:00:00 +0000] \"GET /admin HTTP/1.0\" 200 1",
                        "GET / HTTP/1.0\\x0a127.0.0.1 - - [01/Jan/2024:00:00:00 +0000] \\x22GET /admin HTTP/1.0\\x22 200 1"),
                new Escape("log injection with CR", "GET / HTTP/1.0\rX", "GET / HTTP/1.0\\x0dX"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("escapes")
    void clfEscapesTheRequestLine(Escape row) {
        String line = one(LogFormat.CLF, withRequestLine(row.requestLine()));
        assertTrue(line.contains(" \"" + row.logged() + "\" 400 - "), () -> "expected \"" + row.logged() + "\" in\n" + line);
        for (char c : line.toCharArray()) {
            assertTrue(c >= 0x20 && c < 0x7F, () -> "only printable ASCII in a CLF line: " + line);
        }
        assertEquals(2, line.chars().filter(c -> c == '"').count(), () -> "only the two quotes around the request: " + line);
    }

    // ---------------------------------------------------------------- JSON

    @Test
    void jsonLine() throws Exception {
        JsonNode n = JSON.readTree(one(LogFormat.JSON, complete()));
        assertEquals(KEYS, keys(n));
        assertEquals("2024-03-05T06:07:08.123Z", n.get("time").asText());
        assertEquals("127.0.0.1", n.get("remote").asText());
        assertEquals(40000, n.get("port").asInt());
        assertEquals("GET / HTTP/1.0", n.get("request").asText());
        assertEquals(200, n.get("status").asInt());
        assertEquals(123, n.get("bytes").asLong());
        assertEquals(123, n.get("owed").asLong());
        assertEquals(150, n.get("headBytes").asLong());
        assertEquals(5, n.get("ms").asLong());
        assertEquals("after-request", n.get("fin").asText());
        assertEquals("complete", n.get("outcome").asText());
        assertEquals("client-eof", n.get("linger").asText());
        assertTrue(n.get("reason").isNull());
        assertTrue(n.get("status").isInt() && n.get("bytes").isIntegralNumber() && n.get("port").isInt());
    }

    @Test
    void jsonNullsForNothing() throws Exception {
        JsonNode n = JSON.readTree(one(LogFormat.JSON, empty()));
        assertEquals(KEYS, keys(n));
        assertTrue(n.get("request").isNull(), n::toString);
        assertTrue(n.get("status").isNull(), n::toString);
        assertTrue(n.get("owed").isNull(), n::toString);
        assertEquals(0, n.get("bytes").asLong());
        assertEquals("empty", n.get("outcome").asText());
        assertEquals("-", n.get("linger").asText());
        assertEquals("before-head", n.get("fin").asText());
        assertEquals("::1", n.get("remote").asText());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("escapes")
    void jsonKeepsTheRequestLineOnOneLine(Escape row) throws Exception {
        String line = one(LogFormat.JSON, withRequestLine(row.requestLine()));
        JsonNode n = JSON.readTree(line);
        assertEquals(KEYS, keys(n));
        assertEquals(row.requestLine(), n.get("request").asText(), "the request line round-trips");
        assertEquals("request line is not method SP target SP version", n.get("reason").asText());
        assertEquals("bad-request", n.get("outcome").asText());
    }

    @Test
    void severalRecordsAreSeveralLines() throws Exception {
        List<String> lines = write(LogFormat.JSON, complete(), empty(), withRequestLine("a\nb"));
        assertEquals(3, lines.size(), lines::toString);
        for (String line : lines) {
            assertEquals(KEYS, keys(JSON.readTree(line)));
        }
        assertEquals(3, write(LogFormat.CLF, complete(), empty(), withRequestLine("a\nb")).size());
    }

    // ---------------------------------------------------------------- off

    @Test
    void offWritesNothing() {
        assertEquals(List.of(), write(LogFormat.OFF, complete(), empty(), withRequestLine("GET / HTTP/1.0\nx")));
    }

    static Set<String> keys(JsonNode n) {
        Set<String> keys = new TreeSet<>();
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        return keys;
    }

    @Test
    void jsonCarriesTheTimelineWhenTracing() throws Exception {
        AccessRecord r = new AccessRecord("127.0.0.1", 40000, START, "GET / HTTP/1.0", 200, 10, 10, 100, 3,
                FinTiming.AFTER_REQUEST, Outcome.COMPLETE, Linger.CLIENT_EOF, null, Transport.TCP, null, null, null, 0,
                java.util.List.of(new TraceEvent(0.0, "accepted", "127.0.0.1:40000"), new TraceEvent(1.5, "our FIN", "")));
        JsonNode n = JSON.readTree(one(LogFormat.JSON, r));
        assertEquals("accepted", n.get("events").get(0).get("event").asText());
        assertEquals(1.5, n.get("events").get(1).get("ms").asDouble());
        assertEquals(2, n.get("events").size());
    }
}
