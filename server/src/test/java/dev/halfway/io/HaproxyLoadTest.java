package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.Outcome;
import dev.halfway.proxy.CidrList;
import dev.halfway.testing.Await;
import dev.halfway.tls.HalfwayProcess;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * halfway behind a real HAProxy under concurrent load: many half-closing clients at once, each
 * through the TCP-mode proxy with a PROXY v2 header, roundrobin over two servers; and one of two
 * halfway processes SIGKILLed under load.
 */
class HaproxyLoadTest {
    static final int CLIENTS = 50;
    static final int MID = 1024 * 1024;

    @TempDir
    static Path dir;
    static byte[] mid;
    static TestServer a;
    static TestServer b;

    @BeforeAll
    static void start() throws Exception {
        Path root = Fixtures.root(Files.createDirectories(dir.resolve("root")));
        mid = new byte[MID];
        new Random(7).nextBytes(mid);
        Files.write(root.resolve("mid.bin"), mid);
        a = new TestServer(root, c -> c.proxyProtocol(true, CidrList.LOOPBACK));
        b = new TestServer(root, c -> c.proxyProtocol(true, CidrList.LOOPBACK));
    }

    @AfterAll
    static void stop() {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    /** What one client saw: its own port and the reply. */
    record Fetch(int port, RawClient.Reply reply) {}

    @Test
    void fiftyConcurrentHalfClosersEachGetEveryByteAndOneCompleteLineWithTheirOwnPort() throws Exception {
        try (Haproxy haproxy = Haproxy.start(dir, HaproxyTest.TCP.formatted(a.port(), "send-proxy-v2", b.port(), "send-proxy-v2"))) {
            ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
            List<RawClient> open = new ArrayList<>();
            List<Future<Fetch>> futures = new ArrayList<>();
            try {
                for (int i = 0; i < CLIENTS; i++) {
                    futures.add(pool.submit(() -> {
                        // Kept open until every client is done, so no two clients can share a port.
                        RawClient c = new RawClient(haproxy.port);
                        synchronized (open) {
                            open.add(c);
                        }
                        int port = c.socket.getLocalPort();
                        return new Fetch(port, c.send("GET /mid.bin HTTP/1.0\r\n\r\n").halfClose().readAll());
                    }));
                }
                pool.shutdown();
                assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS), "all " + CLIENTS + " clients done within 60 s");
                Set<Integer> ports = new HashSet<>();
                for (Future<Fetch> f : futures) {
                    Fetch fetch = f.get();
                    assertEquals(200, fetch.reply().status(), () -> fetch.reply().head() + haproxy.output());
                    assertEquals(RawClient.End.FIN, fetch.reply().end(), "the server's FIN, passed on by haproxy");
                    assertArrayEquals(mid, fetch.reply().body(), "client on port " + fetch.port() + " got every byte, in order");
                    ports.add(fetch.port());
                }
                assertEquals(CLIENTS, ports.size(), "the clients' ports are distinct");

                List<AccessRecord> records = recordsOfBoth(CLIENTS);
                Set<Integer> logged = new HashSet<>();
                for (AccessRecord r : records) {
                    assertEquals(Outcome.COMPLETE, r.outcome(), r::toString);
                    assertEquals(MID, r.bodyBytes(), r::toString);
                    assertEquals("127.0.0.1", r.remoteHost(), r::toString);
                    assertEquals("127.0.0.1", r.proxyHost(), r::toString);
                    assertTrue(ports.contains(r.remotePort()), () -> "a client's own port: " + r);
                    logged.add(r.remotePort());
                }
                assertEquals(ports, logged, "one line per client, each with its own port");
            } finally {
                pool.shutdownNow();
                synchronized (open) {
                    for (RawClient c : open) {
                        c.close();
                    }
                }
            }
        }
    }

    /**
     * Exactly {@code n} records from the two servers together (waiting up to 10 s for each), and
     * then no more from either within a short grace period.
     */
    static List<AccessRecord> recordsOfBoth(int n) throws InterruptedException {
        List<AccessRecord> out = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (out.size() < n) {
            AccessRecord r = a.pollShort();
            if (r == null) {
                r = b.pollShort();
            }
            if (r != null) {
                out.add(r);
            } else if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("only " + out.size() + " of " + n + " access-log lines within 30 s");
            }
        }
        AccessRecord extra = a.pollRecord();
        if (extra == null) {
            extra = b.pollShort();
        }
        if (extra != null) {
            throw new AssertionError("more access-log lines than connections: " + extra);
        }
        return out;
    }

    /** The failover test: each server's own file, and how many clients fetch it in a loop. */
    static final int BIG4 = 4 * 1024 * 1024;
    static final int LOOPERS = 6;

    /** Two servers with health checks every 200 ms (the PROXY header too), out after one failure; small socket buffers. */
    static final String CHECKED = """
            global
              maxconn 500
              log stdout format raw local0
              tune.rcvbuf.server 16384
              tune.sndbuf.client 16384
            defaults
              mode tcp
              log global
              timeout connect 2s
              timeout client 20s
              timeout server 20s
            frontend in
              bind 127.0.0.1:PORT
              default_backend halfway
            backend halfway
              balance roundrobin
              server a 127.0.0.1:%d send-proxy-v2 check check-send-proxy inter 200ms fall 1 rise 1
              server b 127.0.0.1:%d send-proxy-v2 check check-send-proxy inter 200ms fall 1 rise 1
            """;

    /** One client connection: its port, when it started (nanoTime), what it read, and which server's bytes those were. */
    record Served(int port, long started, RawClient.Reply reply, char server) {}

    /**
     * Two halfway processes behind HAProxy (TCP mode, send-proxy-v2, roundrobin, health checks every
     * 200 ms with the PROXY header), one SIGKILLed under load. Each serves its own 4 MiB
     * {@code mid.bin} (different bytes, same length), so a client knows from the body which server
     * answered. 4 MiB, read by clients at a bounded pace (16 KiB reads, 1 ms apart) through haproxy's
     * small socket buffers, so that the kill finds halfway still writing: with 1 MiB, halfway had
     * handed every byte to the kernel before the kill, and the kernel still delivers queued bytes
     * (then a FIN) when the process dies, so nothing was ever cut.
     *
     * <p>Seen from the clients: the connections haproxy sends to the dead server before its check
     * fails get haproxy's FIN and no byte at all; the ones the kill cut get a head, part of the body
     * and a FIN.
     *
     * <p>What a SIGKILL looks like from the client, through haproxy in TCP mode: the kernel closes the
     * dead process's sockets, with a FIN where nothing was left unread, and haproxy passes that FIN on;
     * so a response cut short usually ends with a clean FIN, and the truncation shows only against its
     * Content-Length (or as a reset). What must never happen is a short body that looks whole: every
     * response has a Content-Length, and each is either exactly that many bytes of the right file or
     * visibly short (fewer bytes, or no head at all). Once haproxy has logged b DOWN, every new
     * request goes to a and arrives whole; and a, stopped afterwards, has logged exactly one complete
     * line per client connection it served, with the client's port, besides its health checks.
     */
    @Test
    void oneInstanceKilledUnderLoadIsTakenOutAndNothingIsSilentlyTruncated() throws Exception {
        byte[] bytesA = file(1);
        byte[] bytesB = file(2);
        Path rootA = root("a", bytesA);
        Path rootB = root("b", bytesB);
        Path scratch = Files.createDirectories(dir.resolve("scratch"));
        try (HalfwayProcess a = HalfwayProcess.start(rootA, scratch, "--proxy-protocol", "--access-log", "json");
             HalfwayProcess b = HalfwayProcess.start(rootB, scratch, "--proxy-protocol", "--access-log", "json");
             Haproxy haproxy = Haproxy.start(dir, CHECKED.formatted(a.port(), b.port()))) {
            ConcurrentLinkedQueue<Served> fetches = new ConcurrentLinkedQueue<>();
            AtomicInteger wholeA = new AtomicInteger();
            AtomicInteger wholeB = new AtomicInteger();
            AtomicInteger wholeAfterDown = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            long[] down = {Long.MAX_VALUE};
            byte[] heldStart = null;
            ExecutorService pool = Executors.newFixedThreadPool(LOOPERS);
            try {
                for (int i = 0; i < LOOPERS; i++) {
                    pool.submit(() -> {
                        for (int n = 0; n < 400 && !stop.get(); n++) {
                            long started = System.nanoTime();
                            Served f;
                            try (RawClient c = new RawClient(haproxy.port)) {
                                int port = c.socket.getLocalPort();
                                RawClient.Reply reply = c.send("GET /mid.bin HTTP/1.0\r\n\r\n").halfClose().read(Long.MAX_VALUE, 16 * 1024, 1);
                                f = new Served(port, started, reply, server(reply.body(), bytesA, bytesB));
                            }
                            fetches.add(f);
                            if (f.reply().body().length == BIG4) {
                                (f.server() == 'a' ? wholeA : wholeB).incrementAndGet();
                                synchronized (down) {
                                    if (started > down[0]) {
                                        wholeAfterDown.incrementAndGet();
                                    }
                                }
                            }
                        }
                        return null;
                    });
                }
                pool.shutdown();
                Await.until(Duration.ofSeconds(30), () -> wholeA.get() >= 5 && wholeB.get() >= 5,
                        () -> "both servers served whole responses: a " + wholeA + ", b " + wholeB + "; " + haproxy.output());

                // One response from b held mid-body: a client that has its head and first bytes and
                // then stops reading, so b (4 MiB to send, through small buffers) is still writing
                // when it dies. Roundrobin gives b one of the next two connections.
                Socket held = null;
                for (int i = 0; i < 4 && held == null; i++) {
                    Socket s = new Socket();
                    s.setReceiveBufferSize(16 * 1024);
                    s.connect(new InetSocketAddress("127.0.0.1", haproxy.port), 5000);
                    s.setSoTimeout(15_000);
                    s.getOutputStream().write("GET /mid.bin HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    s.shutdownOutput();
                    byte[] start = readHeadAnd32(s.getInputStream());
                    int headEnd = new String(start, StandardCharsets.ISO_8859_1).indexOf("\r\n\r\n") + 4;
                    if (server(Arrays.copyOfRange(start, headEnd, start.length), bytesA, bytesB) == 'b') {
                        held = s;
                        heldStart = start;
                    } else {
                        // a's: read to the end like any client, so it is a whole response in a's log.
                        RawClient.Reply rest = readRest(s);
                        fetches.add(new Served(s.getLocalPort(), System.nanoTime(), new RawClient.Reply(concat(start, rest.bytes()), rest.end()), 'a'));
                        s.close();
                    }
                }
                assertTrue(held != null, "one of four connections went to b");
                b.kill();
                RawClient.Reply rest = readRest(held);
                held.close();
                RawClient.Reply cutReply = new RawClient.Reply(concat(heldStart, rest.bytes()), rest.end());
                assertTrue(cutReply.body().length < BIG4, () -> "the kill cut the held response: " + cutReply.body().length + " body bytes, " + cutReply.end());
                fetches.add(new Served(-1, 0, cutReply, 'b'));
                Await.until(Duration.ofSeconds(10), () -> haproxy.output().contains("Server halfway/b is DOWN"),
                        () -> "haproxy's health check took b out: " + haproxy.output());
                synchronized (down) {
                    down[0] = System.nanoTime();
                }
                Await.until(Duration.ofSeconds(30), () -> wholeAfterDown.get() >= 20,
                        () -> "whole responses after b was taken out: " + wholeAfterDown + "; " + haproxy.output());
                stop.set(true);
                assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS), "the clients stop within 30 s");
            } finally {
                stop.set(true);
                pool.shutdownNow();
            }

            List<Integer> servedByA = new ArrayList<>();
            int cut = 0;
            int cutMidBody = 0;
            for (Served f : fetches) {
                RawClient.Reply r = f.reply();
                byte[] body = r.body();
                if (f.started() > down[0]) {
                    assertEquals('a', f.server(), () -> "after b was out, every request went to a: " + describe(f));
                    assertEquals(BIG4, body.length, () -> "and arrived whole: " + describe(f));
                }
                if (body.length == BIG4) {
                    assertEquals(200, r.status(), () -> describe(f));
                    assertArrayEquals(f.server() == 'a' ? bytesA : bytesB, body, () -> "one server's file, every byte: " + describe(f));
                    assertEquals(RawClient.End.FIN, r.end(), () -> describe(f));
                } else {
                    // Short: visibly so. Either no complete head (nothing to mistake for a response),
                    // or a head promising more than came; what did come is the start of one file.
                    cut++;
                    assertTrue(body.length < BIG4, () -> "never more than the file: " + describe(f));
                    if (r.text().contains("\r\n\r\n")) {
                        assertEquals(200, r.status(), () -> describe(f));
                        assertTrue(r.head().toLowerCase().contains("content-length: " + BIG4 + "\r\n"), () -> describe(f));
                        if (body.length > 0) {
                            cutMidBody++;
                            byte[] file = f.server() == 'b' ? bytesB : bytesA;
                            assertArrayEquals(Arrays.copyOf(file, body.length), body, () -> "a prefix of one file: " + describe(f));
                        }
                    }
                }
                if (f.server() == 'a' && r.text().contains("\r\n\r\n")) {
                    servedByA.add(f.port());
                }
            }
            assertTrue(wholeAfterDown.get() >= 20);
            assertTrue(cutMidBody > 0, "the kill cut the held response from b mid-body");

            a.close(); // SIGTERM: drains, exits 0, quiet stderr
            List<Integer> logged = new ArrayList<>();
            for (String line : a.remainingLines()) {
                Map<String, Object> json = HalfwayProcess.json(line);
                int port = ((Number) json.get("port")).intValue();
                if (json.get("proxy") == null) {
                    // haproxy's health checks: a PROXY v2 LOCAL header (the connection is haproxy's
                    // own, so halfway logs the peer as itself, with no proxy=) and a close, no request.
                    // (Its port may equal a client's: ports are unique per address pair only.)
                    assertEquals(null, json.get("request"), () -> "a health check, not a client: " + line);
                    assertEquals("empty", json.get("outcome"), line);
                    continue;
                }
                assertEquals("GET /mid.bin HTTP/1.0", json.get("request"), line);
                assertEquals("complete", json.get("outcome"), line);
                assertEquals(BIG4, ((Number) json.get("bytes")).intValue(), line);
                assertEquals("127.0.0.1", json.get("proxy"), line);
                logged.add(port);
            }
            assertEquals(servedByA.stream().sorted().toList(), logged.stream().sorted().toList(),
                    "the survivor logged one line per client connection it served, with that client's port ("
                            + fetches.size() + " fetches, " + cut + " short, " + cutMidBody + " of them mid-body)");
        }
    }

    /** Reads until the head and 32 body bytes are in (or the stream ends). */
    static byte[] readHeadAnd32(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        while (true) {
            String t = out.toString(StandardCharsets.ISO_8859_1);
            int i = t.indexOf("\r\n\r\n");
            if (i >= 0 && out.size() >= i + 4 + 32) {
                return out.toByteArray();
            }
            int c = in.read();
            if (c < 0) {
                throw new AssertionError("the stream ended before a head and 32 body bytes: " + t);
            }
            out.write(c);
        }
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** The rest of the stream and how it ended. */
    static RawClient.Reply readRest(Socket s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[64 * 1024];
        try {
            for (int n; (n = s.getInputStream().read(buf)) >= 0; ) {
                out.write(buf, 0, n);
            }
            return new RawClient.Reply(out.toByteArray(), RawClient.End.FIN);
        } catch (SocketTimeoutException e) {
            return new RawClient.Reply(out.toByteArray(), RawClient.End.TIMEOUT);
        } catch (SocketException e) {
            return new RawClient.Reply(out.toByteArray(), RawClient.End.RST);
        }
    }

    static String describe(Served f) {
        return "port " + f.port() + " server " + f.server() + " end " + f.reply().end() + " body " + f.reply().body().length
                + " head " + f.reply().head().replace("\r\n", " | ");
    }

    /** 'a' or 'b' from the body's first bytes; '?' with too few to tell. */
    static char server(byte[] body, byte[] a, byte[] b) {
        int n = Math.min(body.length, 32);
        if (n < 32) {
            return '?';
        }
        if (Arrays.equals(body, 0, n, a, 0, n)) {
            return 'a';
        }
        if (Arrays.equals(body, 0, n, b, 0, n)) {
            return 'b';
        }
        return '!';
    }

    static byte[] file(long seed) {
        byte[] bytes = new byte[BIG4];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static Path root(String name, byte[] mid) throws Exception {
        Path root = Files.createDirectories(dir.resolve("root-" + name));
        Files.write(root.resolve("mid.bin"), mid);
        return root;
    }
}
