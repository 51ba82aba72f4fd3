package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.Outcome;
import dev.halfway.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Time and resource bounds: abuse at scale leaves no file descriptors, buffers or memory behind;
 * a client that never reads is dropped and its file released; thousands of idle connections do
 * not keep a new client waiting; slowloris clients are cut at the head timeout.
 *
 * <p>The server runs in this JVM, so {@code /proc/self/fd} counts its descriptors and the test's
 * client sockets together; every client socket is closed before counting. Counts scale with
 * {@code -Dhalfway.heavy=true} ({@code mvn verify -Pheavy}).
 */
class ResourceBoundsTest {
    static final boolean HEAVY = Boolean.getBoolean("halfway.heavy");

    /**
     * Descriptors the JVM may open on its own between the baseline and the final count: a jar or
     * class file opened by lazy class loading, a JIT or GC log, the JDK's lazily created internal
     * pipes/epoll of a helper. Five is the slack; a leak of one descriptor per connection would
     * show as thousands.
     */
    static final int FD_SLACK = 5;

    /** Most the used heap (after GC), or direct memory, may grow over an abusive run. */
    static final long HEAP_GROWTH_BOUND = 32L << 20;

    @TempDir
    Path dir;

    // ----------------------------------------------------------------------------------------------------------
    // 1. fd baseline after thousands of abusive connections

    enum Abuse {
        /** random bytes, half-close, read the answer (usually 400) */
        GARBAGE_READ,
        /** random bytes, then a full close without reading */
        GARBAGE_CLOSE,
        /** a request for big.bin, then SO_LINGER 0: an RST while the response starts */
        RESET_AFTER_REQUEST,
        /** connect, then an RST before any byte */
        RESET_SILENT,
        /** connect and send nothing: the head timeout answers 408 */
        HALF_OPEN,
        /** a head without its empty line, then FIN: 400 */
        PARTIAL_HEAD_FIN,
        /** part of a head and then silence: 408 */
        PARTIAL_HEAD_SILENT,
        /** read 64 KiB of big.bin and close: the rest of the response meets an RST */
        CLOSE_MID_RESPONSE,
        /** ask for big.bin, half-close, never read: the write timeout drops it */
        NEVER_READS,
        /** connect and close at once */
        EMPTY,
        /** a normal request, so that completions are mixed in */
        NORMAL
    }

    /**
     * Runs {@code n} abusive connections from {@code threads} threads and collects the access log
     * concurrently. Connections that depend on a server timeout (half-opens, silent partial heads,
     * clients that never read) are parked, not waited for, and closed as soon as their record
     * arrives. Returns once every connection has its record and every client socket is closed.
     */
    private static final class AbuseRun {
        final TestServer server;
        final Map<Integer, AtomicInteger> pending = new ConcurrentHashMap<>(); // client port -> connections - records
        final Map<Integer, Socket> parked = new ConcurrentHashMap<>();
        final Map<Abuse, AtomicInteger> kinds = new EnumMap<>(Abuse.class);
        final Map<Outcome, AtomicInteger> outcomes = new EnumMap<>(Outcome.class);
        final AtomicInteger connections = new AtomicInteger();
        final AtomicInteger connectFailures = new AtomicInteger();
        final AtomicLong records = new AtomicLong();
        final long seed;

        AbuseRun(TestServer server, long seed) {
            this.server = server;
            this.seed = seed;
            for (Abuse a : Abuse.values()) {
                kinds.put(a, new AtomicInteger());
            }
            for (Outcome o : Outcome.values()) {
                outcomes.put(o, new AtomicInteger());
            }
        }

        void run(int n, int threads, Duration budget) throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<?>> tasks = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    int index = i;
                    tasks.add(pool.submit(() -> {
                        one(index);
                        return null;
                    }));
                }
                long deadline = System.nanoTime() + budget.toNanos();
                while (true) {
                    boolean done = tasks.stream().allMatch(Future::isDone);
                    if (done && records.get() >= connections.get()) {
                        break;
                    }
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("after " + budget.toMillis() + " ms: " + connections.get()
                                + " connections, " + records.get() + " log lines; tasks done: " + done
                                + "; still waiting for ports " + unbalanced() + " (seed " + seed + ")");
                    }
                    AccessRecord r = server.pollRecord();
                    if (r != null) {
                        onRecord(r);
                    }
                }
                for (Future<?> t : tasks) {
                    t.get(); // a failure inside a client task is a test failure
                }
            } finally {
                pool.shutdownNow();
                assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS), "client threads did not stop");
                for (Socket s : parked.values()) {
                    s.close();
                }
                parked.clear();
            }
            AccessRecord extra = server.pollRecord();
            assertEquals(null, extra, "an access-log line more than there were connections");
            assertEquals(0, connectFailures.get(), "connections that could not be made");
            assertEquals(Map.of(), unbalanced(), "client ports whose connections and log lines differ");
        }

        private Map<Integer, Integer> unbalanced() {
            Map<Integer, Integer> out = new HashMap<>();
            pending.forEach((port, count) -> {
                if (count.get() != 0) {
                    out.put(port, count.get());
                }
            });
            return out;
        }

        private void onRecord(AccessRecord r) throws IOException {
            records.incrementAndGet();
            outcomes.get(r.outcome()).incrementAndGet();
            pending.computeIfAbsent(r.remotePort(), p -> new AtomicInteger()).decrementAndGet();
            Socket s = parked.remove(r.remotePort());
            if (s != null) {
                s.close();
            }
        }

        private void one(int index) throws IOException {
            Abuse kind = Abuse.values()[index % Abuse.values().length];
            kinds.get(kind).incrementAndGet();
            Random random = new Random(seed + index);
            Socket s = new Socket();
            boolean park = false;
            try {
                if (kind == Abuse.NEVER_READS) {
                    s.setReceiveBufferSize(4 * 1024);
                }
                try {
                    s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
                } catch (IOException e) {
                    connectFailures.incrementAndGet();
                    return;
                }
                s.setSoTimeout(5000);
                int port = s.getLocalPort();
                pending.computeIfAbsent(port, p -> new AtomicInteger()).incrementAndGet();
                connections.incrementAndGet();
                try {
                    park = abuse(kind, s, random);
                } catch (IOException expected) {
                    // the abuse itself breaks connections: a reset, a write after the server closed
                    park = false;
                }
                if (park) {
                    parked.put(port, s);
                }
            } finally {
                if (!park) {
                    s.close();
                }
            }
        }

        /** Does the abuse; true if the socket is to be parked until the server ends the connection. */
        private static boolean abuse(Abuse kind, Socket s, Random random) throws IOException {
            OutputStream out = s.getOutputStream();
            switch (kind) {
                case GARBAGE_READ -> {
                    out.write(garbage(random));
                    s.shutdownOutput();
                    drain(s, Long.MAX_VALUE);
                }
                case GARBAGE_CLOSE -> out.write(garbage(random));
                case RESET_AFTER_REQUEST -> {
                    out.write(ascii("GET /big.bin HTTP/1.0\r\n\r\n"));
                    s.setSoLinger(true, 0);
                }
                case RESET_SILENT -> s.setSoLinger(true, 0);
                case HALF_OPEN -> {
                    return true;
                }
                case PARTIAL_HEAD_FIN -> {
                    out.write(ascii("GET /small.txt HTTP/1.0\r\nHost: x"));
                    s.shutdownOutput();
                    drain(s, Long.MAX_VALUE);
                }
                case PARTIAL_HEAD_SILENT -> {
                    out.write(ascii("GET /index.html HTTP/1.0\r\nX-Slow: "));
                    return true;
                }
                case CLOSE_MID_RESPONSE -> {
                    out.write(ascii("GET /big.bin HTTP/1.0\r\n\r\n"));
                    s.shutdownOutput();
                    drain(s, 64 * 1024);
                }
                case NEVER_READS -> {
                    out.write(ascii("GET /big.bin HTTP/1.0\r\n\r\n"));
                    s.shutdownOutput();
                    return true;
                }
                case EMPTY -> { }
                case NORMAL -> {
                    out.write(ascii("GET /small.txt HTTP/1.0\r\n\r\n"));
                    s.shutdownOutput();
                    drain(s, Long.MAX_VALUE);
                }
            }
            return false;
        }

        private static byte[] garbage(Random random) {
            byte[] bytes = new byte[1 + random.nextInt(4096)];
            random.nextBytes(bytes);
            return bytes;
        }

        private static void drain(Socket s, long limit) throws IOException {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[16 * 1024];
            long total = 0;
            int n;
            while (total < limit && (n = in.read(buf)) >= 0) {
                total += n;
            }
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void thousandsOfAbusiveConnectionsLeaveNoDescriptorsBuffersOrHeapBehind() throws Exception {
        Path root = Fixtures.root(dir);
        Path big = root.resolve("big.bin").toRealPath();
        int n = HEAVY ? 20_000 : 2_000;
        try (TestServer server = new TestServer(root, c -> c
                .headTimeout(Duration.ofMillis(200)).writeTimeout(Duration.ofMillis(300))
                .linger(Duration.ofMillis(200)).lingerBytes(64 * 1024))) {
            // A warm-up round of every kind first: classes are loaded, thread pools have grown,
            // the buffer pool has its buckets, before anything is measured.
            new AbuseRun(server, 1).run(Abuse.values().length * 20, 16, Duration.ofSeconds(30));
            awaitTrue(() -> server.server.openConnections() == 0, Duration.ofSeconds(5), "connections closed after the warm-up");
            ArrayByteBufferPool buffers = (ArrayByteBufferPool) server.server.bufferPool();
            // GC first: whatever the warm-up left to a Cleaner is gone before the baseline. The
            // final count below is taken before any GC, so a descriptor leaked now is not hidden.
            long heapBaseline = usedHeapAfterGc();
            long directBaseline = directMemoryUsed();
            long fdBaseline = settledDescriptorCount();

            long start = System.nanoTime();
            AbuseRun run = new AbuseRun(server, System.nanoTime());
            run.run(n, 16, Duration.ofSeconds(HEAVY ? 150 : 60));
            long runMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

            assertEquals(n, run.connections.get(), "every connection was made");
            awaitTrue(() -> server.server.openConnections() == 0, Duration.ofSeconds(5),
                    () -> "the server has no open connections left (" + server.server.openConnections() + ")");
            // The server closes a channel from its selector thread; the descriptor goes once the
            // selector has cancelled the key, a moment after the log line: poll for it.
            awaitTrue(() -> descriptorCount() <= fdBaseline + FD_SLACK, Duration.ofSeconds(5),
                    () -> "descriptors back to the baseline " + fdBaseline + " (+" + FD_SLACK + "), now " + descriptorCount());
            long fdsAfter = descriptorCount();
            assertEquals(0, descriptorsPointingAt(big), "a FileChannel of big.bin is still open");
            // A connection's read buffer goes back to the pool when its read handler returns, which
            // may be just after the close it caused was logged: poll for it too.
            awaitTrue(() -> buffersInUse(buffers) == 0, Duration.ofSeconds(2), () -> "pooled buffers not released: " + buffers);
            assertTrue(buffers.getDirectMemory() + buffers.getHeapMemory() <= 64L << 20,
                    "the buffer pool retains " + (buffers.getDirectMemory() + buffers.getHeapMemory()) + " bytes");
            long heapAfter = usedHeapAfterGc();
            long directAfter = directMemoryUsed();
            // Measured here: +0.4 MiB after 2 000 connections, +1.3 MiB after 20 000. The bound is
            // generous against GC noise, yet a leak of 16 KiB per connection (an input buffer, a
            // parser's line, a connection object with its record) over 2 000 connections breaks it.
            assertTrue(heapAfter - heapBaseline < HEAP_GROWTH_BOUND,
                    "heap grew from " + mib(heapBaseline) + " to " + mib(heapAfter) + " after GC");
            assertTrue(directAfter - directBaseline < HEAP_GROWTH_BOUND,
                    "direct memory grew from " + mib(directBaseline) + " to " + mib(directAfter));

            // Every kind of abuse happened, and the outcomes it can produce were all logged.
            for (Abuse a : Abuse.values()) {
                assertTrue(run.kinds.get(a).get() >= n / Abuse.values().length, a + " ran");
            }
            for (Outcome o : List.of(Outcome.BAD_REQUEST, Outcome.TIMEOUT, Outcome.EMPTY, Outcome.COMPLETE)) {
                assertTrue(run.outcomes.get(o).get() > 0, "some connection ended " + o + ": " + run.outcomes);
            }

            // The server still serves.
            try (RawClient c = new RawClient(server.port())) {
                RawClient.Reply reply = c.send("GET /small.txt HTTP/1.0\r\n\r\n").halfClose().readAll();
                assertEquals(200, reply.status());
            }
            assertEquals(Outcome.COMPLETE, server.nextRecord().outcome());
            System.out.printf("ResourceBoundsTest: %d abusive connections in %d ms; fds %d -> %d; heap %s -> %s; "
                            + "direct %s -> %s; outcomes %s%n", n, runMillis, fdBaseline, fdsAfter,
                    mib(heapBaseline), mib(heapAfter), mib(directBaseline), mib(directAfter), run.outcomes);
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // 2. a client that never reads is dropped; its file is closed

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void clientsThatNeverReadAreDroppedAndTheirFilesReleased() throws Exception {
        Path root = Fixtures.root(dir);
        Path big = root.resolve("big.bin").toRealPath();
        int n = HEAVY ? 200 : 20;
        Duration writeTimeout = Duration.ofMillis(500);
        try (TestServer server = new TestServer(root, c -> c
                .headTimeout(Duration.ofSeconds(10)).writeTimeout(writeTimeout)
                .linger(Duration.ofMillis(200)).lingerBytes(64 * 1024))) {
            ArrayByteBufferPool buffers = (ArrayByteBufferPool) server.server.bufferPool();
            assertEquals(0, descriptorsPointingAt(big), "before");
            List<Socket> clients = new ArrayList<>();
            List<Integer> ports = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    Socket s = new Socket();
                    clients.add(s);
                    s.setReceiveBufferSize(16 * 1024);
                    s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
                    ports.add(s.getLocalPort());
                    s.getOutputStream().write(ascii("GET /big.bin HTTP/1.0\r\n\r\n"));
                    s.shutdownOutput(); // and never read
                }
                // During: each stalled response holds its FileChannel of big.bin.
                awaitTrue(() -> descriptorsPointingAt(big) == n, Duration.ofSeconds(5),
                        () -> "one descriptor of big.bin per stalled response (" + descriptorsPointingAt(big) + " of " + n + ")");

                Map<Integer, AccessRecord> records = ConfinementTest.recordsFor(server, ports);
                for (AccessRecord r : records.values()) {
                    assertEquals(Outcome.TIMEOUT, r.outcome(), r.toString());
                    assertEquals(200, r.status(), r.toString());
                    assertEquals(Fixtures.BIG, r.bodyOwed());
                    assertTrue(r.bodyBytes() < Fixtures.BIG, "sent all of it to a client that never read: " + r);
                    assertTrue(r.durationMillis() >= writeTimeout.toMillis() && r.durationMillis() < 3000,
                            "dropped after " + r.durationMillis() + " ms");
                }
                // After: every descriptor of big.bin is released. (Not asserted at the very instant
                // the last line is logged: a write that fails on another thread may close its file a
                // moment later; what matters is that none stays open.)
                awaitTrue(() -> descriptorsPointingAt(big) == 0, Duration.ofSeconds(2),
                        () -> "big.bin is still open after the drop: " + descriptorsPointingAt(big));
                // A connection leaves the open set just after its line is logged.
                awaitTrue(() -> server.server.openConnections() == 0, Duration.ofSeconds(2),
                        () -> "open connections: " + server.server.openConnections());
                awaitTrue(() -> buffersInUse(buffers) == 0, Duration.ofSeconds(2), () -> "pooled buffers not released: " + buffers);
            } finally {
                for (Socket s : clients) {
                    s.close();
                }
            }
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // 3. thousands of idle connections do not stop a new client

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void thousandsOfIdleConnectionsDoNotStopANewClient() throws Exception {
        Path root = Fixtures.root(dir);
        try (TestServer server = new TestServer(root, c -> c
                .headTimeout(Duration.ofSeconds(60)).writeTimeout(Duration.ofSeconds(30))
                .linger(Duration.ofMillis(200)).lingerBytes(64 * 1024))) {
            long fdBaseline = settledDescriptorCount();
            // Both ends live in this JVM: two descriptors per connection. Keep 512 for everything else.
            long headroom = (maxDescriptors() - fdBaseline - 512) / 2;
            int wanted = HEAVY ? 10_000 : 2_000;
            int n = (int) Math.min(Math.min(wanted, headroom), server.server.config().maxConnections() - 1);
            assertTrue(n >= 1000, "room for " + n + " idle connections only (ulimit -n " + maxDescriptors() + ")");

            List<Socket> idle = new ArrayList<>(n);
            List<Integer> ports = new ArrayList<>(n);
            try {
                long openStart = System.nanoTime();
                for (int i = 0; i < n; i++) {
                    Socket s = new Socket();
                    idle.add(s);
                    s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
                    ports.add(s.getLocalPort());
                }
                awaitTrue(() -> server.server.openConnections() == n, Duration.ofSeconds(30),
                        () -> "all " + n + " idle connections accepted (" + server.server.openConnections() + ")");
                long openMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - openStart);

                long start = System.nanoTime();
                int probePort;
                try (RawClient c = new RawClient(server.port())) {
                    c.socket.setSoTimeout(5000);
                    probePort = c.socket.getLocalPort();
                    RawClient.Reply reply = c.send("GET /small.txt HTTP/1.0\r\n\r\n").halfClose().readAll();
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertEquals(200, reply.status(), reply.text());
                    assertEquals(RawClient.End.FIN, reply.end());
                    assertTrue(millis < 2000, "a new client next to " + n + " idle ones waited " + millis + " ms");
                    System.out.printf("ResourceBoundsTest: %d idle connections opened in %d ms; a new client served in %d ms%n",
                            n, openMillis, millis);
                }
                assertEquals(Outcome.COMPLETE, ConfinementTest.recordFor(server, probePort).outcome());
                assertEquals(n, server.server.openConnections(), "the idle connections are still open");
            } finally {
                for (Socket s : idle) {
                    s.close();
                }
            }
            Map<Integer, Integer> unlogged = new HashMap<>();
            for (int p : ports) {
                unlogged.merge(p, 1, Integer::sum);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int logged = 0;
            while (logged < n && System.nanoTime() < deadline) {
                AccessRecord r = server.pollRecord();
                if (r == null) {
                    continue;
                }
                logged++;
                assertEquals(Outcome.EMPTY, r.outcome(), r.toString());
                assertTrue(unlogged.containsKey(r.remotePort()), "a log line for no idle connection: " + r);
                unlogged.computeIfPresent(r.remotePort(), (p, c) -> c == 1 ? null : c - 1);
            }
            assertEquals(Map.of(), unlogged, "idle connections without a log line");
            assertEquals(null, server.pollRecord(), "more log lines than connections");
            awaitTrue(() -> server.server.openConnections() == 0, Duration.ofSeconds(10), "all connections closed");
            awaitTrue(() -> descriptorCount() <= fdBaseline + FD_SLACK, Duration.ofSeconds(5),
                    () -> "descriptors back to the baseline " + fdBaseline + " (+" + FD_SLACK + "), now " + descriptorCount());
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // 4. slowloris at scale

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void slowlorisClientsAreAllCutAtTheHeadTimeoutWhileOthersAreServed() throws Exception {
        Path root = Fixtures.root(dir);
        int n = HEAVY ? 200 : 50;
        Duration headTimeout = Duration.ofMillis(500);
        try (TestServer server = new TestServer(root, c -> c
                .headTimeout(headTimeout).writeTimeout(Duration.ofSeconds(30))
                .linger(Duration.ofSeconds(2)).lingerBytes(64 * 1024))) {
            byte[] head = ascii("GET /index.html HTTP/1.0\r\nX-Slow: ");
            ExecutorService pool = Executors.newFixedThreadPool(n);
            CountDownLatch connected = new CountDownLatch(n);
            List<Future<long[]>> results = new ArrayList<>(); // {cut after ms, status, bytes sent, ended with FIN, port}
            try {
                for (int i = 0; i < n; i++) {
                    results.add(pool.submit(() -> {
                        try (RawClient c = new RawClient(server.port())) {
                            c.socket.setSoTimeout(3000);
                            long start = System.nanoTime();
                            connected.countDown();
                            long sent = 0;
                            long cutAfter = -1;
                            try {
                                // one byte each 100 ms, for as long as the server lets us (at most 3 s)
                                while (System.nanoTime() - start < 3_000_000_000L) {
                                    c.send(new byte[] {sent < head.length ? head[(int) sent] : (byte) 's'});
                                    sent++;
                                    Thread.sleep(100);
                                    if (c.socket.getInputStream().available() > 0) {
                                        break;
                                    }
                                }
                            } catch (IOException cut) {
                                // the server ended the connection under our write
                            }
                            cutAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                            RawClient.Reply reply = c.readAll();
                            return new long[] {cutAfter, reply.status(), sent, reply.end() == RawClient.End.FIN ? 1 : 0,
                                    c.socket.getLocalPort()};
                        }
                    }));
                }
                assertTrue(connected.await(10, TimeUnit.SECONDS), "slowloris clients connected");
                awaitTrue(() -> server.server.openConnections() >= n, Duration.ofSeconds(2),
                        "the slowloris clients are all connected");

                // A normal client, served while every slowloris connection is open.
                long start = System.nanoTime();
                int normalPort;
                try (RawClient c = new RawClient(server.port())) {
                    normalPort = c.socket.getLocalPort();
                    RawClient.Reply reply = c.send("GET /small.txt HTTP/1.0\r\n\r\n").halfClose().readAll();
                    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    assertEquals(200, reply.status());
                    assertTrue(millis < 1000, "the normal client waited " + millis + " ms");
                }

                List<Integer> ports = new ArrayList<>();
                ports.add(normalPort);
                long slowest = 0;
                for (Future<long[]> f : results) {
                    long[] r = f.get(10, TimeUnit.SECONDS);
                    assertEquals(408, r[1], "slowloris answer");
                    assertEquals(1, r[3], "slowloris connection ended with FIN");
                    assertTrue(r[0] >= headTimeout.toMillis() - 50 && r[0] <= 1500,
                            "slowloris cut after " + r[0] + " ms having sent " + r[2] + " bytes");
                    slowest = Math.max(slowest, r[0]);
                    ports.add((int) r[4]);
                }
                Map<Integer, AccessRecord> records = ConfinementTest.recordsFor(server, ports);
                for (int p : ports) {
                    AccessRecord r = records.get(p);
                    if (p == normalPort) {
                        assertEquals(Outcome.COMPLETE, r.outcome(), r.toString());
                    } else {
                        assertEquals(Outcome.TIMEOUT, r.outcome(), r.toString());
                        assertEquals(408, r.status(), r.toString());
                    }
                }
                System.out.printf("ResourceBoundsTest: %d slowloris clients, the slowest cut after %d ms%n", n, slowest);
            } finally {
                pool.shutdownNow();
                assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
            }
            awaitTrue(() -> server.server.openConnections() == 0, Duration.ofSeconds(5), "all connections closed");
        }
    }

    // ----------------------------------------------------------------------------------------------------------
    // helpers

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Entries of /proc/self/fd (the directory stream's own descriptor included, every time alike). */
    static long descriptorCount() {
        long count = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path ignored : fds) {
                count++;
            }
        } catch (IOException e) {
            throw new AssertionError("cannot list /proc/self/fd", e);
        }
        return count;
    }

    /** How many of this process's descriptors are open on {@code file} (its real path). */
    static long descriptorsPointingAt(Path file) {
        long count = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    if (Files.readSymbolicLink(fd).equals(file)) {
                        count++;
                    }
                } catch (IOException gone) {
                    // closed between the listing and the read
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot list /proc/self/fd", e);
        }
        return count;
    }

    /** The descriptor count once it has stopped moving (a few equal samples in a row). */
    private static long settledDescriptorCount() throws InterruptedException {
        long last = descriptorCount();
        for (int same = 0, i = 0; same < 3 && i < 50; i++) {
            Thread.sleep(50);
            long now = descriptorCount();
            same = now == last ? same + 1 : 0;
            last = now;
        }
        return last;
    }

    private static long maxDescriptors() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof UnixOperatingSystemMXBean unix ? unix.getMaxFileDescriptorCount() : 4096;
    }

    private static long buffersInUse(ArrayByteBufferPool pool) {
        return pool.getDirectByteBufferCount() - pool.getAvailableDirectByteBufferCount()
                + pool.getHeapByteBufferCount() - pool.getAvailableHeapByteBufferCount();
    }

    private static long usedHeapAfterGc() throws InterruptedException {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(50);
            Runtime rt = Runtime.getRuntime();
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }

    private static long directMemoryUsed() {
        long used = 0;
        for (BufferPoolMXBean b : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
            if (b.getName().equals("direct")) {
                used += b.getMemoryUsed();
            }
        }
        return used;
    }

    private static String mib(long bytes) {
        return String.format("%.1f MiB", bytes / 1048576.0);
    }

    private static void awaitTrue(BooleanSupplier condition, Duration timeout, String what) throws InterruptedException {
        awaitTrue(condition, timeout, () -> what);
    }

    /** Waits for {@code condition} (see {@link Await}); fails with {@code what} (evaluated at the failure) after {@code timeout}. */
    private static void awaitTrue(BooleanSupplier condition, Duration timeout, Supplier<String> what)
            throws InterruptedException {
        Await.until(timeout, condition::getAsBoolean, what);
    }
}
