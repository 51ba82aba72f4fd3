package dev.halfway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden files for {@link Ladder#render}: each case builds a timeline by hand on a fake clock (so
 * the times are fixed) through the same {@link Timeline.Recorder} that {@link Exchange} uses, and
 * compares the drawing with {@code src/test/resources/ladder/NAME.txt}. Run with
 * {@code -Dladder.update=true} to (re)write the files after a deliberate change; the default run
 * only compares.
 */
class LadderGoldenTest {
    private static final Path GOLDEN = Path.of(System.getProperty("basedir", "."), "src", "test", "resources", "ladder");
    private static final boolean UPDATE = Boolean.getBoolean("ladder.update");

    /** A clock the test moves by hand, in milliseconds. */
    static final class FakeClock implements LongSupplier {
        private long nanos;

        void at(double millis) {
            nanos = Math.round(millis * 1_000_000);
        }

        @Override
        public long getAsLong() {
            return nanos;
        }
    }

    /** A recorder and its clock: {@code at(ms)} then record. */
    static final class Script {
        final FakeClock clock = new FakeClock();
        final Timeline.Recorder rec = Timeline.recorder(clock);

        Script at(double millis) {
            clock.at(millis);
            return this;
        }

        /** The usual opening: connect at 0, the handshake done at 0.1 ms, the request sent at 0.2 ms. */
        Script opening(String peer, long requestBytes) {
            at(0).rec.connect(peer);
            at(0.1).rec.connected(null);
            at(0.2).rec.sent(requestBytes);
            return this;
        }
    }

    record Case(String name, String requestLine, String statusLine, Consumer<Script> script) {}

    static final List<Case> CASES = List.of(
            // The default: request, our FIN at once, the response, the server's FIN.
            new Case("half-close", "GET / HTTP/1.0", "HTTP/1.0 200 OK", s -> {
                s.opening("127.0.0.1:8080", 18);
                s.at(0.3).rec.ourFin("shutdown SHUT_WR");
                s.at(1.2).rec.received(1448);
                s.at(1.5).rec.received(1448);
                s.at(1.9).rec.received(1322);
                s.at(1.9).rec.serverFin();
            }),
            // --no-shut: like curl; an HTTP/1.0 server closes after the response anyway.
            new Case("no-shut", "GET /style.css HTTP/1.0", "HTTP/1.0 200 OK", s -> {
                s.opening("127.0.0.1:8080", 93);
                s.at(1.0).rec.received(2042);
                s.at(1.3).rec.serverFin();
            }),
            // A server that reads to our FIN and closes without a byte: no-response.
            new Case("no-response", "GET /hc-small.txt HTTP/1.0", null, s -> {
                s.opening("127.0.0.1:8080", 87);
                s.at(0.3).rec.ourFin("shutdown SHUT_WR");
                s.at(0.6).rec.serverFin();
            }),
            // The server aborts mid-body (SO_LINGER 0): some bytes, then the RST.
            new Case("rst-mid-body", "GET /2m HTTP/1.0", "HTTP/1.0 200 OK", s -> {
                s.opening("127.0.0.1:8080", 79);
                s.at(0.3).rec.ourFin("shutdown SHUT_WR");
                s.at(300.5).rec.received(16384);
                s.at(300.9).rec.received(16384);
                s.at(301.0).rec.rst("Connection reset");
            }),
            // --no-shut against a server that waits for our FIN: nothing ever comes.
            new Case("timeout", "GET / HTTP/1.0", null, s -> {
                s.opening("127.0.0.1:8080", 18);
                s.at(500.0).rec.timeout(null);
            }),
            // --no-shut against a keep-alive server: the whole response, but no FIN.
            new Case("timeout-after-response", "GET /kept HTTP/1.0", "HTTP/1.1 200 OK", s -> {
                s.opening("127.0.0.1:8080", 78);
                s.at(0.9).rec.received(43);
                s.at(500.0).rec.timeout(null);
            }),
            // --close: full close right after the request, nothing read.
            new Case("close", "GET / HTTP/1.0", null, s -> {
                s.opening("127.0.0.1:8080", 18);
                s.at(0.3).rec.ourFin("close");
            }),
            // --reset: SO_LINGER 0 and close.
            new Case("reset", "GET / HTTP/1.0", null, s -> {
                s.opening("127.0.0.1:8080", 18);
                s.at(0.3).rec.ourReset("reset: SO_LINGER 0, close");
            }),
            // An HTTP/0.9 Simple-Request answered with a Simple-Response: no status line at all.
            new Case("http09", "GET /hc-small.txt", null, s -> {
                s.opening("127.0.0.1:8080", 19);
                s.at(0.3).rec.ourFin("shutdown SHUT_WR");
                s.at(0.8).rec.received(3947);
                s.at(0.9).rec.serverFin();
            }),
            // --shut-wr-after: the response begins before our FIN, which splits the bytes received.
            new Case("fin-mid-response", "GET /big.bin HTTP/1.0", "HTTP/1.0 200 OK", s -> {
                s.opening("127.0.0.1:8080", 84);
                s.at(1.0).rec.received(65536);
                s.at(150.0).rec.received(65536);
                s.at(300.2).rec.ourFin("shutdown SHUT_WR");
                s.at(300.4).rec.received(131072);
                s.at(310.0).rec.serverFin();
            }),
            // A name, resolved: the handshake says where it went.
            new Case("resolved-name", "HEAD / HTTP/1.0", "HTTP/1.0 200 OK", s -> {
                s.at(0).rec.connect("localhost:8080");
                s.at(0.2).rec.connected("127.0.0.1:8080");
                s.at(0.3).rec.sent(19);
                s.at(0.4).rec.ourFin("shutdown SHUT_WR");
                s.at(1.1).rec.received(171);
                s.at(1.2).rec.serverFin();
            }),
            new Case("connect-refused", "GET / HTTP/1.0", null, s -> {
                s.at(0).rec.connect("127.0.0.1:1");
                s.at(0.2).rec.connectFailed("Connection refused");
            }),
            new Case("connect-timeout", "GET / HTTP/1.0", null, s -> {
                s.at(0).rec.connect("10.255.255.1:80");
                s.at(30000.0).rec.connectFailed("Connect timed out");
            }),
            // The server resets while we are still sending a large body.
            new Case("send-failed", "POST /upload HTTP/1.0", null, s -> {
                s.opening("127.0.0.1:8080", 65536);
                s.at(2.0).rec.sendFailed("Connection reset by peer");
                s.at(2.1).rec.ourFin("shutdown SHUT_WR");
                s.at(2.2).rec.rst("Connection reset");
            }),
            // Labels that do not fit are cut with "..."; bytes outside printable ASCII become '?'.
            new Case("long-labels", "GET /a/very/long/path/that/goes/on/and/on/and/on/index.html?q=\u00e9t\u00e9 HTTP/1.0",
                    "HTTP/1.0 200 OK, with a reason phrase far longer than any arrow can hold\u0007", s -> {
                s.opening("[2001:db8::1]:8080", 123456);
                s.at(0.3).rec.ourFin("shutdown SHUT_WR");
                s.at(12345.6).rec.received(9876543210L);
                s.at(99999.9).rec.serverFin();
            }),
            new Case("non-ascii", "GET /caf\u00e9\tnow HTTP/1.0", "HTTP/1.0 200 \u00c7a va\r", s -> {
                s.opening("127.0.0.1:8080", 40);
                s.at(0.3).rec.ourFin("shutdown SHUT_WR");
                s.at(0.7).rec.received(120);
                s.at(0.8).rec.serverFin();
            }),
            // TLS 1.3, the default half-close: our close_notify then FIN; the server's close_notify then FIN.
            new Case("tls-half-close", "GET / HTTP/1.0", "HTTP/1.0 200 OK", s -> {
                s.at(0).rec.connect("127.0.0.1:8443");
                s.at(0.1).rec.connected(null);
                s.at(9.8).rec.tlsHandshake("TLSv1.3, TLS_AES_256_GCM_SHA384, ALPN http/1.1");
                s.at(10.0).rec.sent(74);
                s.at(10.1).rec.ourCloseNotify(null);
                s.at(10.1).rec.ourFin("shutdown SHUT_WR");
                s.at(11.5).rec.received(4218);
                s.at(11.6).rec.closeNotify();
                s.at(11.6).rec.serverFin("after close_notify");
            }),
            // TLS 1.2 --tcp-fin-only against a server that ends with a bare FIN too: a possible truncation each way.
            new Case("tls-bare-fin", "GET / HTTP/1.0", "HTTP/1.0 200 OK", s -> {
                s.at(0).rec.connect("127.0.0.1:8443");
                s.at(0.1).rec.connected(null);
                s.at(12.4).rec.tlsHandshake("TLSv1.2, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, no ALPN");
                s.at(12.6).rec.sent(74);
                s.at(12.7).rec.ourFin("shutdown SHUT_WR, no close_notify");
                s.at(13.9).rec.received(4218);
                s.at(14.0).rec.serverFin("no close_notify");
            }),
            // A self-signed certificate without --insecure.
            new Case("tls-untrusted", "GET / HTTP/1.0", null, s -> {
                s.at(0).rec.connect("127.0.0.1:8443");
                s.at(0.1).rec.connected(null);
                s.at(8.7).rec.tlsFailed("the server's certificate is not trusted: unable to find valid certification "
                        + "path to requested target (a self-signed certificate? --insecure accepts any certificate)");
            }));

    static Stream<Arguments> cases() {
        return CASES.stream().map(c -> Arguments.of(c.name(), c));
    }

    static String render(Case c) {
        Script s = new Script();
        c.script().accept(s);
        return Ladder.render(s.rec.done(), c.requestLine(), c.statusLine());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesTheGoldenFile(String name, Case c) throws IOException {
        String drawn = render(c);
        Path file = GOLDEN.resolve(name + ".txt");
        if (UPDATE) {
            Files.createDirectories(GOLDEN);
            Files.writeString(file, drawn, StandardCharsets.US_ASCII);
        }
        if (!Files.exists(file)) {
            fail("no golden file " + file + " (run with -Dladder.update=true to write it); drawn:\n" + drawn);
        }
        assertEquals(Files.readString(file, StandardCharsets.US_ASCII), drawn,
                "the ladder differs from " + file + " (if the change is meant, rerun with -Dladder.update=true)");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isAsciiFixedWidthWithStraightLifelines(String name, Case c) {
        String drawn = render(c);
        assertEquals(drawn, render(c), "deterministic");
        List<String> lines = drawn.lines().toList();
        assertTrue(lines.size() >= 2, drawn);
        assertEquals("          client                                          server", lines.get(0));
        for (String line : lines.subList(1, lines.size())) {
            assertTrue(line.chars().allMatch(ch -> ch >= 0x20 && ch < 0x7f), "ASCII only: " + line);
            assertEquals(61, line.length(), "every row is as wide as the others: '" + line + "'");
            assertTrue(line.matches(" *\\d+\\.\\d ms  \\|.*\\|"), "ms margin, then the client's and the server's lifelines: " + line);
            assertEquals('|', line.charAt(12), line);
            assertEquals('|', line.charAt(60), line);
        }
        assertTrue(lines.stream().allMatch(l -> l.length() <= Ladder.WIDTH), drawn);
        assertTrue(drawn.endsWith("\n"), drawn);
    }

    /** Every golden file belongs to a case: a renamed case does not leave a stale file behind. */
    @Test
    void noStrayGoldenFiles() throws IOException {
        List<String> expected = new ArrayList<>();
        CASES.forEach(c -> expected.add(c.name() + ".txt"));
        try (Stream<Path> files = Files.list(GOLDEN)) {
            List<String> present = files.map(p -> p.getFileName().toString()).sorted().toList();
            assertEquals(expected.stream().sorted().toList(), present);
        }
    }

    @Test
    void theRowsSayWhatHappenedInOrder() {
        Map<String, String> byName = new LinkedHashMap<>();
        CASES.forEach(c -> byName.put(c.name(), render(c)));

        assertRows(byName.get("half-close"),
                "0.0 ms  \\|-+ SYN \\(connect 127.0.0.1:8080\\) -+>\\|",
                "0.1 ms  \\|<-+ SYN\\+ACK -+\\|",
                "0.1 ms  \\|-+ ACK -+>\\|",
                "0.2 ms  \\|-+ GET / HTTP/1.0 \\(18 B\\) -+>\\|",
                "0.3 ms  \\|-+ FIN -+>\\|",
                "1.2 ms  \\|<-+ HTTP/1.0 200 OK -+\\|",
                "1.9 ms  \\|<-+ 4218 B -+\\|",
                "1.9 ms  \\|<-+ FIN -+\\|");
        assertRows(byName.get("rst-mid-body"),
                "300.5 ms  \\|<-+ HTTP/1.0 200 OK -+\\|",
                "300.9 ms  \\|<-+ 32768 B -+\\|",
                "301.0 ms  \\|<--X-+ RST -+\\|");
        assertRows(byName.get("reset"), "0.3 ms  \\|-+ RST \\(reset\\) -+X-->\\|");
        assertRows(byName.get("close"), "0.3 ms  \\|-+ FIN \\(close\\) -+>\\|");
        assertRows(byName.get("timeout"), "500.0 ms  \\| +\\(timeout: no FIN, no RST came\\) +\\|");
        assertRows(byName.get("http09"), "0.8 ms  \\|<-+ HTTP/0.9: no status line -+\\|", "0.8 ms  \\|<-+ 3947 B -+\\|");
        assertRows(byName.get("connect-refused"), "0.2 ms  \\|<--X-+ RST \\(connection refused\\) -+\\|");
        assertTrue(byName.get("long-labels").contains("/that... (123456 B) -->|"), byName.get("long-labels"));
        assertRows(byName.get("non-ascii"), "0.2 ms  \\|-+ GET /caf\\?\\?now HTTP/1.0 \\(40 B\\) -+>\\|",
                "0.7 ms  \\|<-+ HTTP/1.0 200 \\?a va\\? -+\\|");

        for (String name : List.of("no-response", "timeout", "close", "reset")) {
            assertTrue(byName.get(name).lines().noneMatch(l -> l.contains("<-") && l.matches(".* \\d+ B -.*")),
                    name + " has no response bytes:\n" + byName.get(name));
        }
        assertTrue(byName.get("no-shut").lines().noneMatch(l -> l.matches(".*\\|-+ FIN -+>\\|")), "--no-shut sends no FIN");
        assertRows(byName.get("tls-half-close"),
                "0.1 ms  \\|-+ ACK -+>\\|",
                "9.8 ms  \\|<-+ TLSv1.3 handshake, ALPN http/1.1 -+>\\|",
                "9.8 ms  \\| +\\(TLS_AES_256_GCM_SHA384\\) +\\|",
                "10.0 ms  \\|-+ GET / HTTP/1.0 \\(74 B\\) -+>\\|",
                "10.1 ms  \\|-+ close_notify -+>\\|",
                "10.1 ms  \\|-+ FIN -+>\\|",
                "11.5 ms  \\|<-+ 4218 B -+\\|",
                "11.6 ms  \\|<-+ close_notify -+\\|",
                "11.6 ms  \\|<-+ FIN -+\\|");
        assertRows(byName.get("tls-bare-fin"),
                "12.4 ms  \\|<-+ TLSv1.2 handshake, no ALPN -+>\\|",
                "12.4 ms  \\| +\\(TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384\\) +\\|",
                "12.7 ms  \\|-+ FIN \\(no close_notify\\) -+>\\|",
                "14.0 ms  \\|<-+ FIN \\(no close_notify\\) -+\\|");
        assertTrue(byName.get("tls-bare-fin").lines().noneMatch(l -> l.contains("close_notify -")), byName.get("tls-bare-fin"));
        assertRows(byName.get("tls-untrusted"),
                "8.7 ms  \\| +\\(TLS handshake failed\\) +\\|",
                "8.7 ms  \\| +\\(the server's certificate is not trusted\\) +\\|");
        // our FIN splits the bytes received into two runs
        assertRows(byName.get("fin-mid-response"), "150.0 ms  \\|<-+ 131072 B -+\\|", "300.2 ms  \\|-+ FIN -+>\\|",
                "300.4 ms  \\|<-+ 131072 B -+\\|", "310.0 ms  \\|<-+ FIN -+\\|");
    }

    /** Each pattern matches a later row than the one before (after stripping the margin's padding). */
    private static void assertRows(String drawn, String... patterns) {
        List<String> rows = drawn.lines().map(String::strip).toList();
        int at = 0;
        for (String p : patterns) {
            while (at < rows.size() && !rows.get(at).matches(p)) {
                at++;
            }
            assertTrue(at < rows.size(), "no row matching /" + p + "/ in order in:\n" + drawn);
            at++;
        }
    }
}
