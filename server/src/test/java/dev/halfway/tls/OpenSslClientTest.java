package dev.halfway.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.halfway.http.ErrorPage;
import dev.halfway.http.Status;
import dev.halfway.testing.Await;
import dev.halfway.testing.TcpTable;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code openssl s_client} against {@code halfway-server --tls-self-signed --access-log json}:
 * what it does when its stdin ends, TLS 1.2 forced, and the ways a handshake fails. Every failure
 * must be exactly one access-log line with the JDK's reason, and nothing on halfway's stderr.
 *
 * <p>What s_client (OpenSSL 3) does at stdin EOF, as seen here: it prints {@code DONE}, sends its
 * close_notify, shuts its socket's write side (FIN), then drains the socket, without decrypting or
 * printing, for at most 0.5 s or until it ends, and closes. So it is a half-closing TLS
 * client, but one that throws the response away; {@code -ign_eof} (implied by {@code -quiet})
 * ignores stdin EOF instead, prints the whole response, and sends its close_notify only in answer
 * to ours.
 */
class OpenSslClientTest {
    /** The handshake shares the head timeout; short, so the stalled handshake is cut soon. */
    private static final Duration HEAD_TIMEOUT = Duration.ofSeconds(2);
    private static final byte[] GET_BIG = "GET /big.bin HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] GET_SMALL = "GET /small.txt HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

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
        halfway = HalfwayProcess.start(root, scratch, "--tls-self-signed", "--access-log", "json",
                "--head-timeout", HEAD_TIMEOUT.toMillis() + "ms");
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

    // ------------------------------------------------------------------ stdin EOF

    /**
     * s_client's stdin ends right after the request: its close_notify and FIN follow the request at
     * once. On TLS 1.3 that is a half-close (RFC 8446 §6.1), so halfway writes the whole response
     * anyway, which s_client drains unread (see the class comment), and the log says the input
     * ended with close_notify while the response was still owed.
     *
     * <p>A small file, because s_client drains for 0.5 s in all (select's timeout, which Linux
     * counts down across the loop) and then closes whatever is still coming: 10 MiB from a busy
     * machine takes longer, and the close becomes a reset. And as for nc in CurlTest, the request
     * and the close_notify are two writes, so for so small a response halfway sometimes finishes
     * first and rightly logs after-response: every run must be complete, and within five the
     * close_notify must be seen while the response was owed.
     */
    @Test
    void atStdinEofSClientSendsCloseNotifyAndTls13StillWritesTheResponse() throws Exception {
        List<Object> seen = new ArrayList<>();
        for (int attempt = 0; attempt < 5; attempt++) {
            Peer.Result r = Peer.run(scratch, GET_SMALL, "openssl", "s_client", "-connect", address());
            assertEquals(0, r.exit(), r::describe);
            assertTrue(r.err().contains("DONE"), () -> "s_client says it saw stdin EOF: " + r.describe());

            Map<String, Object> line = halfway.onlyJson();
            assertEquals("GET /small.txt HTTP/1.0", line.get("request"), line::toString);
            assertEquals(200, line.get("status"), line::toString);
            assertEquals("complete", line.get("outcome"), line::toString);
            assertEquals(11, line.get("bytes"), line::toString);
            assertEquals(11, line.get("owed"), line::toString);
            assertEquals("tls", line.get("transport"), line::toString);
            assertEquals("TLSv1.3", line.get("tls"), line::toString);
            assertEquals("close_notify", line.get("inputEnd"), line::toString);
            assertEquals("client-eof", line.get("linger"), line::toString);
            seen.add(line.get("fin"));
            if (Set.of("after-request", "during-response").contains(line.get("fin"))) {
                return;
            }
        }
        fail("s_client's close_notify was never logged as after-request or during-response in five runs: " + seen);
    }

    /** With -quiet (so -ign_eof) s_client prints the whole response, then answers our close_notify with its own. */
    @Test
    void sClientIgnoringStdinEofReadsAll10MiB() throws Exception {
        Peer.Result r = Peer.run(scratch, GET_BIG, "openssl", "s_client", "-connect", address(), "-quiet");
        assertEquals(0, r.exit(), r::describe);
        Reply reply = Reply.of(r.out());
        assertEquals("HTTP/1.0 200 OK", reply.statusLine(), r::describe);
        assertEquals(Integer.toString(Site.BIG), reply.field("Content-Length"), r::describe);
        assertArrayEquals(big, reply.body(), "the body s_client printed");

        Map<String, Object> line = halfway.onlyJson();
        assertEquals("complete", line.get("outcome"), line::toString);
        assertEquals(Site.BIG, line.get("bytes"), line::toString);
        assertEquals("TLSv1.3", line.get("tls"), line::toString);
        assertEquals("after-response", line.get("fin"), line::toString);
        assertEquals("close_notify", line.get("inputEnd"), line::toString);
    }

    // ------------------------------------------------------------------ TLS 1.2

    @Test
    void tls12ForcedGetsTheWholeResponse() throws Exception {
        Peer.Result r = Peer.run(scratch, GET_SMALL, "openssl", "s_client", "-connect", address(), "-tls1_2", "-quiet");
        assertEquals(0, r.exit(), r::describe);
        Reply reply = Reply.of(r.out());
        assertEquals("HTTP/1.0 200 OK", reply.statusLine(), r::describe);
        assertEquals(Site.SMALL, reply.bodyText(), r::describe);

        Map<String, Object> line = halfway.onlyJson();
        assertEquals("complete", line.get("outcome"), line::toString);
        assertEquals(11, line.get("bytes"), line::toString);
        assertEquals("TLSv1.2", line.get("tls"), line::toString);
        assertEquals("after-response", line.get("fin"), line::toString);
        assertEquals("close_notify", line.get("inputEnd"), line::toString);
    }

    /**
     * The same stdin EOF on TLS 1.2: there a close_notify closes the session both ways (RFC 5246
     * §7.2.1), so halfway answers with its own and discards the rest of the 10 MiB.
     */
    @Test
    void tls12CloseNotifyAtStdinEofClosesTheSessionAndDiscardsTheResponse() throws Exception {
        Peer.Result r = Peer.run(scratch, GET_BIG, "openssl", "s_client", "-connect", address(), "-tls1_2");
        assertEquals(0, r.exit(), r::describe);
        assertTrue(r.err().contains("DONE"), r::describe);

        Map<String, Object> line = halfway.onlyJson();
        assertEquals("GET /big.bin HTTP/1.0", line.get("request"), line::toString);
        assertEquals("TLSv1.2", line.get("tls"), line::toString);
        assertEquals("close_notify", line.get("inputEnd"), line::toString);
        // s_client sends its close_notify when it reads stdin's EOF, which on a busy machine can be
        // after halfway has handed all 10 MiB to the kernel: then the response was whole before
        // the session closed. Whichever came first, the log must say so; the rule itself, with the
        // order forced, is io/TlsHalfCloseTest's.
        if ("after-response".equals(line.get("fin"))) {
            assertEquals("complete", line.get("outcome"), line::toString);
            assertEquals((long) Site.BIG, ((Number) line.get("bytes")).longValue(), line::toString);
            return;
        }
        assertEquals("closed", line.get("outcome"), line::toString);
        assertTrue(((Number) line.get("bytes")).longValue() < Site.BIG, () -> "the pending writes were discarded: " + line);
        assertEquals("TLS 1.2 close_notify closes the session both ways (RFC 5246 7.2.1): pending writes discarded",
                line.get("reason"), line::toString);
    }

    // ------------------------------------------------------------------ ALPN

    /** Offered h2 and http/1.1 (what browsers offer), halfway picks http/1.1. */
    @Test
    void alpnH2OrHttp11PicksHttp11() throws Exception {
        Peer.Result r = Peer.run(scratch, GET_SMALL, "openssl", "s_client", "-connect", address(),
                "-alpn", "h2,http/1.1", "-ign_eof");
        assertEquals(0, r.exit(), r::describe);
        assertTrue(r.text().contains("\nALPN protocol: http/1.1\n"), r::describe);
        assertTrue(r.text().contains("HTTP/1.0 200 OK\r\n") && r.text().contains("\r\n\r\n" + Site.SMALL), r::describe);
        Map<String, Object> line = halfway.onlyJson();
        assertEquals("complete", line.get("outcome"), line::toString);
        assertEquals("TLSv1.3", line.get("tls"), line::toString);
    }

    // ------------------------------------------------------------------ handshake failures

    @Test
    void tls11HasNoCommonProtocol() throws Exception {
        Peer.Result r = Peer.run(scratch, GET_SMALL, "openssl", "s_client", "-connect", address(), "-tls1_1");
        assertEquals(1, r.exit(), r::describe);
        assertTrue(r.err().contains("alert protocol version"), () -> "halfway's protocol_version alert: " + r.describe());
        assertHandshakeFailed("TLSv1.1", "not enabled or supported");
    }

    /** The self-signed certificate is EC P-256: an RSA-only suite cannot be used with it. */
    @Test
    void anRsaCipherSuiteHasNoCipherInCommonWithTheEcCertificate() throws Exception {
        Peer.Result r = Peer.run(scratch, GET_SMALL, "openssl", "s_client", "-connect", address(),
                "-tls1_2", "-cipher", "ECDHE-RSA-AES128-SHA");
        assertEquals(1, r.exit(), r::describe);
        assertTrue(r.err().contains("alert handshake failure"), () -> "halfway's handshake_failure alert: " + r.describe());
        assertHandshakeFailed("no cipher suites in common");
    }

    /** Only h2 offered: no protocol in common, the fatal no_application_protocol alert (RFC 7301 §3.2). */
    @Test
    void alpnH2AloneIsRefused() throws Exception {
        Peer.Result r = Peer.run(scratch, GET_SMALL, "openssl", "s_client", "-connect", address(), "-alpn", "h2");
        assertEquals(1, r.exit(), r::describe);
        assertTrue(r.err().contains("no application protocol"), () -> "halfway's no_application_protocol alert: " + r.describe());
        assertHandshakeFailed("No matching application layer protocol");
    }

    /**
     * A client that sends the start of a ClientHello and then nothing: the head timeout bounds the
     * handshake. halfway then closes with a FIN (it has read every byte, so no RST).
     */
    @Test
    void aHandshakeStalledMidClientHelloTimesOut() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write(partialClientHello());
            s.getOutputStream().flush();

            Map<String, Object> line = halfway.onlyJson();
            assertEquals("timeout", line.get("outcome"), line::toString);
            assertEquals("TLS handshake did not complete in time", line.get("reason"), line::toString);
            assertEquals("tls", line.get("transport"), line::toString);
            assertNull(line.get("tls"), line::toString);
            assertNull(line.get("request"), line::toString);
            assertNull(line.get("status"), line::toString);
            assertTrue(((Number) line.get("ms")).longValue() >= HEAD_TIMEOUT.toMillis(), line::toString);

            byte[] rest = readToEnd(s);
            assertTrue(rest.length == 0 || rest[0] == 21, () -> "after the timeout, at most a TLS alert record before the FIN: "
                    + java.util.HexFormat.of().formatHex(rest));
        }
    }

    /** A reset after the server has read part of a ClientHello: a failed handshake, one line. */
    @Test
    void aResetMidHandshakeIsAFailedHandshake() throws Exception {
        byte[] hello = partialClientHello();
        Socket s = connect();
        try {
            s.getOutputStream().write(hello);
            s.getOutputStream().flush();
            int client = s.getLocalPort();
            // Reset only once halfway has read the bytes: an RST drops whatever the server had not read.
            Await.until(Duration.ofSeconds(5), () -> TcpTable.at(halfway.port()).stream()
                            .anyMatch(t -> t.remotePort() == client && t.bytesReceived() == hello.length && t.rxQueue() == 0),
                    () -> "halfway read the partial ClientHello: " + TcpTable.describe(halfway.port(), client));
            s.setSoLinger(true, 0);
        } finally {
            s.close(); // SO_LINGER 0: RST
        }
        assertHandshakeFailed("the input ended during the handshake");
    }

    /** Plain HTTP to the TLS port (http:// for https://): a plaintext 400 with the fixed page. */
    @Test
    void plainHttpGetsAPlaintext400() throws Exception {
        Peer.Result r = Peer.run(scratch, "curl", "--http1.0", "-sS", "-D", "-", "http://" + address() + "/small.txt");
        assertEquals(0, r.exit(), r::describe);
        Reply reply = Reply.of(r.out());
        assertEquals("HTTP/1.0 400 Bad Request", reply.statusLine(), r::describe);
        assertEquals(ErrorPage.CONTENT_TYPE, reply.field("Content-Type"), r::describe);
        assertArrayEquals(ErrorPage.body(Status.BAD_REQUEST), reply.body(), r::describe);

        Map<String, Object> line = halfway.onlyJson();
        assertEquals("GET /small.txt HTTP/1.0", line.get("request"), line::toString);
        assertEquals(400, line.get("status"), line::toString);
        assertEquals("bad-request", line.get("outcome"), line::toString);
        assertEquals("tcp-on-tls-port", line.get("transport"), line::toString);
        assertEquals("plain HTTP request sent to the TLS port", line.get("reason"), line::toString);
        assertNull(line.get("tls"), line::toString);
        assertEquals(ErrorPage.body(Status.BAD_REQUEST).length, line.get("bytes"), line::toString);
    }

    // ------------------------------------------------------------------ helpers

    /** Exactly one more log line, a failed handshake whose reason mentions each of {@code words}. */
    private static void assertHandshakeFailed(String... words) throws InterruptedException {
        Map<String, Object> line = halfway.onlyJson();
        assertEquals("handshake-failed", line.get("outcome"), line::toString);
        String reason = (String) line.get("reason");
        assertTrue(reason != null && reason.startsWith("TLS handshake failed: "), line::toString);
        for (String word : words) {
            assertTrue(reason.contains(word), () -> "the reason should say '" + word + "': " + line);
        }
        assertEquals("tls", line.get("transport"), line::toString);
        assertNull(line.get("tls"), line::toString);
        assertNull(line.get("request"), line::toString);
        assertNull(line.get("status"), line::toString);
        assertEquals(0, line.get("bytes"), line::toString);
        assertEquals("none", line.get("fin"), line::toString);
    }

    /**
     * A TLS record header announcing a 512-byte handshake record, and the first bytes of a
     * ClientHello in it (type 1, length, version 3.3, part of the random): never complete.
     */
    private static byte[] partialClientHello() {
        byte[] start = {22, 3, 1, 2, 0, 1, 0, 1, (byte) 0xfc, 3, 3};
        byte[] bytes = new byte[start.length + 16];
        System.arraycopy(start, 0, bytes, 0, start.length);
        return bytes;
    }

    private static Socket connect() throws Exception {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", halfway.port()), 5000);
        s.setSoTimeout(10_000);
        return s;
    }

    /** Everything until EOF; a reset fails the test. */
    private static byte[] readToEnd(Socket s) throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] buffer = new byte[4096];
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                got.write(buffer, 0, n);
            }
        } catch (SocketException e) {
            throw new AssertionError("halfway reset the connection instead of closing it: " + e.getMessage()
                    + " after " + got.size() + " bytes", e);
        }
        return got.toByteArray();
    }

    private static String address() {
        return "127.0.0.1:" + halfway.port();
    }
}
