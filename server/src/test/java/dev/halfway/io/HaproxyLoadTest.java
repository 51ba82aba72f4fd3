package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.Outcome;
import dev.halfway.proxy.CidrList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * halfway behind a real HAProxy under concurrent load: many half-closing clients at once, each
 * through the TCP-mode proxy with a PROXY v2 header, roundrobin over two servers.
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
}
