package dev.halfway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code bench} against tiny raw-socket servers: counts, failure kinds, the JSON shape and the exit status. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class BenchCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] HELLO = ascii("HTTP/1.0 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello");

    /** Answers after the request head, without waiting for the client's FIN, then closes. */
    private static RawServer answering(byte[] response) throws Exception {
        return RawServer.start((socket, s) -> {
            s.record(RawServer.readHead(socket));
            write(socket, response);
        });
    }

    @Test
    void countsEveryRequestAndPrintsTheJsonShape() throws Exception {
        try (RawServer server = answering(HELLO)) {
            Cli.Run run = Cli.run("bench", "--clients", "4", "--requests", "40", "--json", server.url("/hello.txt"));

            assertEquals(0, run.exit(), run.said());
            JsonNode r = JSON.readTree(run.out());
            List<String> fields = new ArrayList<>();
            r.fieldNames().forEachRemaining(fields::add);
            assertEquals(List.of("url", "clients", "requests", "warmup", "afterSend", "completed", "failed", "failures",
                    "errors", "elapsedSeconds", "requestsPerSecond", "bodyBytes", "headBytes", "bodyMBPerSecond",
                    "bodyGBPerSecond", "latencyMs"), fields);
            assertEquals(server.url("/hello.txt"), r.get("url").asText());
            assertEquals(4, r.get("clients").asInt());
            assertEquals(40, r.get("requests").asLong());
            assertEquals("no-shut", r.get("afterSend").asText());
            assertEquals(40, r.get("completed").asLong());
            assertEquals(0, r.get("failed").asLong());
            assertEquals(List.of("status", "truncated", "reset", "timeout", "connect", "tls", "io"), names(r.get("failures")));
            r.get("failures").forEach(v -> assertEquals(0, v.asLong(), r.toString()));
            assertEquals(0, r.get("errors").size());
            assertEquals(40 * 5, r.get("bodyBytes").asLong());
            assertEquals(40L * (HELLO.length - 5), r.get("headBytes").asLong());
            assertTrue(r.get("elapsedSeconds").asDouble() > 0, r.toString());
            assertTrue(r.get("requestsPerSecond").asDouble() > 0, r.toString());
            assertTrue(r.get("bodyMBPerSecond").asDouble() > 0, r.toString());
            JsonNode latency = r.get("latencyMs");
            assertEquals(List.of("p50", "p90", "p99", "max", "mean"), names(latency));
            assertTrue(latency.get("p50").asDouble() > 0, r.toString());
            assertTrue(latency.get("p50").asDouble() <= latency.get("p90").asDouble(), r.toString());
            assertTrue(latency.get("p90").asDouble() <= latency.get("p99").asDouble(), r.toString());
            assertTrue(latency.get("p99").asDouble() <= latency.get("max").asDouble(), r.toString());

            assertEquals(40, server.connections(), "one connection per request");
            byte[] request = server.takeReceived(1000);
            assertNotNull(request);
            assertEquals("GET /hello.txt HTTP/1.0\r\nHost: " + server.target() + "\r\n\r\n", ascii(request));
        }
    }

    @Test
    void theTextSummaryHasTheSameFigures() throws Exception {
        try (RawServer server = answering(HELLO)) {
            Cli.Run run = Cli.run("bench", "-c", "2", "-n", "10", server.url("/"));

            assertEquals(0, run.exit(), run.said());
            String out = run.out();
            assertTrue(out.startsWith("bench " + server.url("/") + ": 10 requests over 2 clients (no-shut), 10 completed"), out);
            assertTrue(out.contains("\nrequests/s:  "), out);
            assertTrue(out.contains(" MB/s  (50 bytes)"), out);
            assertTrue(out.matches("(?s).*latency ms:  p50 [0-9.]+  p90 [0-9.]+  p99 [0-9.]+  max [0-9.]+.*"), out);
            assertTrue(out.strip().endsWith("failures:    0"), out);
        }
    }

    @Test
    void theWarmupIsRunButNotCounted() throws Exception {
        try (RawServer server = answering(HELLO)) {
            Cli.Run run = Cli.run("bench", "-c", "3", "-n", "9", "--warmup", "6", "--json", server.url("/"));

            assertEquals(0, run.exit(), run.said());
            JsonNode r = JSON.readTree(run.out());
            assertEquals(9, r.get("completed").asLong());
            assertEquals(45, r.get("bodyBytes").asLong());
            assertEquals(15, server.connections());
        }
    }

    @Test
    void shutWrSendsOurFinSoAServerThatWaitsForItAnswers() throws Exception {
        // This server answers only after the client's EOF: without --shut-wr nothing would come.
        try (RawServer server = RawServer.start((socket, s) -> {
            s.record(RawServer.readUntilEof(socket));
            write(socket, HELLO);
        })) {
            Cli.Run run = Cli.run("bench", "-c", "4", "-n", "20", "--shut-wr", "--json", server.url("/"));

            assertEquals(0, run.exit(), run.said());
            JsonNode r = JSON.readTree(run.out());
            assertEquals("shut-wr", r.get("afterSend").asText());
            assertEquals(20, r.get("completed").asLong());
            assertEquals(100, r.get("bodyBytes").asLong());

            Cli.Run noShut = Cli.run("bench", "-c", "2", "-n", "2", "--no-shut", "--timeout", "300", "--json", server.url("/"));
            assertEquals(1, noShut.exit(), noShut.said());
            JsonNode t = JSON.readTree(noShut.out());
            assertEquals(2, t.get("failures").get("timeout").asLong(), t.toString());
            assertEquals(0, t.get("completed").asLong());
            assertTrue(t.get("errors").get("timeout").asText().contains("300 ms"), t.toString());
        }
    }

    @Test
    void eachKindOfFailureIsCountedAndTheExitIsOne() throws Exception {
        // Requests take turns: fine, 404, short body, unfinished head.
        List<byte[]> answers = List.of(HELLO, ascii("HTTP/1.0 404 Not Found\r\nContent-Length: 3\r\n\r\nno\n"),
                ascii("HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nabc"), ascii("HTTP/1.0 200 OK\r\nContent-Le"));
        AtomicInteger turn = new AtomicInteger();
        try (RawServer server = RawServer.start((socket, s) -> {
            RawServer.readHead(socket);
            write(socket, answers.get(turn.getAndIncrement() % answers.size()));
        })) {
            Cli.Run run = Cli.run("bench", "-c", "1", "-n", "8", "--json", server.url("/"));

            assertEquals(1, run.exit(), run.said());
            JsonNode r = JSON.readTree(run.out());
            assertEquals(2, r.get("completed").asLong(), r.toString());
            assertEquals(6, r.get("failed").asLong(), r.toString());
            assertEquals(2, r.get("failures").get("status").asLong(), r.toString());
            assertEquals(4, r.get("failures").get("truncated").asLong(), r.toString());
            assertEquals("status 404", r.get("errors").get("status").asText());
            assertTrue(r.get("errors").get("truncated").asText().startsWith("body 3 of Content-Length 10"), r.toString());

            Cli.Run text = Cli.run("bench", "-c", "1", "-n", "4", server.url("/"));
            assertEquals(1, text.exit(), text.said());
            assertTrue(text.out().contains("failures:    3 (status 1 (first: status 404), truncated 2"), text.out());
        }
    }

    @Test
    void aResetIsCountedAsReset() throws Exception {
        try (RawServer server = RawServer.start((socket, s) -> {
            RawServer.readHead(socket);
            socket.setTcpNoDelay(true); // the write below leaves at once, ahead of the RST
            socket.getOutputStream().write(ascii("HTTP/1.0 200 OK\r\nContent-Length: 100000\r\n\r\npartial"));
            socket.getOutputStream().flush();
            socket.setSoLinger(true, 0); // close with RST
        })) {
            Cli.Run run = Cli.run("bench", "-c", "2", "-n", "6", "--json", server.url("/"));

            assertEquals(1, run.exit(), run.said());
            JsonNode r = JSON.readTree(run.out());
            assertEquals(6, r.get("failures").get("reset").asLong(), r.toString());
            assertEquals(0, r.get("completed").asLong());
        }
    }

    @Test
    void aRefusedConnectionIsCounted() throws Exception {
        int port;
        try (RawServer server = answering(HELLO)) {
            port = server.port();
        }
        Cli.Run run = Cli.run("bench", "-n", "3", "--json", "http://127.0.0.1:" + port + "/");
        assertEquals(1, run.exit(), run.said());
        JsonNode r = JSON.readTree(run.out());
        assertEquals(3, r.get("failures").get("connect").asLong(), r.toString());
    }

    @Test
    void badArgumentsAreUsageErrors() {
        assertEquals(2, Cli.run("bench", "--clients", "0", "http://127.0.0.1:1/").exit());
        assertEquals(2, Cli.run("bench", "--shut-wr", "--no-shut", "http://127.0.0.1:1/").exit());
        Cli.Run ftp = Cli.run("bench", "ftp://127.0.0.1/");
        assertEquals(2, ftp.exit(), ftp.said());
        assertTrue(ftp.err().contains("only http://"), ftp.said());
    }

    @Test
    void overTlsEachRequestIsAFullHandshakeThatHalfClosesWithClose_notify() throws Exception {
        try (TlsServer server = TlsServer.start(TlsPlan.BOTH, conn -> {
            conn.readToEnd();
            conn.write(HELLO);
            conn.closeNotify();
            conn.fin();
        })) {
            Cli.Run run = Cli.run("bench", "--insecure", "--shut-wr", "-c", "2", "-n", "6", "--json", server.url("/hello.txt"));

            assertEquals(0, run.exit(), run.said());
            JsonNode r = JSON.readTree(run.out());
            assertEquals(6, r.get("completed").asLong(), r.toString());
            assertEquals(6 * 5, r.get("bodyBytes").asLong(), "the decrypted bodies: " + r);
            assertEquals(6, server.fullHandshakes(), "no session was resumed");
            for (int i = 0; i < 6; i++) {
                assertEquals(TlsServer.ClientEnd.CLOSE_NOTIFY, server.takeClientEnd(2000), "request " + i + ": " + run.said());
            }
            assertEquals("GET /hello.txt HTTP/1.0\r\nHost: " + server.target() + "\r\n\r\n", ascii(server.takeReceived(1000)));
        }
    }

    @Test
    void overTlsAnUntrustedCertificateFailsEveryRequestAsTls() throws Exception {
        try (TlsServer server = TlsServer.start(TlsPlan.BOTH, conn -> conn.readToEnd())) {
            Cli.Run run = Cli.run("bench", "-n", "3", "--json", server.url("/"));

            assertEquals(1, run.exit(), run.said());
            JsonNode r = JSON.readTree(run.out());
            assertEquals(3, r.get("failures").get("tls").asLong(), r.toString());
            assertEquals(3, r.get("failed").asLong(), r.toString());
            assertTrue(r.get("errors").get("tls").asText().startsWith("the server's certificate is not trusted"), r.toString());
        }
    }

    @Test
    void tlsOptionsNeedAnHttpsUrl() {
        for (String args : List.of("--tls http://127.0.0.1:1/", "--insecure http://127.0.0.1:1/",
                "--tls-version 1.3 http://127.0.0.1:1/", "--tls-version 1.0 https://127.0.0.1:1/")) {
            Cli.Run run = Cli.run(("bench " + args).split(" "));
            assertEquals(2, run.exit(), args + ": " + run.said());
            assertTrue(run.err().startsWith("halfway-client bench: "), run.err());
        }
    }

    private static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

    private static void write(Socket socket, byte[] bytes) throws Exception {
        OutputStream out = socket.getOutputStream();
        out.write(bytes);
        out.flush();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String ascii(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }
}
