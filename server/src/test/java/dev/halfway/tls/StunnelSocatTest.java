package dev.halfway.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.testing.Await;
import dev.halfway.testing.TcpTable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The half-close through TLS, with the tools people put in front of a plain client: stunnel in
 * client mode, which a plain {@code nc -N} talks to, and socat's OpenSSL client. The client sends
 * its request and half-closes; it must still get every byte of 10 MiB, fast or slow, and halfway's
 * log says how the TLS side of the half-close looked.
 *
 * <p>What they do with the plain client's FIN, as seen here: stunnel sends close_notify and keeps
 * its TCP connection open to read the rest (its log: "Read socket closed (read hangup)", "SSL_shutdown
 * successfully sent close_notify alert"); socat does the same at stdin EOF; socat with
 * {@code shut-down} sends a bare FIN and no close_notify.
 *
 * <p>halfway runs with {@code --tls-cert}/{@code --tls-key}: a self-signed certificate made here,
 * so that stunnel can check it ({@code verifyPeer}, {@code checkIP}) instead of trusting anything.
 */
class StunnelSocatTest {
    private static final byte[] GET_BIG = "GET /big.bin HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    /** The slow reader's pace: 10 MiB in about 1.3 s, far slower than loopback TLS. */
    private static final long SLOW_BYTES_PER_SECOND = 8L << 20;

    @TempDir
    static Path base;
    static Path scratch;
    static byte[] big;
    static HalfwayProcess halfway;
    static Path certificate;
    static Process stunnel;
    static Path stunnelLog;
    static int stunnelPort;
    /** How much of stunnel's log earlier tests have read. */
    static int stunnelLogRead;

    @BeforeAll
    static void start() throws Exception {
        Path root = Site.make(base.resolve("root"));
        big = Site.big(root);
        scratch = Files.createDirectories(base.resolve("scratch"));
        TlsIdentity identity = TlsIdentity.selfSigned(List.of("127.0.0.1"));
        certificate = Files.writeString(scratch.resolve("cert.pem"), identity.certificatePem());
        Path key = Files.writeString(scratch.resolve("key.pem"), identity.keyPem());
        halfway = HalfwayProcess.start(root, scratch, "--tls-cert", certificate.toString(), "--tls-key", key.toString(),
                "--access-log", "json");
        startStunnel();
    }

    /** stunnel in client mode on a free port, in the foreground, logging each connection (debug = info) to its stderr. */
    private static void startStunnel() throws Exception {
        String program = Peer.firstInstalled("stunnel4", "stunnel");
        try (ServerSocket free = new ServerSocket(0)) {
            stunnelPort = free.getLocalPort();
        }
        Path config = Files.writeString(scratch.resolve("stunnel.conf"), String.join("\n",
                "foreground = yes",
                "pid =",
                "debug = info",
                "[halfway]",
                "client = yes",
                "accept = 127.0.0.1:" + stunnelPort,
                "connect = 127.0.0.1:" + halfway.port(),
                "CAfile = " + certificate,
                "verifyPeer = yes",
                "checkIP = 127.0.0.1",
                // Small fixed buffers on both of stunnel's sockets, so the path cannot swallow
                // 10 MiB while the slow reader waits: halfway's own send buffer is the big one.
                "socket = r:SO_RCVBUF=65536",
                "socket = l:SO_SNDBUF=65536",
                ""));
        stunnelLog = scratch.resolve("stunnel.log");
        stunnel = Peer.start(new ProcessBuilder(program, config.toString()).redirectErrorStream(true)
                .redirectOutput(stunnelLog.toFile()));
        // stunnel says nothing on an event we could wait on; the kernel's table shows its listener.
        Await.until(Duration.ofSeconds(10), () -> {
            if (!stunnel.isAlive()) {
                throw new AssertionError("stunnel exited " + stunnel.exitValue() + ":\n" + read(stunnelLog));
            }
            return TcpTable.listening(stunnelPort);
        }, () -> "stunnel listens on " + stunnelPort + ":\n" + read(stunnelLog));
    }

    @AfterEach
    void nothingOnStderr() {
        halfway.assertQuiet();
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            Peer.stop(stunnel);
        } finally {
            if (halfway != null) {
                halfway.close();
            }
        }
    }

    // ------------------------------------------------------------------ stunnel

    /**
     * The seed scenario: nc -N, stunnel, halfway. With a reader this fast, stunnel's close_notify
     * may come after halfway has handed all 10 MiB to the kernel (loopback buffers grow to many
     * MiB, and stunnel passes the FIN on when its loop gets to it: ms=140 fin=after-response was
     * seen), so here the FIN timing is not asserted; the slow reader below pins it down.
     */
    @Test
    void ncThroughStunnelGetsAll10MiBAfterItsHalfClose() throws Exception {
        Peer.Result r = Peer.run(scratch, GET_BIG, "nc", "-N", "127.0.0.1", Integer.toString(stunnelPort));
        assertEquals(0, r.exit(), r::describe);
        Reply reply = Reply.of(r.out());
        assertEquals("HTTP/1.0 200 OK", reply.statusLine(), r::describe);
        assertArrayEquals(big, reply.body(), "the 10 MiB body nc printed");

        Map<String, Object> line = halfway.onlyJson();
        assertComplete(line, "close_notify");
        assertEquals(r.out().length, ((Number) line.get("headBytes")).longValue() + Site.BIG, line::toString);
        assertStunnelSentCloseNotify(r.out().length);
    }

    /**
     * The same with a slow reader: nothing is read until the path is backed up to halfway (it holds
     * its socket with bytes queued), then 10 MiB at 8 MiB/s. Every buffer on the way but halfway's
     * is small (nc's {@code -I}, stunnel's socket options), so halfway's writes must wait for the
     * reader: its log line must come after the reading began.
     */
    @Test
    void aSlowReaderThroughStunnelGetsAll10MiBToo() throws Exception {
        Path request = Files.write(scratch.resolve("get-big.txt"), GET_BIG);
        Path ncErr = scratch.resolve("nc-slow.err");
        long started = System.nanoTime();
        Process nc = Peer.start(new ProcessBuilder("nc", "-N", "-I", "65536", "127.0.0.1", Integer.toString(stunnelPort))
                .redirectInput(request.toFile()).redirectError(ncErr.toFile()));
        byte[] got;
        long paused;
        try {
            List<TcpTable.Socket> seen = new java.util.ArrayList<>();
            Await.until(Duration.ofSeconds(10), () -> {
                seen.clear();
                seen.addAll(TcpTable.at(halfway.port()));
                return seen.stream().anyMatch(s -> s.state() != TcpTable.State.LISTEN && s.heldOpen() && s.txQueue() > 0);
            }, () -> "halfway's writes back up behind the reader that has not read yet: " + seen);
            paused = (System.nanoTime() - started) / 1_000_000;
            got = readSlowly(nc.getInputStream(), SLOW_BYTES_PER_SECOND, Duration.ofSeconds(20));
            assertTrue(nc.waitFor(10, TimeUnit.SECONDS), "nc exits after the response");
            assertEquals(0, nc.exitValue(), () -> "nc's exit status; stderr: " + read(ncErr));
        } finally {
            Peer.stop(nc);
        }
        Reply reply = Reply.of(got);
        assertEquals("HTTP/1.0 200 OK", reply.statusLine());
        assertArrayEquals(big, reply.body(), "the 10 MiB body, read slowly");

        Map<String, Object> line = halfway.onlyJson();
        assertHalfClosedAndComplete(line, "close_notify");
        assertTrue(Set.of("after-request", "during-response").contains(line.get("fin")),
                () -> "behind a reader that had not read yet, stunnel's close_notify came while the response was owed: " + line);
        // From accept to the end of the response: longer than from nc's start to the first read,
        // so halfway was still writing when the reader began (it had waited for it).
        assertTrue(((Number) line.get("ms")).longValue() > paused,
                () -> "halfway finished only after the slow reader began, " + paused + " ms after nc started: " + line);
        assertStunnelSentCloseNotify(got.length);
    }

    // ------------------------------------------------------------------ socat

    /** socat's OpenSSL client at stdin EOF: close_notify (no FIN), then it reads on. */
    @Test
    void socatOpensslHalfClosesWithCloseNotifyAndGetsAll10MiB() throws Exception {
        Peer.Result r = Peer.run(scratch, GET_BIG, "socat", "-t", "5", "-", "OPENSSL:127.0.0.1:" + halfway.port() + ",verify=0");
        assertEquals(0, r.exit(), r::describe);
        assertArrayEquals(big, Reply.of(r.out()).body(), "the 10 MiB body socat printed");
        assertHalfClosedAndComplete(halfway.onlyJson(), "close_notify");
    }

    /** With {@code shut-down}, socat half-closes the TCP way, a FIN without close_notify: still answered in full. */
    @Test
    void socatOpensslShutDownSendsABareFinAndGetsAll10MiB() throws Exception {
        Peer.Result r = Peer.run(scratch, GET_BIG, "socat", "-t", "5", "-",
                "OPENSSL:127.0.0.1:" + halfway.port() + ",verify=0,shut-down");
        assertEquals(0, r.exit(), r::describe);
        assertArrayEquals(big, Reply.of(r.out()).body(), "the 10 MiB body socat printed");
        assertHalfClosedAndComplete(halfway.onlyJson(), "fin-without-close_notify");
    }

    /**
     * socat with {@code shut-down} whose stdin ends only after the whole response arrived: its bare
     * FIN reaches halfway while it lingers after its close_notify and FIN. The log must still say
     * the input ended without close_notify (a TLS client that just closes its socket, as Chromium
     * does, looks the same).
     */
    @Test
    void aBareFinAfterTheResponseIsLoggedAsFinWithoutCloseNotify() throws Exception {
        Path socatErr = scratch.resolve("socat-late-fin.err");
        Process socat = Peer.start(new ProcessBuilder("socat", "-t", "5", "-",
                "OPENSSL:127.0.0.1:" + halfway.port() + ",verify=0,shut-down").redirectError(socatErr.toFile()));
        byte[] got;
        try {
            socat.getOutputStream().write("GET /small.txt HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            socat.getOutputStream().flush();
            // The whole response (halfway wrote it, then its close_notify and FIN, and lingers)...
            got = readResponse(socat.getInputStream());
            // ...and only now socat's stdin ends: shut-down, a FIN without close_notify.
            socat.getOutputStream().close();
            assertEquals(-1, socat.getInputStream().read(), "nothing after the response, then the end");
            assertTrue(socat.waitFor(10, TimeUnit.SECONDS), "socat exits after its stdin ended");
            assertEquals(0, socat.exitValue(), () -> "socat's exit status; stderr: " + read(socatErr));
        } finally {
            Peer.stop(socat);
        }
        Reply reply = Reply.of(got);
        assertEquals("HTTP/1.0 200 OK", reply.statusLine());
        assertEquals(Site.SMALL, reply.bodyText());

        Map<String, Object> line = halfway.onlyJson();
        assertEquals("complete", line.get("outcome"), line::toString);
        assertEquals("after-response", line.get("fin"), line::toString);
        assertEquals("client-eof", line.get("linger"), line::toString);
        assertEquals("fin-without-close_notify", line.get("inputEnd"), line::toString);
    }

    // ------------------------------------------------------------------ helpers

    /**
     * The client's input ended (by {@code end}) and every byte was written. socat sends its ending
     * when it reads its stdin's EOF, which on a loaded machine can come after halfway has handed
     * all 10 MiB to the kernel (fin=after-response); the slow-reader tests above are the ones that
     * pin the ending inside the response.
     */
    private static void assertHalfClosedAndComplete(Map<String, Object> line, String end) {
        assertComplete(line, end);
        assertTrue(Set.of("after-request", "during-response", "after-response").contains(line.get("fin")),
                () -> "the client's input ended: " + line);
    }

    /** All 10 MiB written over TLS 1.3, and the client's input ended by {@code end}. */
    private static void assertComplete(Map<String, Object> line, String end) {
        assertEquals("GET /big.bin HTTP/1.0", line.get("request"), line::toString);
        assertEquals(200, line.get("status"), line::toString);
        assertEquals("complete", line.get("outcome"), line::toString);
        assertEquals(Site.BIG, line.get("bytes"), line::toString);
        assertEquals(Site.BIG, line.get("owed"), line::toString);
        assertEquals("tls", line.get("transport"), line::toString);
        assertEquals("TLSv1.3", line.get("tls"), line::toString);
        assertEquals(end, line.get("inputEnd"), line::toString);
        assertEquals("client-eof", line.get("linger"), line::toString);
    }

    /**
     * stunnel's own account of the connection: the plain client's FIN ("read hangup"), its
     * close_notify to halfway, and all of the response passed on to the plain client.
     */
    private static void assertStunnelSentCloseNotify(long bytesToClient) throws InterruptedException {
        Pattern closed = Pattern.compile("Connection closed: (\\d+) byte\\(s\\) sent to TLS, (\\d+) byte\\(s\\) sent to socket");
        Await.until(Duration.ofSeconds(5), () -> closed.matcher(read(stunnelLog).substring(stunnelLogRead)).find(),
                () -> "stunnel logs the connection's end:\n" + read(stunnelLog).substring(stunnelLogRead));
        String all = read(stunnelLog);
        String log = all.substring(stunnelLogRead);
        stunnelLogRead = all.length(); // the next test reads only its own connection's lines
        // It checked halfway's certificate, or resumed a session whose handshake had checked it.
        assertTrue(log.contains("Certificate accepted at depth=0: CN=halfway self-signed")
                || log.contains("TLS connected: previous session reused"), log);
        assertTrue(log.contains("Read socket closed (read hangup)"), log);
        assertTrue(log.contains("SSL_shutdown successfully sent close_notify alert"), log);
        Matcher m = closed.matcher(log);
        assertTrue(m.find(), log);
        assertEquals(GET_BIG.length, Long.parseLong(m.group(1)), log);
        assertEquals(bytesToClient, Long.parseLong(m.group(2)), log);
    }

    /** One HTTP response from {@code in}: its head, and as many body bytes as its Content-Length says. */
    private static byte[] readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long need = -1;
        while (need < 0 || got.size() < need) {
            int b = in.read();
            if (b < 0) {
                throw new AssertionError("the response ended early: " + got.toString(StandardCharsets.ISO_8859_1));
            }
            got.write(b);
            if (need < 0 && got.size() >= 4 && got.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                Reply head = Reply.of(got.toByteArray());
                need = got.size() + Long.parseLong(head.field("Content-Length"));
            }
        }
        return got.toByteArray();
    }

    /**
     * Reads {@code in} to its end, no faster than {@code bytesPerSecond}: the pace of a slow client
     * (the parks keep to the rate; they wait for nothing).
     */
    private static byte[] readSlowly(InputStream in, long bytesPerSecond, Duration limit) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buffer = new byte[16 * 1024];
        long start = System.nanoTime();
        for (int n; (n = in.read(buffer)) >= 0; ) {
            got.write(buffer, 0, n);
            long due = start + got.size() * 1_000_000_000L / bytesPerSecond;
            long ahead = due - System.nanoTime();
            if (ahead > 0) {
                LockSupport.parkNanos(ahead);
            }
            if (System.nanoTime() - start > limit.toNanos()) {
                throw new AssertionError("the slow read did not end within " + limit.toSeconds() + " s: " + got.size() + " bytes");
            }
        }
        return got.toByteArray();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
