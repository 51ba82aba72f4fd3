package dev.halfway.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import okhttp3.mockwebserver.SocketPolicy;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code send} against okhttp's MockWebServer (the legacy {@code okhttp3.mockwebserver} API of
 * 5.3.2, which delegates to mockwebserver3).
 *
 * <p>What MockWebServer does with our connection, read from its source and seen here:
 * <ul>
 *   <li>It answers with {@code HTTP/1.1 200 OK} and, by default (KEEP_OPEN), keeps the connection
 *       for the next request whatever the request's version: it ignores that an HTTP/1.0 request
 *       without keep-alive ends the connection. It only closes when it reads EOF where the next
 *       request line would be. So with our default {@code --shut-wr} it sees our FIN after the
 *       response and closes: FIN, complete. With {@code --no-shut} it waits for a second request
 *       forever and we time out (asserted below); {@code --no-shut} needs DISCONNECT_AT_END or
 *       SHUTDOWN_OUTPUT_AT_END.</li>
 *   <li>DISCONNECT_DURING_RESPONSE_BODY writes exactly half of the body (Content-Length / 2),
 *       flushes and closes. Our FIN is not unread data, so the close is a FIN, never an RST: the
 *       verdict is deterministically "truncated".</li>
 *   <li>NO_RESPONSE records the request, then stalls (sleeps while the socket is open).</li>
 *   <li>A GET with a body makes it throw (okhttp's HttpMethod does not permit one), so --data is
 *       tested with POST.</li>
 * </ul>
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class SendMockWebServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private MockWebServer server;

    @BeforeEach
    void start() throws Exception {
        server = new MockWebServer();
        server.start(InetAddress.getByName("127.0.0.1"), 0);
    }

    @AfterEach
    void stop() throws Exception {
        server.shutdown();
    }

    private String url(String pathAndQuery) {
        return "http://127.0.0.1:" + server.getPort() + pathAndQuery;
    }

    @Test
    void parsesANormalResponseAndSendsAnHttp10Request() throws Exception {
        server.enqueue(new MockResponse().setBody("hello, halfway").setHeader("X-Served-By", "mock"));

        Cli.Run run = Cli.run("send", "-X", "POST", "-H", "X-Extra: one two", "--data", "a=1&b=2",
                url("/some/path?q=1"));

        assertEquals(0, run.exit(), run.said());
        String out = run.out();
        assertTrue(out.startsWith("HTTP/1.1 200 OK\r\n"), run.said());
        assertTrue(out.contains("\r\nX-Served-By: mock\r\n"), run.said());
        assertTrue(out.contains("\r\nContent-Length: 14\r\n"), run.said());
        assertTrue(out.endsWith("\r\n\r\nhello, halfway"), "stdout is head then body, like curl -i:\n" + run.said());
        int headBytes = out.indexOf("\r\n\r\n") + 4;
        String report = run.err().strip();
        assertFalse(report.contains("\n"), "the report is one line: " + report);
        assertTrue(report.startsWith("complete status=200 head=" + headBytes + "B body=14/14B "), report);
        assertTrue(report.endsWith(" end=FIN"), report);
        assertTrue(report.matches(".* first-byte=\\d+\\.\\dms fin->first-byte=-?\\d+\\.\\dms .*"), report);

        RecordedRequest request = server.takeRequest(2, TimeUnit.SECONDS);
        assertNotNull(request, "MockWebServer got no request");
        assertEquals("POST /some/path?q=1 HTTP/1.0", request.getRequestLine());
        assertEquals("POST", request.getMethod());
        assertEquals("/some/path?q=1", request.getPath());
        assertEquals("127.0.0.1:" + server.getPort(), request.getHeader("Host"));
        assertTrue(request.getHeader("User-Agent").startsWith("halfway-client/"), request.getHeader("User-Agent"));
        assertEquals("one two", request.getHeader("X-Extra"));
        assertEquals("7", request.getHeader("Content-Length"));
        assertEquals("a=1&b=2", request.getBody().readUtf8());
        assertEquals(java.util.Set.of("Host", "User-Agent", "X-Extra", "Content-Length"), request.getHeaders().names(),
                "no other fields were sent: " + request.getHeaders());
    }

    @Test
    void jsonReport() throws Exception {
        byte[] body = randomBytes(4000, 7);
        server.enqueue(new MockResponse().setBody(new Buffer().write(body)));

        Cli.Run run = Cli.run("send", "--json", url("/f.bin"));

        assertEquals(0, run.exit(), run.said());
        JsonNode r = JSON.readTree(run.err());
        assertEquals("complete", r.get("verdict").asText());
        assertEquals(0, r.get("exit").asInt());
        assertEquals(200, r.get("status").asInt());
        assertFalse(r.get("simpleResponse").asBoolean());
        assertEquals(4000, r.get("bodyBytes").asLong());
        assertEquals(4000, r.get("contentLength").asLong());
        assertEquals("FIN", r.get("end").asText());
        assertEquals(sha256(body), r.get("bodySha256").asText());
        assertEquals(run.outBytes().length - 4000, r.get("headBytes").asLong());
        assertTrue(r.get("firstByteMs").isNumber(), r.toString());
        assertTrue(r.get("finToFirstByteMs").isNumber() && r.get("finToFirstByteMs").asDouble() >= 0,
                "we half-closed right after the request, before any response byte: " + r);
        assertTrue(r.get("sentBytes").asLong() > 0, r.toString());
        assertTrue(r.get("error").isNull(), r.toString());
        assertArrayEquals(body, java.util.Arrays.copyOfRange(run.outBytes(), run.outBytes().length - 4000, run.outBytes().length));
        assertEquals("GET /f.bin HTTP/1.0", server.takeRequest(2, TimeUnit.SECONDS).getRequestLine());
    }

    @Test
    void truncatedWhenTheServerDisconnectsDuringTheBody() throws Exception {
        byte[] body = randomBytes(1 << 20, 1);
        server.enqueue(new MockResponse().setBody(new Buffer().write(body))
                .setSocketPolicy(SocketPolicy.DISCONNECT_DURING_RESPONSE_BODY));

        Cli.Run run = Cli.run("send", "--json", url("/big"));

        // MockWebServer writes half the body, flushes and close()s. Nothing we sent is unread there
        // (our FIN is not data), so its kernel sends a FIN, not an RST: always "truncated", exit 4.
        assertEquals(4, run.exit(), run.said());
        JsonNode r = JSON.readTree(run.err());
        assertEquals("truncated", r.get("verdict").asText());
        assertEquals(200, r.get("status").asInt());
        assertEquals(1 << 20, r.get("contentLength").asLong());
        assertEquals(512 * 1024, r.get("bodyBytes").asLong(), "MockWebServer cuts the body at half its length");
        assertEquals("FIN", r.get("end").asText());
        byte[] out = run.outBytes();
        assertArrayEquals(java.util.Arrays.copyOf(body, 512 * 1024),
                java.util.Arrays.copyOfRange(out, out.length - 512 * 1024, out.length), "the half that came is on stdout");
    }

    @Test
    void truncatedTextReport() throws Exception {
        server.enqueue(new MockResponse().setBody(new Buffer().write(randomBytes(1 << 20, 2)))
                .setSocketPolicy(SocketPolicy.DISCONNECT_DURING_RESPONSE_BODY));

        Cli.Run run = Cli.run("send", url("/big"));

        assertEquals(4, run.exit(), run.said());
        assertTrue(run.err().startsWith("truncated status=200 "), run.err());
        assertTrue(run.err().contains(" body=524288/1048576B "), run.err());
    }

    @Test
    void timeoutWhenTheServerDoesNotAnswer() throws Exception {
        server.enqueue(new MockResponse().setBody("never sent").setSocketPolicy(SocketPolicy.NO_RESPONSE));

        Cli.Run run = Cli.run("send", "--timeout", "500", url("/silence"));

        assertEquals(6, run.exit(), run.said());
        assertTrue(run.err().startsWith("timeout status=- head=0B body=0/?B "), run.err());
        assertTrue(run.err().strip().endsWith("end=TIMEOUT"), run.err());
        assertTrue(run.millis() >= 450, "gave up too soon: " + run.millis() + " ms");
        assertTrue(run.millis() < 3000, "--timeout 500 took " + run.millis() + " ms");
        assertEquals(0, run.outBytes().length);
        assertEquals("GET /silence HTTP/1.0", server.takeRequest(2, TimeUnit.SECONDS).getRequestLine());
    }

    @Test
    void timeoutJson() throws Exception {
        server.enqueue(new MockResponse().setSocketPolicy(SocketPolicy.NO_RESPONSE));

        Cli.Run run = Cli.run("send", "--json", "--timeout", "300", url("/"));

        assertEquals(6, run.exit(), run.said());
        JsonNode r = JSON.readTree(run.err());
        assertEquals("timeout", r.get("verdict").asText());
        assertEquals(6, r.get("exit").asInt());
        assertEquals("TIMEOUT", r.get("end").asText());
        assertTrue(r.get("status").isNull() && r.get("firstByteMs").isNull(), r.toString());
    }

    @Test
    void theServersOwnHalfCloseIsAFin() throws Exception {
        server.enqueue(new MockResponse().setBody("shut output")
                .setSocketPolicy(SocketPolicy.SHUTDOWN_OUTPUT_AT_END));

        Cli.Run run = Cli.run("send", "--json", url("/shut"));

        assertEquals(0, run.exit(), run.said());
        JsonNode r = JSON.readTree(run.err());
        assertEquals("complete", r.get("verdict").asText());
        assertEquals("FIN", r.get("end").asText());
        assertEquals(11, r.get("bodyBytes").asLong());
        assertEquals(11, r.get("contentLength").asLong());
        assertTrue(run.out().endsWith("\r\n\r\nshut output"), run.said());
    }

    @Test
    void theServersOwnHalfCloseEndsTheResponseEvenWhenWeKeepOurSideOpen() throws Exception {
        // With --no-shut only the server's shutdownOutput() can end the stream.
        server.enqueue(new MockResponse().setBody("shut output")
                .setSocketPolicy(SocketPolicy.SHUTDOWN_OUTPUT_AT_END));

        Cli.Run run = Cli.run("send", "--no-shut", "--timeout", "5000", url("/shut"));

        assertEquals(0, run.exit(), run.said());
        assertTrue(run.err().startsWith("complete status=200 "), run.err());
        assertTrue(run.err().contains(" body=11/11B "), run.err());
        assertTrue(run.err().contains(" fin->first-byte=- "), "we never sent a FIN: " + run.err());
        assertTrue(run.err().strip().endsWith("end=FIN"), run.err());
        assertTrue(run.millis() < 3000, run.said());
    }

    @Test
    void bodyOnlyToAFile(@TempDir Path dir) throws Exception {
        byte[] body = randomBytes(100_000, 3);
        body[0] = '\r';
        body[1] = '\n';
        body[2] = '\r';
        body[3] = '\n';
        server.enqueue(new MockResponse().setBody(new Buffer().write(body)));
        Path file = dir.resolve("body.bin");

        Cli.Run run = Cli.run("send", "-o", file.toString(), url("/file"));

        assertEquals(0, run.exit(), run.said());
        assertArrayEquals(body, Files.readAllBytes(file), "the file holds the body, exactly, and no head");
        assertFalse(run.out().contains("Content-Length"), "with -o the head does not go into the body");
        assertTrue(run.outBytes().length < body.length, "the body is not also on stdout");
        assertTrue(run.err().startsWith("complete status=200 "), run.err());
        assertTrue(run.err().contains(" body=100000/100000B "), run.err());
    }

    @Test
    void noShutWithAServerThatClosesAfterTheResponse() throws Exception {
        server.enqueue(new MockResponse().setBody("bye").setSocketPolicy(SocketPolicy.DISCONNECT_AT_END));

        Cli.Run run = Cli.run("send", "--no-shut", "--json", "--timeout", "5000", url("/bye"));

        assertEquals(0, run.exit(), run.said());
        JsonNode r = JSON.readTree(run.err());
        assertEquals("complete", r.get("verdict").asText());
        assertEquals("FIN", r.get("end").asText());
        assertEquals(3, r.get("bodyBytes").asLong());
        assertTrue(r.get("finToFirstByteMs").isNull(), "no FIN of ours to measure from: " + r);
        assertTrue(run.out().endsWith("\r\n\r\nbye"), run.said());
        assertEquals("GET /bye HTTP/1.0", server.takeRequest(2, TimeUnit.SECONDS).getRequestLine());
    }

    @Test
    void noShutAgainstAKeepAliveServerTimesOutWhereHalfCloseCompletes() throws Exception {
        // MockWebServer's default (KEEP_OPEN) waits for a next request on the same connection even
        // after an HTTP/1.0 request. Like curl, --no-shut then waits until the timeout; the same
        // response with our half-close ends at once: MockWebServer reads our FIN and closes.
        server.enqueue(new MockResponse().setBody("kept"));
        Cli.Run noShut = Cli.run("send", "--no-shut", "--timeout", "500", url("/kept"));
        assertEquals(6, noShut.exit(), noShut.said());
        assertTrue(noShut.err().startsWith("timeout status=200 "), noShut.err());
        assertTrue(noShut.err().contains(" body=4/4B "), "the body came, the end did not: " + noShut.err());
        assertTrue(noShut.out().endsWith("kept"), noShut.said());

        server.enqueue(new MockResponse().setBody("kept"));
        Cli.Run shut = Cli.run("send", "--timeout", "5000", url("/kept"));
        assertEquals(0, shut.exit(), shut.said());
        assertTrue(shut.err().startsWith("complete status=200 "), shut.err());
        assertTrue(shut.millis() < 3000, shut.said());
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
