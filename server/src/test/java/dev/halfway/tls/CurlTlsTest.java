package dev.halfway.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * curl over HTTPS to {@code halfway-server --tls-self-signed} ({@code -k}: the certificate is
 * trusted without checking). Each exchange is checked byte for byte and by its Common Log Format
 * line, which ends with the negotiated protocol and how the client's input ended. curl reads the
 * response to its end (our close_notify, then our FIN) and then sends a close_notify of its own,
 * so its end is {@code fin=after-response ... end=close_notify}.
 */
class CurlTlsTest {
    /** {@code 127.0.0.1 - - [02/Dec/2026:13:38:02 +0000] "REQUEST" STATUS BYTES owed=N ms=N fin=... outcome=... linger=... tls=... end=...}. */
    private static final String CLF = "127\\.0\\.0\\.1 - - \\[\\d\\d/\\w{3}/\\d{4}:\\d\\d:\\d\\d:\\d\\d \\+0000\\] ";

    @TempDir
    static Path base;
    static Path scratch;
    static byte[] big;
    static HalfwayProcess halfway;

    @BeforeAll
    static void start() throws Exception {
        Path root = Site.make(base.resolve("root"));
        big = Site.big(root);
        scratch = Files.createDirectories(base.resolve("scratch"));
        halfway = HalfwayProcess.start(root, scratch, "--tls-self-signed");
    }

    @AfterEach
    void nothingOnStderr() {
        halfway.assertQuiet();
    }

    @AfterAll
    static void stop() throws Exception {
        if (halfway != null) {
            halfway.close();
        }
    }

    @Test
    void curlHttp10GetsTheSmallFileOverTls13() throws Exception {
        Peer.Result r = Peer.run(scratch, "curl", "--http1.0", "-k", "-sS", "-v", "-D", "-", url("/small.txt"));
        assertEquals(0, r.exit(), r::describe);
        Reply reply = Reply.of(r.out());
        assertEquals("HTTP/1.0 200 OK", reply.statusLine(), r::describe);
        assertEquals("11", reply.field("Content-Length"), r::describe);
        assertEquals("text/plain; charset=utf-8", reply.field("Content-Type"), r::describe);
        assertEquals(Site.SMALL, reply.bodyText(), r::describe);
        // curl's view of the session: TLS 1.3, and the ALPN protocol it offered for --http1.0.
        assertTrue(r.err().contains("SSL connection using TLSv1.3 / "), r::describe);
        assertTrue(r.err().contains("ALPN: server accepted http/1.0"), r::describe);

        String line = halfway.lines(1).get(0);
        assertMatches(CLF + "\"GET /small\\.txt HTTP/1\\.0\" 200 11 owed=11 ms=\\d+ fin=after-response outcome=complete"
                + " linger=client-eof tls=TLSv1\\.3 end=close_notify", line);
    }

    @Test
    void curlHttp10Gets10MiBOverTls13ByteForByte() throws Exception {
        Path file = scratch.resolve("big.out");
        Peer.Result r = Peer.run(scratch, "curl", "--http1.0", "-k", "-sS", "-o", file.toString(),
                "-w", "%{http_code} %{size_download}", url("/big.bin"));
        assertEquals(0, r.exit(), r::describe);
        assertEquals("200 " + Site.BIG, r.text(), r::describe);
        assertArrayEquals(big, Files.readAllBytes(file), "the 10 MiB body as curl saved it");

        String line = halfway.lines(1).get(0);
        assertMatches(CLF + "\"GET /big\\.bin HTTP/1\\.0\" 200 10485760 owed=10485760 ms=\\d+ fin=after-response"
                + " outcome=complete linger=client-eof tls=TLSv1\\.3 end=close_notify", line);
    }

    /**
     * Plain {@code curl https://...} offers ALPN h2 and http/1.1, as browsers do: halfway must pick
     * http/1.1 (it speaks no HTTP/2) and answer the HTTP/1.1 request with HTTP/1.0.
     */
    @Test
    void curlOfferingH2IsGivenHttp11ByAlpn() throws Exception {
        Peer.Result r = Peer.run(scratch, "curl", "-k", "-sS", "-v", "-D", "-", url("/small.txt"));
        assertEquals(0, r.exit(), r::describe);
        assertTrue(r.err().contains("ALPN: offers h2,http/1.1"), r::describe);
        assertTrue(r.err().contains("ALPN: server accepted http/1.1"), r::describe);
        Reply reply = Reply.of(r.out());
        assertEquals("HTTP/1.0 200 OK", reply.statusLine(), r::describe);
        assertEquals(Site.SMALL, reply.bodyText(), r::describe);
        String line = halfway.lines(1).get(0);
        assertMatches(CLF + "\"GET /small\\.txt HTTP/1\\.1\" 200 11 owed=11 ms=\\d+ fin=after-response outcome=complete"
                + " linger=client-eof tls=TLSv1\\.3 end=close_notify", line);
    }

    private static void assertMatches(String regex, String line) {
        assertTrue(Pattern.matches(regex, line), () -> "access-log line\n  " + line + "\ndoes not match\n  " + regex);
    }

    private static String url(String path) {
        return "https://127.0.0.1:" + halfway.port() + path;
    }
}
