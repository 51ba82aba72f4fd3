package dev.halfway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.halfway.client.Timeline.Kind;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.nio.file.Files;
import java.nio.file.Path;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code send --trace} and {@code send --ladder} against real (tiny) servers on loopback. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SendTraceTest {
    private static final Pattern TRACE_LINE = Pattern.compile(" *(\\d+\\.\\d) ms  ([^|].*)");
    private static final Pattern LADDER_ROW = Pattern.compile(" *(\\d+\\.\\d) ms  (\\|.*\\|)");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BODY = 100_000;

    /** Honours half-close: reads to our FIN, then answers a 100 kB body and closes. */
    private static RawServer answering() throws Exception {
        return RawServer.start((socket, s) -> {
            s.record(RawServer.readUntilEof(socket));
            OutputStream out = socket.getOutputStream();
            out.write(bytes("HTTP/1.0 200 OK\r\nContent-Length: " + BODY + "\r\n\r\n"));
            out.write(new byte[BODY]);
        });
    }

    record Line(double millis, String text) {}

    /** The trace lines on stderr (not the ladder's rows, not the report). */
    private static List<Line> trace(Cli.Run run) {
        List<Line> lines = new ArrayList<>();
        for (String l : run.err().lines().toList()) {
            Matcher m = TRACE_LINE.matcher(l);
            if (m.matches()) {
                lines.add(new Line(Double.parseDouble(m.group(1)), m.group(2)));
            }
        }
        return lines;
    }

    /** The ladder's rows on stderr, without their margin. */
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

    private static String lastLine(Cli.Run run) {
        List<String> lines = run.err().strip().lines().toList();
        return lines.get(lines.size() - 1);
    }

    /** Each line's text matches its pattern, one for one, and the times never go backwards. */
    private static void assertTrace(Cli.Run run, String... patterns) {
        List<Line> lines = trace(run);
        assertEquals(patterns.length, lines.size(), "one trace line per event:\n" + run.said());
        assertEquals(0.0, lines.get(0).millis(), "the trace starts at connect:\n" + run.said());
        for (int i = 0; i < patterns.length; i++) {
            assertTrue(lines.get(i).text().matches(patterns[i]),
                    "line " + i + " '" + lines.get(i).text() + "' !~ /" + patterns[i] + "/\n" + run.said());
            if (i > 0) {
                assertTrue(lines.get(i).millis() >= lines.get(i - 1).millis(), "time runs forwards:\n" + run.said());
            }
        }
    }

    /** Each row matches its pattern, one for one. */
    private static void assertLadder(Cli.Run run, String... patterns) {
        List<String> rows = rows(run);
        assertEquals(patterns.length, rows.size(), "one row per arrow:\n" + run.said());
        for (int i = 0; i < patterns.length; i++) {
            assertTrue(rows.get(i).matches(patterns[i]), "row " + i + " '" + rows.get(i) + "' !~ /" + patterns[i] + "/\n" + run.said());
        }
        assertTrue(run.err().contains("          client                                          server\n"), run.said());
    }

    @Test
    void traceOfAHalfCloseExchange() throws Exception {
        try (RawServer server = answering()) {
            Cli.Run run = Cli.run("send", "--trace", server.url("/big"));

            assertEquals(0, run.exit(), run.said());
            byte[] request = server.takeReceived(2000);
            assertNotNull(request);
            int response = run.outBytes().length;
            assertEquals(BODY + "HTTP/1.0 200 OK\r\nContent-Length: 100000\r\n\r\n".length(), response, "stdout is the response, only");
            assertTrace(run,
                    "connect " + Pattern.quote(server.target()),
                    "connected",
                    "sent " + request.length + " B",
                    Pattern.quote("our FIN (shutdown SHUT_WR)"),
                    "first response byte",
                    "received " + response + " B( in \\d+ reads from \\d+\\.\\d ms)?",
                    "server FIN");
            assertTrue(lastLine(run).startsWith("complete status=200 "), "the report still comes last:\n" + run.said());
        }
    }

    @Test
    void traceAgainstAServerThatClosesOnOurFin() throws Exception {
        try (EofClosingServer server = EofClosingServer.start()) {
            Cli.Run run = Cli.run("send", "--trace", server.url("/hc-small.txt"));

            assertEquals(3, run.exit(), run.said());
            int sent = server.takeReceived(2000).length;
            assertTrace(run, "connect .*", "connected", "sent " + sent + " B", Pattern.quote("our FIN (shutdown SHUT_WR)"),
                    "server FIN");
            assertTrue(lastLine(run).startsWith("no-response "), run.said());
            assertEquals(0, run.outBytes().length);
        }
    }

    @Test
    void ladderOfAHalfCloseExchange() throws Exception {
        try (RawServer server = answering()) {
            Cli.Run run = Cli.run("send", "--ladder", server.url("/big"));

            assertEquals(0, run.exit(), run.said());
            int sent = server.takeReceived(2000).length;
            assertLadder(run,
                    "\\|-+ SYN \\(connect " + Pattern.quote(server.target()) + "\\) -+>\\|",
                    "\\|<-+ SYN\\+ACK -+\\|",
                    "\\|-+ ACK -+>\\|",
                    "\\|-+ GET /big HTTP/1.0 \\(" + sent + " B\\) -+>\\|",
                    "\\|-+ FIN -+>\\|",
                    "\\|<-+ HTTP/1.0 200 OK -+\\|",
                    "\\|<-+ " + run.outBytes().length + " B -+\\|",
                    "\\|<-+ FIN -+\\|");
            assertTrue(trace(run).isEmpty(), "--ladder alone prints no trace:\n" + run.said());
            assertTrue(lastLine(run).startsWith("complete "), run.said());
        }
    }

    @Test
    void ladderAgainstAServerThatClosesOnOurFin() throws Exception {
        try (EofClosingServer server = EofClosingServer.start()) {
            Cli.Run run = Cli.run("send", "--ladder", server.url("/hc-small.txt"));

            assertEquals(3, run.exit(), run.said());
            assertLadder(run, "\\|-+ SYN .*>\\|", "\\|<-+ SYN\\+ACK -+\\|", "\\|-+ ACK -+>\\|",
                    "\\|-+ GET /hc-small.txt HTTP/1.0 \\(\\d+ B\\) -+>\\|",
                    "\\|-+ FIN -+>\\|",
                    "\\|<-+ FIN -+\\|");
            assertTrue(lastLine(run).startsWith("no-response "), run.said());
        }
    }

    @Test
    void traceAndLadderTogetherTraceFirst() throws Exception {
        try (RawServer server = answering()) {
            Cli.Run run = Cli.run("send", "--trace", "--ladder", server.url("/"));

            assertEquals(0, run.exit(), run.said());
            assertEquals(7, trace(run).size(), run.said());
            assertEquals(8, rows(run).size(), run.said());
            String err = run.err();
            assertTrue(err.indexOf("server FIN\n") < err.indexOf("client   "), "the trace, then the ladder:\n" + err);
            assertTrue(err.indexOf("client   ") < err.indexOf("complete status=200"), "then the report:\n" + err);
        }
    }

    @Test
    void noShutTimesOutWithoutOurFin() throws Exception {
        try (EofClosingServer server = EofClosingServer.start()) {
            Cli.Run run = Cli.run("send", "--no-shut", "--timeout", "400", "--trace", "--ladder", server.url("/"));

            assertEquals(6, run.exit(), run.said());
            assertTrace(run, "connect .*", "connected", "sent \\d+ B", "timeout");
            assertTrue(trace(run).get(3).millis() >= 350, "timed out after about 400 ms:\n" + run.said());
            List<String> rows = rows(run);
            assertTrue(rows.get(rows.size() - 1).matches("\\| +\\(timeout: no FIN, no RST came\\) +\\|"), run.said());
            assertTrue(rows.stream().noneMatch(r -> r.contains(" FIN -")), "no FIN either way:\n" + run.said());
        }
    }

    @Test
    void closeAndResetAreOurs() throws Exception {
        try (EofClosingServer server = EofClosingServer.start()) {
            Cli.Run close = Cli.run("send", "--close", "--trace", "--ladder", server.url("/"));
            assertEquals(0, close.exit(), close.said());
            assertTrace(close, "connect .*", "connected", "sent \\d+ B", Pattern.quote("our FIN (close)"));
            List<String> rows = rows(close);
            assertTrue(rows.get(rows.size() - 1).matches("\\|-+ FIN \\(close\\) -+>\\|"), close.said());

            Cli.Run reset = Cli.run("send", "--reset", "--trace", "--ladder", server.url("/"));
            assertEquals(0, reset.exit(), reset.said());
            assertTrace(reset, "connect .*", "connected", "sent \\d+ B", Pattern.quote("our RST (reset: SO_LINGER 0, close)"));
            rows = rows(reset);
            assertTrue(rows.get(rows.size() - 1).matches("\\|-+ RST \\(reset\\) -+X-->\\|"), reset.said());
        }
    }

    /** The deterministic abort of {@link SendRawServerTest#aResetAfterSomeBytesIsReset}: bytes, then RST. */
    @RepeatedTest(2)
    void anRstMidBody() throws Exception {
        int bodySize = 2 << 20;
        CountDownLatch aborted = new CountDownLatch(1);
        try (RawServer server = RawServer.start(RawServer.abortingMidBody(bodySize, aborted))) {
            Cli.Run run = Cli.run("send", "--trace", "--ladder", "--read-delay", "300", "--rcvbuf", "16384", server.url("/2m"));

            assertTrue(aborted.await(2, TimeUnit.SECONDS));
            assertEquals(5, run.exit(), run.said());
            assertTrace(run, "connect .*", "connected", "sent \\d+ B", Pattern.quote("our FIN (shutdown SHUT_WR)"),
                    "first response byte", "received " + run.outBytes().length + " B( in .*)?", "RST( \\(.*\\))?");
            assertTrue(trace(run).get(4).millis() >= 250, "nothing was read before --read-delay:\n" + run.said());
            List<String> rows = rows(run);
            assertTrue(rows.get(rows.size() - 3).matches("\\|<-+ HTTP/1.0 200 OK -+\\|"), run.said());
            assertTrue(rows.get(rows.size() - 1).matches("\\|<--X-+ RST -+\\|"), run.said());
        }
    }

    @Test
    void aLateFinSplitsTheBytesReceived() throws Exception {
        // The server answers as soon as the head is in; our FIN follows 300 ms later.
        try (RawServer server = RawServer.start((socket, s) -> {
            RawServer.readHead(socket);
            socket.getOutputStream().write(bytes("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"));
            RawServer.readUntilEof(socket);
        })) {
            Cli.Run run = Cli.run("send", "--shut-wr-after", "300", "--trace", "--ladder", server.url("/"));

            assertEquals(0, run.exit(), run.said());
            assertTrace(run, "connect .*", "connected", "sent \\d+ B", "first response byte", "received 40 B",
                    Pattern.quote("our FIN (shutdown SHUT_WR)"), "server FIN");
            assertTrue(trace(run).get(5).millis() >= 280, run.said());
            assertLadder(run, "\\|-+ SYN .*>\\|", "\\|<-+ SYN\\+ACK -+\\|", "\\|-+ ACK -+>\\|", "\\|-+ GET / HTTP/1.0 .*>\\|",
                    "\\|<-+ HTTP/1.0 200 OK -+\\|", "\\|<-+ 40 B -+\\|", "\\|-+ FIN -+>\\|", "\\|<-+ FIN -+\\|");
        }
    }

    @Test
    void anHttp09Response(@TempDir Path dir) throws Exception {
        // An HTTP/0.9 Simple-Request, answered by a Simple-Response: body only, no status line.
        Path request = Files.write(dir.resolve("simple.txt"), bytes("GET /simple\r\n"));
        try (RawServer server = RawServer.start((socket, s) -> {
            s.record(RawServer.readUntilEof(socket));
            socket.getOutputStream().write(bytes("<p>no status line</p>\n"));
        })) {
            Cli.Run run = Cli.run("send", "--ladder", "--raw", request.toString(), server.target());

            assertEquals(0, run.exit(), run.said());
            assertEquals("GET /simple\r\n", new String(server.takeReceived(2000), StandardCharsets.ISO_8859_1));
            assertEquals("<p>no status line</p>\n", run.out());
            assertLadder(run, "\\|-+ SYN .*>\\|", "\\|<-+ SYN\\+ACK -+\\|", "\\|-+ ACK -+>\\|",
                    "\\|-+ GET /simple \\(13 B\\) -+>\\|", "\\|-+ FIN -+>\\|",
                    "\\|<-+ HTTP/0.9: no status line -+\\|", "\\|<-+ 22 B -+\\|", "\\|<-+ FIN -+\\|");
        }
    }

    @Test
    void aRefusedConnection() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = probe.getLocalPort();
        }
        Cli.Run run = Cli.run("send", "--trace", "--ladder", "http://127.0.0.1:" + port + "/");

        assertEquals(7, run.exit(), run.said());
        assertTrace(run, "connect 127.0.0.1:" + port, "connect failed: Connection refused");
        assertLadder(run, "\\|-+ SYN \\(connect 127.0.0.1:" + port + "\\) -+>\\|", "\\|<--X-+ RST \\(connection refused\\) -+\\|");
        assertTrue(lastLine(run).startsWith("connect-failed "), run.said());
    }

    @Test
    void aNameShowsTheAddressItResolvedTo() throws Exception {
        try (RawServer server = answering()) {
            Cli.Run run = Cli.run("send", "--trace", "http://localhost:" + server.port() + "/");
            assertEquals(0, run.exit(), run.said());
            List<Line> lines = trace(run);
            assertEquals("connect localhost:" + server.port(), lines.get(0).text());
            assertTrue(lines.get(1).text().matches("connected to (127\\.0\\.0\\.1|\\[0:0:0:0:0:0:0:1\\]):" + server.port()),
                    run.said());
        }
    }

    @Test
    void theJsonReportStaysTheLastLine() throws Exception {
        try (RawServer server = answering()) {
            Cli.Run run = Cli.run("send", "--json", "--trace", server.url("/"));
            assertEquals(0, run.exit(), run.said());
            JsonNode r = JSON.readTree(lastLine(run));
            assertEquals("complete", r.get("verdict").asText());
            assertEquals(7, trace(run).size(), run.said());
        }
    }

    @Test
    void theTimelineAgreesWithTheReport() throws Exception {
        try (RawServer server = answering()) {
            Plan plan = new Plan("127.0.0.1", server.port(), List.of(Piece.of(bytes("GET / HTTP/1.0\r\n\r\n"))),
                    AfterSend.SHUT_WR, 0, ReadPolicy.EAGER, Duration.ofSeconds(5));
            Exchange.Result r = Exchange.run(plan, ResponseMeter.Sink.NONE);

            Timeline t = r.timeline();
            assertEquals(List.of(Kind.CONNECT, Kind.CONNECTED, Kind.SENT, Kind.OUR_FIN, Kind.FIRST_BYTE, Kind.RECEIVED,
                    Kind.SERVER_FIN), t.kinds());
            assertEquals(18, t.first(Kind.SENT).bytes());
            assertEquals(r.sentBytes(), t.first(Kind.SENT).bytes());
            assertEquals(r.meter().totalBytes(), t.first(Kind.RECEIVED).bytes());
            long connected = t.first(Kind.CONNECTED).nanos();
            assertEquals(r.firstByteMillis(), (t.first(Kind.FIRST_BYTE).nanos() - connected) / 1e6, 1e-6,
                    "the report's first-byte time is the timeline's, counted from the connection's establishment");
            assertEquals(r.ourFinMillis(), (t.first(Kind.OUR_FIN).nanos() - connected) / 1e6, 1e-6);
            assertTrue(t.events().size() <= 8, "a handful of events for 100 kB: " + t);
        }
    }

    @Test
    void stoppingAfterNBytesRecordsHowWeClosed() throws Exception {
        try (RawServer server = answering()) {
            // regress's "read N bytes and go": 100 kB come, we take 10 and close with the rest unread
            Plan plan = new Plan("127.0.0.1", server.port(), List.of(Piece.of(bytes("GET / HTTP/1.0\r\n\r\n"))),
                    AfterSend.SHUT_WR, 0, new ReadPolicy(200, 0, -1, 10, 0), Duration.ofSeconds(5));
            Exchange.Result r = Exchange.run(plan, ResponseMeter.Sink.NONE);

            assertEquals(StreamEnd.CLOSED, r.end());
            List<Kind> kinds = r.timeline().kinds();
            assertEquals(List.of(Kind.CONNECT, Kind.CONNECTED, Kind.SENT, Kind.OUR_FIN, Kind.FIRST_BYTE, Kind.RECEIVED,
                    Kind.OUR_RST), kinds, r.timeline().toString());
            assertEquals(10, r.timeline().first(Kind.RECEIVED).bytes());
            assertTrue(r.timeline().first(Kind.OUR_RST).detail().matches("close with \\d+ B unread"), r.timeline().toString());
        }
    }

    @Test
    void againstMockWebServer() throws Exception {
        MockWebServer server = new MockWebServer();
        server.start(InetAddress.getByName("127.0.0.1"), 0);
        try {
            server.enqueue(new MockResponse().setBody("hello, halfway"));
            Cli.Run run = Cli.run("send", "--trace", "--ladder", "http://127.0.0.1:" + server.getPort() + "/m");

            assertEquals(0, run.exit(), run.said());
            assertTrace(run, "connect .*", "connected", "sent \\d+ B", Pattern.quote("our FIN (shutdown SHUT_WR)"),
                    "first response byte", "received " + run.outBytes().length + " B( in .*)?", "server FIN");
            assertTrue(rows(run).stream().anyMatch(r -> r.matches("\\|<-+ HTTP/1.1 200 OK -+\\|")), run.said());
            assertEquals("GET /m HTTP/1.0", server.takeRequest(2, TimeUnit.SECONDS).getRequestLine());
        } finally {
            server.shutdown();
        }
    }

    @Test
    void helpDescribesTheOptions() {
        Cli.Run run = Cli.run("send", "--help");
        assertEquals(0, run.exit(), run.said());
        String help = (run.out() + run.err()).replaceAll("\\s+", " ");
        assertTrue(help.contains("--trace"), help);
        assertTrue(help.contains("--ladder"), help);
        assertTrue(help.contains("--ladder Draw the exchange on stderr as a text sequence diagram"), help);
        assertTrue(help.contains("--trace Print the client's timeline to stderr"), help);
        assertTrue(help.contains("--trace and --ladder show what the client saw of the connection"), help);
        assertTrue(help.contains("server FIN, RST or timeout"), help);
        assertFalse(help.contains("\tat "), help);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
