package dev.halfway.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TLS client that gives up in the middle of 10 MiB and resets the connection: halfway's write
 * fails, and as on plain TCP the log must say {@code outcome=reset} (the client is gone), not
 * {@code error} (which says the server failed). The client is the JDK's own TLS stack, as any
 * Java program that aborts a download uses it: its {@code close()} sends close_notify, and with
 * SO_LINGER 0 the kernel then sends an RST.
 */
class TlsResetTest {
    private static final byte[] GET_BIG = "GET /big.bin HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    static Path base;
    static HalfwayProcess halfway;

    @BeforeAll
    static void start() throws Exception {
        Path root = Site.make(base.resolve("root"));
        halfway = HalfwayProcess.start(root, Files.createDirectories(base.resolve("scratch")), "--tls-self-signed",
                "--access-log", "json");
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

    /** close_notify and, right behind it, the RST, while halfway's writes wait for a full receive buffer. */
    @Test
    void theJdkClientClosingMidResponseWithLinger0IsAReset() throws Exception {
        Socket raw = connectWithSmallBuffer();
        SSLSocket tls = (SSLSocket) trustingAll().getSocketFactory().createSocket(raw, "127.0.0.1", halfway.port(), true);
        tls.getOutputStream().write(GET_BIG);
        tls.getOutputStream().flush();
        readAtLeast(tls.getInputStream(), 1 << 20);
        tls.setSoLinger(true, 0);
        tls.close(); // close_notify, then the close: an RST, with the rest of the response unread

        assertReset(halfway.onlyJson());
    }

    /** An RST with no close_notify at all, the socket under the TLS session closed with SO_LINGER 0. */
    @Test
    void aResetWithoutCloseNotifyMidResponseIsAReset() throws Exception {
        Socket raw = connectWithSmallBuffer();
        SSLSocket tls = (SSLSocket) trustingAll().getSocketFactory().createSocket(raw, "127.0.0.1", halfway.port(), false);
        tls.getOutputStream().write(GET_BIG);
        tls.getOutputStream().flush();
        readAtLeast(tls.getInputStream(), 1 << 20);
        raw.setSoLinger(true, 0);
        raw.close();

        assertReset(halfway.onlyJson());
    }

    private static void assertReset(Map<String, Object> line) {
        assertEquals("GET /big.bin HTTP/1.0", line.get("request"), line::toString);
        assertEquals("reset", line.get("outcome"), line::toString);
        assertEquals("client closed or reset the connection", line.get("reason"), line::toString);
        assertEquals("TLSv1.3", line.get("tls"), line::toString);
        long bytes = ((Number) line.get("bytes")).longValue();
        assertTrue(bytes >= 1 << 20 && bytes < Site.BIG, line::toString);
    }

    /** A 64 KiB receive buffer (set before connecting, so the window is small from the start): halfway's writes stall soon. */
    private static Socket connectWithSmallBuffer() throws Exception {
        Socket raw = new Socket();
        raw.setReceiveBufferSize(64 * 1024);
        raw.connect(new InetSocketAddress("127.0.0.1", halfway.port()), 5000);
        raw.setSoTimeout(10_000);
        return raw;
    }

    private static void readAtLeast(InputStream in, int bytes) throws Exception {
        byte[] buffer = new byte[64 * 1024];
        for (long n = 0; n < bytes; ) {
            int r = in.read(buffer);
            if (r < 0) {
                throw new AssertionError("the response ended after " + n + " bytes");
            }
            n += r;
        }
    }

    /** A client context that accepts any certificate: the self-signed one is made anew at each start. */
    private static SSLContext trustingAll() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
        return context;
    }
}
