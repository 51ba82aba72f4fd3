package dev.halfway.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.halfway.client.TlsServer.ClientEnd;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code send https://...} against {@link TlsServer}: TLS 1.3 and 1.2, our close_notify or a bare
 * FIN, and a server that ends with close_notify and FIN, a bare FIN, an RST, or close_notify and
 * no FIN. Each row checks the exit status, the report, the whole trace, and what the server saw
 * of our end.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SendTlsTest {
    private static final Pattern TRACE_LINE = Pattern.compile(" *(\\d+\\.\\d) ms  ([^|].*)");
    private static final Pattern LADDER_ROW = Pattern.compile(" *(\\d+\\.\\d) ms  (\\|.*\\|)");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] HELLO = bytes("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello");
    private static final byte[] SHORT = bytes("HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    private static final List<String> V13 = List.of("TLSv1.3");
    private static final List<String> V12 = List.of("TLSv1.2");

    /** What the server does with a connection once the handshake is done. */
    enum Script {
        /** Reads to our end, then answers, then close_notify and FIN: halfway on TLS 1.3. */
        ANSWER_CLOSE_NOTIFY_FIN,
        /** Reads to our end, answers, and ends with a bare FIN (no close_notify). */
        ANSWER_BARE_FIN,
        /** Reads to our end, sends a head and 3 of 10 body bytes, and ends with a bare FIN. */
        SHORT_BARE_FIN,
        /** Reads to our end, answers, then resets (SO_LINGER 0). */
        ANSWER_RST,
        /** Reads the head only, answers, close_notify and FIN, then waits for ours (for --no-shut). */
        HEAD_ANSWER_CLOSE_NOTIFY_FIN,
        /** Reads the head only, answers, close_notify, and never its FIN before ours. */
        HEAD_ANSWER_CLOSE_NOTIFY_NO_FIN,
        /** Reads the head, answers at once, then reads to our (late) end, then close_notify and FIN. */
        HEAD_ANSWER_THEN_END,
        /** Reads to our end and answers nothing (for --close). */
        READ_ONLY
    }

    /**
     * A handler running {@code script}, with halfway's TLS 1.2 rule first: a close_notify in
     * TLS 1.2 closes the session both ways (RFC 5246 §7.2.1), so the server answers it with its
     * own and a FIN and sends no response (the JDK's engine would refuse to wrap one anyway).
     */
    static TlsServer.Handler handler(Script script) {
        return conn -> {
            switch (script) {
                case HEAD_ANSWER_CLOSE_NOTIFY_FIN -> {
                    conn.readHead();
                    conn.write(HELLO);
                    conn.closeNotify();
                    conn.fin();
                    conn.awaitClientFin();
                    return;
                }
                case HEAD_ANSWER_CLOSE_NOTIFY_NO_FIN -> {
                    conn.readHead();
                    conn.write(HELLO);
                    conn.closeNotify();
                    conn.awaitClientFin();
                    return;
                }
                case HEAD_ANSWER_THEN_END -> {
                    conn.readHead();
                    conn.write(HELLO);
                    conn.readToEnd();
                    conn.closeNotify();
                    conn.fin();
                    return;
                }
                default -> { }
            }
            conn.readToEnd();
            if (script == Script.READ_ONLY) {
                return;
            }
            if (conn.clientEnd() == ClientEnd.CLOSE_NOTIFY && conn.protocol().equals("TLSv1.2")) {
                conn.closeNotify();
                conn.fin();
                conn.awaitClientFin();
                return;
            }
            switch (script) {
                case ANSWER_CLOSE_NOTIFY_FIN -> {
                    conn.write(HELLO);
                    conn.closeNotify();
                    conn.fin();
                }
                case ANSWER_BARE_FIN -> {
                    conn.write(HELLO);
                    conn.fin();
                }
                case SHORT_BARE_FIN -> {
                    conn.write(SHORT);
                    conn.fin();
                }
                case ANSWER_RST -> {
                    conn.noDelay(); // the response leaves at once, ahead of the RST, not held back by Nagle
                    conn.write(HELLO);
                    conn.reset();
                }
                default -> throw new AssertionError(script);
            }
        };
    }

    /**
     * One row: the server's versions and script, our options (after --insecure), and what must
     * come of it: exit status, the report's verdict and TLS fields, how the server saw our input
     * end (null: not read to the end), and the whole trace, one pattern per line.
     */
    record Row(String name, List<String> versions, Script script, List<String> args, int exit, String report,
               ClientEnd serverSaw, List<String> trace) {}

    private static final String CONNECT = "connect 127\\.0\\.0\\.1:\\d+";
    private static final String HANDSHAKE13 = "TLS handshake done: TLSv1\\.3, TLS_\\w+, ALPN http/1\\.1";
    private static final String HANDSHAKE12 = "TLS handshake done: TLSv1\\.2, TLS_ECDHE_ECDSA_\\w+, ALPN http/1\\.1";
    private static final String SENT = "sent \\d+ B";
    private static final String OUR_CLOSE_NOTIFY = "our close_notify";
    private static final String OUR_FIN = "our FIN \\(shutdown SHUT_WR\\)";
    private static final String OUR_BARE_FIN = "our FIN \\(shutdown SHUT_WR, no close_notify\\)";
    private static final String FIRST = "first response byte";
    private static final String HELLO_IN = "received " + HELLO.length + " B";
    private static final String CLOSE_NOTIFY = "server close_notify";
    private static final String FIN_AFTER = "server FIN \\(after close_notify\\)";
    private static final String BARE_FIN = "server FIN \\(no close_notify\\)";

    static Stream<Arguments> rows() {
        return Stream.of(
                new Row("TLS 1.3: our close_notify+FIN, the server answers and ends with close_notify+FIN", V13,
                        Script.ANSWER_CLOSE_NOTIFY_FIN, List.of(), 0,
                        "complete status=200 .* end=FIN tls=TLSv1.3 close_notify=received", ClientEnd.CLOSE_NOTIFY,
                        List.of(CONNECT, "connected", HANDSHAKE13, SENT, OUR_CLOSE_NOTIFY, OUR_FIN, FIRST, HELLO_IN,
                                CLOSE_NOTIFY, FIN_AFTER)),
                new Row("TLS 1.2: our close_notify closes the session both ways, so no response", V12,
                        Script.ANSWER_CLOSE_NOTIFY_FIN, List.of(), 3,
                        "no-response status=- .* end=FIN tls=TLSv1.2 close_notify=received", ClientEnd.CLOSE_NOTIFY,
                        List.of(CONNECT, "connected", HANDSHAKE12, SENT, OUR_CLOSE_NOTIFY, OUR_FIN, CLOSE_NOTIFY, FIN_AFTER)),
                new Row("TLS 1.3: --tcp-fin-only, a bare FIN the server still answers", V13,
                        Script.ANSWER_CLOSE_NOTIFY_FIN, List.of("--tcp-fin-only"), 0,
                        "complete status=200 .* end=FIN tls=TLSv1.3 close_notify=received", ClientEnd.FIN,
                        List.of(CONNECT, "connected", HANDSHAKE13, SENT, OUR_BARE_FIN, FIRST, HELLO_IN, CLOSE_NOTIFY, FIN_AFTER)),
                new Row("TLS 1.2: --tcp-fin-only keeps the session open, so the response comes", V12,
                        Script.ANSWER_CLOSE_NOTIFY_FIN, List.of("--tcp-fin-only"), 0,
                        "complete status=200 .* end=FIN tls=TLSv1.2 close_notify=received", ClientEnd.FIN,
                        List.of(CONNECT, "connected", HANDSHAKE12, SENT, OUR_BARE_FIN, FIRST, HELLO_IN, CLOSE_NOTIFY, FIN_AFTER)),
                new Row("TLS 1.3: the server ends with a bare FIN after the whole response", V13,
                        Script.ANSWER_BARE_FIN, List.of(), 0,
                        "complete status=200 .* end=FIN tls=TLSv1.3 close_notify=missing", ClientEnd.CLOSE_NOTIFY,
                        List.of(CONNECT, "connected", HANDSHAKE13, SENT, OUR_CLOSE_NOTIFY, OUR_FIN, FIRST, HELLO_IN, BARE_FIN)),
                new Row("TLS 1.2: --tcp-fin-only, and the server ends with a bare FIN", V12,
                        Script.ANSWER_BARE_FIN, List.of("--tcp-fin-only"), 0,
                        "complete status=200 .* end=FIN tls=TLSv1.2 close_notify=missing", ClientEnd.FIN,
                        List.of(CONNECT, "connected", HANDSHAKE12, SENT, OUR_BARE_FIN, FIRST, HELLO_IN, BARE_FIN)),
                new Row("TLS 1.3: a bare FIN mid-body is truncated against Content-Length", V13,
                        Script.SHORT_BARE_FIN, List.of(), 4,
                        "truncated status=200 head=39B body=3/10B .* end=FIN tls=TLSv1.3 close_notify=missing",
                        ClientEnd.CLOSE_NOTIFY,
                        List.of(CONNECT, "connected", HANDSHAKE13, SENT, OUR_CLOSE_NOTIFY, OUR_FIN, FIRST,
                                "received " + SHORT.length + " B", BARE_FIN)),
                new Row("TLS 1.3: the server resets after the response", V13,
                        Script.ANSWER_RST, List.of(), 5,
                        "reset status=200 .* end=RST tls=TLSv1.3 close_notify=missing", ClientEnd.CLOSE_NOTIFY,
                        List.of(CONNECT, "connected", HANDSHAKE13, SENT, OUR_CLOSE_NOTIFY, OUR_FIN, FIRST, HELLO_IN,
                                "RST( \\(.*\\))?")),
                new Row("TLS 1.3: --no-shut, the server's close_notify and no FIN: we wait for the FIN", V13,
                        Script.HEAD_ANSWER_CLOSE_NOTIFY_NO_FIN, List.of("--no-shut", "--timeout", "700"), 6,
                        "timeout status=200 .* end=TIMEOUT tls=TLSv1.3 close_notify=received", null,
                        List.of(CONNECT, "connected", HANDSHAKE13, SENT, FIRST, HELLO_IN, CLOSE_NOTIFY, "timeout")),
                new Row("TLS 1.2: --no-shut, and we answer the server's close_notify with ours", V12,
                        Script.HEAD_ANSWER_CLOSE_NOTIFY_FIN, List.of("--no-shut"), 0,
                        "complete status=200 .* end=FIN tls=TLSv1.2 close_notify=received", null,
                        List.of(CONNECT, "connected", HANDSHAKE12, SENT, FIRST, HELLO_IN, CLOSE_NOTIFY,
                                "our close_notify \\(reply\\)", FIN_AFTER)),
                new Row("TLS 1.3: --shut-wr-after, our close_notify from the timer while we read", V13,
                        Script.HEAD_ANSWER_THEN_END, List.of("--shut-wr-after", "300"), 0,
                        "complete status=200 .* end=FIN tls=TLSv1.3 close_notify=received", ClientEnd.CLOSE_NOTIFY,
                        List.of(CONNECT, "connected", HANDSHAKE13, SENT, FIRST, HELLO_IN, OUR_CLOSE_NOTIFY, OUR_FIN,
                                CLOSE_NOTIFY, FIN_AFTER)),
                new Row("TLS 1.3: --close is close_notify, then close", V13,
                        Script.READ_ONLY, List.of("--close"), 0,
                        "closed-by-us .* end=CLOSED tls=TLSv1.3 close_notify=-", ClientEnd.CLOSE_NOTIFY,
                        List.of(CONNECT, "connected", HANDSHAKE13, SENT, OUR_CLOSE_NOTIFY, "our FIN \\(close\\)")),
                new Row("TLS 1.3: --close --tcp-fin-only closes with no close_notify", V13,
                        Script.READ_ONLY, List.of("--close", "--tcp-fin-only"), 0,
                        "closed-by-us .* end=CLOSED tls=TLSv1.3 close_notify=-", ClientEnd.FIN,
                        List.of(CONNECT, "connected", HANDSHAKE13, SENT, "our FIN \\(close, no close_notify\\)"))
        ).map(r -> Arguments.of(r.name(), r));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void tlsExchanges(String name, Row row) throws Exception {
        try (TlsServer server = TlsServer.start(row.versions(), handler(row.script()))) {
            List<String> args = new ArrayList<>(List.of("send", "--insecure", "--trace"));
            args.addAll(row.args());
            args.add(server.url("/"));
            Cli.Run run = Cli.run(args.toArray(String[]::new));

            assertEquals(row.exit(), run.exit(), run.said());
            assertTrue(lastLine(run).matches(row.report()), "report /" + row.report() + "/:\n" + run.said());
            assertTrace(run, row.trace());
            if (row.serverSaw() != null) {
                assertEquals(row.serverSaw(), server.takeClientEnd(2000), "how the server saw our input end:\n" + run.said());
                assertTrue(new String(server.takeReceived(2000), StandardCharsets.ISO_8859_1).startsWith("GET / HTTP/1.0\r\n"),
                        "the request arrived inside the session");
            }
            if (row.exit() == 0 && row.report().startsWith("complete")) {
                assertEquals("HTTP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nhello", run.out(), "stdout is the decrypted response");
            }
            server.close();
            assertEquals(List.of(), server.failures(), "the server's handler ran as scripted");
        }
    }

    @Test
    void aSelfSignedCertificateIsRefusedWithoutInsecure() throws Exception {
        try (TlsServer server = TlsServer.start(TlsPlan.BOTH, handler(Script.ANSWER_CLOSE_NOTIFY_FIN))) {
            Cli.Run run = Cli.run("send", server.url("/"));

            assertEquals(8, run.exit(), run.said());
            assertEquals(1, run.err().strip().lines().count(), "one line: " + run.err());
            assertTrue(run.err().startsWith("tls-failed status=- head=0B body=0/?B "), run.err());
            assertTrue(run.err().contains("TLS handshake failed: the server's certificate is not trusted"), run.err());
            assertTrue(run.err().contains("--insecure"), "says what would accept it: " + run.err());
            assertFalse(run.err().contains("Exception") || run.err().contains("\tat "), "no stack trace: " + run.err());
            assertEquals(0, run.outBytes().length);
            assertEquals(1, server.connections(), "it did connect");
        }
    }

    @Test
    void aFailedHandshakeInTheTraceLadderAndJson() throws Exception {
        try (TlsServer server = TlsServer.start(TlsPlan.BOTH, handler(Script.ANSWER_CLOSE_NOTIFY_FIN))) {
            Cli.Run run = Cli.run("send", "--json", "--trace", "--ladder", server.url("/"));

            assertEquals(8, run.exit(), run.said());
            List<String> trace = trace(run);
            assertEquals(3, trace.size(), run.said());
            assertTrue(trace.get(2).startsWith("TLS handshake failed: the server's certificate is not trusted: "), run.said());
            List<String> rows = rows(run);
            assertTrue(rows.get(rows.size() - 2).matches("\\| +\\(TLS handshake failed\\) +\\|"), run.said());
            assertTrue(rows.get(rows.size() - 1).matches("\\| +\\(the server's certificate is not trusted\\) +\\|"), run.said());
            JsonNode r = JSON.readTree(lastLine(run));
            assertEquals("tls-failed", r.get("verdict").asText());
            assertEquals(8, r.get("exit").asInt());
            assertTrue(r.get("tls").isNull(), "no version was negotiated: " + r);
            assertTrue(r.get("serverCloseNotify").isNull(), r.toString());
        }
    }

    /** Without --insecure the trust and the hostname are checked; here with a trust store of the test's own certificate. */
    @Test
    void theCertificateMustNameTheHost() throws Exception {
        try (TlsServer right = TlsServer.start(TlsPlan.BOTH, TlsServer.LOOPBACK, TlsServer.ALPN, handler(Script.ANSWER_CLOSE_NOTIFY_FIN));
             TlsServer wrong = TlsServer.start(TlsPlan.BOTH, TlsServer.MISNAMED, TlsServer.ALPN, handler(Script.ANSWER_CLOSE_NOTIFY_FIN))) {
            Exchange.Result good = Exchange.run(plan(right.port(), new TlsPlan(TlsPlan.BOTH, TlsServer.LOOPBACK.trust(), true)),
                    ResponseMeter.Sink.NONE);
            assertEquals(Verdict.COMPLETE, Verdict.of(good), good.timeline().toString());

            Exchange.Result bad = Exchange.run(plan(wrong.port(), new TlsPlan(TlsPlan.BOTH, TlsServer.MISNAMED.trust(), true)),
                    ResponseMeter.Sink.NONE);
            assertEquals(Verdict.TLS_FAILED, Verdict.of(bad), bad.timeline().toString());
            String why = bad.tls().handshakeFailure();
            assertTrue(why.startsWith("the server's certificate was refused: "), why);
            assertTrue(why.contains("127.0.0.1"), "names the address it does not match: " + why);
            assertNull(bad.end());
        }
    }

    @Test
    void aVersionTheServerDoesNotSpeak() throws Exception {
        try (TlsServer server = TlsServer.start(V12, handler(Script.ANSWER_CLOSE_NOTIFY_FIN))) {
            Cli.Run run = Cli.run("send", "--insecure", "--tls-version", "1.3", server.url("/"));

            assertEquals(8, run.exit(), run.said());
            assertTrue(run.err().contains("TLS handshake failed: the server refused the handshake: received fatal alert: "
                    + "protocol_version (it does not speak the TLS version offered: see --tls-version)"), run.err());
            Cli.Run both = Cli.run("send", "--insecure", "--tls-version", "1.2", server.url("/"));
            assertEquals(3, both.exit(), "TLS 1.2 it speaks (and our close_notify closes it both ways): " + both.said());
        }
    }

    @Test
    void aPlaintextServerOnAnHttpsUrl() throws Exception {
        try (RawServer server = RawServer.start((socket, s) -> {
            socket.getInputStream().read(new byte[512]); // a ClientHello: not a request a plaintext server can read
            socket.getOutputStream().write(bytes("HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n"));
            socket.shutdownOutput();
            RawServer.readUntilEof(socket);
        })) {
            Cli.Run run = Cli.run("send", "--insecure", "https://" + server.target() + "/");

            assertEquals(8, run.exit(), run.said());
            assertTrue(run.err().contains("the server answered in plaintext, not TLS: 'HTTP/1.0 400 Bad Request'"), run.err());
            assertFalse(run.err().contains("\tat "), run.err());
        }
    }

    @Test
    void theLadderOfATlsExchange() throws Exception {
        try (TlsServer server = TlsServer.start(V13, handler(Script.ANSWER_CLOSE_NOTIFY_FIN))) {
            Cli.Run run = Cli.run("send", "--insecure", "--ladder", server.url("/hello"));

            assertEquals(0, run.exit(), run.said());
            int sent = server.takeReceived(2000).length;
            List<String> rows = rows(run);
            List<String> expected = List.of(
                    "\\|-+ SYN \\(connect " + Pattern.quote(server.target()) + "\\) -+>\\|",
                    "\\|<-+ SYN\\+ACK -+\\|",
                    "\\|-+ ACK -+>\\|",
                    "\\|<-+ TLSv1\\.3 handshake, ALPN http/1\\.1 -+>\\|",
                    "\\| +\\(TLS_\\w+\\) +\\|",
                    "\\|-+ GET /hello HTTP/1\\.0 \\(" + sent + " B\\) -+>\\|",
                    "\\|-+ close_notify -+>\\|",
                    "\\|-+ FIN -+>\\|",
                    "\\|<-+ HTTP/1\\.0 200 OK -+\\|",
                    "\\|<-+ " + HELLO.length + " B -+\\|",
                    "\\|<-+ close_notify -+\\|",
                    "\\|<-+ FIN -+\\|");
            assertEquals(expected.size(), rows.size(), run.said());
            for (int i = 0; i < rows.size(); i++) {
                assertTrue(rows.get(i).matches(expected.get(i)), "row " + i + " '" + rows.get(i) + "' !~ /" + expected.get(i) + "/");
            }
            assertTrue(lastLine(run).endsWith(" tls=TLSv1.3 close_notify=received"), run.said());
        }
    }

    @Test
    void theLadderSaysWhenAFinCameWithoutClose_notify() throws Exception {
        try (TlsServer server = TlsServer.start(V13, handler(Script.ANSWER_BARE_FIN))) {
            Cli.Run run = Cli.run("send", "--insecure", "--ladder", "--tcp-fin-only", server.url("/"));

            assertEquals(0, run.exit(), run.said());
            List<String> rows = rows(run);
            assertTrue(rows.get(rows.size() - 1).matches("\\|<-+ FIN \\(no close_notify\\) -+\\|"), run.said());
            assertTrue(rows.stream().anyMatch(r -> r.matches("\\|-+ FIN \\(no close_notify\\) -+>\\|")), run.said());
            assertTrue(rows.stream().noneMatch(r -> r.contains("close_notify -")), "no close_notify either way:\n" + run.said());
        }
    }

    @Test
    void theJsonReportCarriesTheTlsFields() throws Exception {
        try (TlsServer server = TlsServer.start(V12, handler(Script.ANSWER_BARE_FIN))) {
            Cli.Run run = Cli.run("send", "--insecure", "--json", "--tcp-fin-only", server.url("/"));

            assertEquals(0, run.exit(), run.said());
            JsonNode r = JSON.readTree(run.err());
            assertEquals("complete", r.get("verdict").asText());
            assertEquals("TLSv1.2", r.get("tls").asText());
            assertTrue(r.get("tlsCipher").asText().startsWith("TLS_ECDHE_ECDSA_"), r.toString());
            assertEquals("http/1.1", r.get("alpn").asText());
            assertFalse(r.get("serverCloseNotify").asBoolean(), r.toString());
            assertTrue(r.get("serverCloseNotify").isBoolean(), r.toString());
        }
    }

    static Stream<Arguments> alpnRows() {
        return Stream.of(
                Arguments.of("the server prefers http/1.1", TlsServer.ALPN, List.of(), "ALPN http/1.1"),
                Arguments.of("a server that speaks only http/1.0", List.of("http/1.0"), List.of(), "ALPN http/1.0"),
                Arguments.of("--http1.1 against an http/1.0-only server", List.of("http/1.0"), List.of("--http1.1"), "ALPN http/1.0"),
                Arguments.of("a server without ALPN", List.of(), List.of(), "no ALPN"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("alpnRows")
    void alpn(String name, List<String> serverAlpn, List<String> args, String said) throws Exception {
        try (TlsServer server = TlsServer.start(V13, TlsServer.LOOPBACK, serverAlpn, handler(Script.ANSWER_CLOSE_NOTIFY_FIN))) {
            List<String> line = new ArrayList<>(List.of("send", "--insecure", "--trace"));
            line.addAll(args);
            line.add(server.url("/"));
            Cli.Run run = Cli.run(line.toArray(String[]::new));

            assertEquals(0, run.exit(), run.said());
            assertTrue(trace(run).get(2).endsWith(", " + said), run.said());
        }
    }

    @Test
    void rawWithTls(@TempDir Path dir) throws Exception {
        byte[] request = bytes("GET /raw HTTP/1.0\n\n");
        Path file = Files.write(dir.resolve("request.txt"), request);
        try (TlsServer server = TlsServer.start(TlsPlan.BOTH, handler(Script.ANSWER_CLOSE_NOTIFY_FIN))) {
            Cli.Run run = Cli.run("send", "--raw", file.toString(), "--tls", "--insecure", server.target());

            assertEquals(0, run.exit(), run.said());
            assertArrayEquals(request, server.takeReceived(2000), "the file's bytes, inside the session");
            assertEquals(ClientEnd.CLOSE_NOTIFY, server.takeClientEnd(2000));
            assertTrue(run.out().endsWith("\r\n\r\nhello"), run.said());
        }
    }

    @Test
    void everyConnectionIsAFullHandshake() throws Exception {
        try (TlsServer server = TlsServer.start(TlsPlan.BOTH, handler(Script.ANSWER_CLOSE_NOTIFY_FIN))) {
            TlsPlan tls = new TlsPlan(TlsPlan.BOTH, TlsServer.LOOPBACK.trust(), true);
            for (int i = 0; i < 3; i++) {
                Exchange.Result r = Exchange.run(plan(server.port(), tls), ResponseMeter.Sink.NONE);
                assertEquals(Verdict.COMPLETE, Verdict.of(r), r.timeline().toString());
            }
            assertEquals(3, server.fullHandshakes(), "no session was resumed");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "--tls http://127.0.0.1:1/",                       // the scheme decides
            "--insecure http://127.0.0.1:1/",                  // TLS options without TLS
            "--tls-version 1.3 http://127.0.0.1:1/",
            "--tcp-fin-only http://127.0.0.1:1/",
            "--insecure --raw @RAW 127.0.0.1:1",               // --raw without --tls
            "--tls-version 1.1 https://127.0.0.1:1/",          // only 1.2 and 1.3
            "--tls-version tls13 https://127.0.0.1:1/",
            "--tcp-fin-only --no-shut https://127.0.0.1:1/",   // no FIN to change
            "--tcp-fin-only --reset https://127.0.0.1:1/",
    })
    void badTlsArgumentsExit2(String line, @TempDir Path dir) throws Exception {
        Path raw = Files.writeString(dir.resolve("req.txt"), "GET / HTTP/1.0\r\n\r\n");
        String[] args = ("send " + line).replace("@RAW", raw.toString()).split(" +");
        Cli.Run run = Cli.run(args);

        assertEquals(2, run.exit(), line + "\n" + run.said());
        assertTrue(run.err().startsWith("halfway-client send: "), run.err());
        assertFalse(run.err().contains("\tat "), run.err());
    }

    @Test
    void helpDescribesTheTlsOptions() {
        Cli.Run run = Cli.run("send", "--help");
        assertEquals(0, run.exit(), run.said());
        String help = (run.out() + run.err()).replaceAll("\\s+", " ");
        for (String needed : List.of("--tls ", "--insecure ", "--tls-version=1.2|1.3", "--tcp-fin-only ",
                "On TLS: our close_notify, then the FIN (what stunnel and socat do)",
                "8 the TLS handshake failed", "https://")) {
            assertTrue(help.contains(needed), needed + " in: " + help);
        }
    }

    private static Plan plan(int port, TlsPlan tls) {
        return new Plan("127.0.0.1", port, List.of(Piece.of(bytes("GET / HTTP/1.0\r\n\r\n"))), AfterSend.SHUT_WR, 0,
                ReadPolicy.EAGER, Duration.ofSeconds(5), tls);
    }

    private static List<String> trace(Cli.Run run) {
        List<String> lines = new ArrayList<>();
        for (String l : run.err().lines().toList()) {
            Matcher m = TRACE_LINE.matcher(l);
            if (m.matches()) {
                lines.add(m.group(2));
            }
        }
        return lines;
    }

    private static List<String> rows(Cli.Run run) {
        List<String> rows = new ArrayList<>();
        for (String l : run.err().lines().toList()) {
            Matcher m = LADDER_ROW.matcher(l);
            if (m.matches()) {
                rows.add(m.group(2));
            }
        }
        return rows;
    }

    private static void assertTrace(Cli.Run run, List<String> patterns) {
        List<String> lines = trace(run);
        assertEquals(patterns.size(), lines.size(), "one trace line per event:\n" + run.said());
        for (int i = 0; i < patterns.size(); i++) {
            assertTrue(lines.get(i).matches(patterns.get(i)), "line " + i + " '" + lines.get(i) + "' !~ /" + patterns.get(i) + "/\n" + run.said());
        }
    }

    private static String lastLine(Cli.Run run) {
        List<String> lines = run.err().lines().toList();
        assertNotNull(lines.isEmpty() ? null : lines);
        return lines.get(lines.size() - 1);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
