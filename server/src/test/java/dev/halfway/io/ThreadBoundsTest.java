package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.halfway.testing.Await;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.jetty.io.ManagedSelector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's threads are a fixed set after start: one per selector ({@code halfway-io-N}) and the
 * timer ({@code halfway-timer-N}). Neither many open connections, nor a burst of short ones, nor
 * a task that Jetty takes for blocking adds one, and none is replaced. A sampler watches the
 * server threads of the whole JVM, by those names, all through each load (so a thread that came
 * and went would show), and before and after, the set of threads is the same set of
 * {@link Thread} objects.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ThreadBoundsTest {
    private static final int HELD_OPEN = 1000;
    private static final int BURST = 3000;
    private static final int BURST_CLIENTS = 64;

    @TempDir
    Path dir;

    @Test
    void aThousandConnectionsHeldOpenAddNoThread() throws Exception {
        Path root = Fixtures.root(dir);
        long headroom = (maxDescriptors() - ResourceBoundsTest.descriptorCount() - 512) / 2;
        assertTrue(headroom >= HELD_OPEN, "room for " + headroom + " connections only (ulimit -n " + maxDescriptors() + ")");
        try (TestServer server = new TestServer(root, c -> c.headTimeout(Duration.ofSeconds(60)))) {
            Set<Thread> before = baseline(server);
            List<Socket> held = new ArrayList<>(HELD_OPEN);
            try (Sampler sampler = new Sampler()) {
                for (int i = 0; i < HELD_OPEN; i++) {
                    Socket s = new Socket();
                    held.add(s);
                    s.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
                    if (i % 2 == 1) { // half of them idle, half a slowloris: a head that never ends
                        s.getOutputStream().write(ascii("GET /index.html HTTP/1.0\r\nX-Slow: "));
                    }
                }
                Await.until(Duration.ofSeconds(30), () -> server.server.openConnections() == HELD_OPEN,
                        () -> "all " + HELD_OPEN + " connections open (" + server.server.openConnections() + ")");
                try (RawClient c = new RawClient(server.port())) {
                    assertEquals(200, c.send("GET /small.txt HTTP/1.0\r\n\r\n").halfClose().readAll().status(),
                            "a request next to the held connections");
                }
                assertEquals(before, serverThreads(), "the threads while " + HELD_OPEN + " connections are open");
                for (Socket s : held) {
                    s.close();
                }
                Await.until(Duration.ofSeconds(30), () -> server.server.openConnections() == 0,
                        () -> "the held connections closed (" + server.server.openConnections() + " open)");
                sampler.assertNeverMoreThan(before.size());
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
            assertEquals(before, serverThreads(), "the threads after the connections closed");
        }
    }

    @Test
    void aBurstOfShortRequestsAddsNoThread() throws Exception {
        Path root = Fixtures.root(dir);
        try (TestServer server = new TestServer(root)) {
            Set<Thread> before = baseline(server);
            ExecutorService clients = Executors.newFixedThreadPool(BURST_CLIENTS);
            AtomicInteger served = new AtomicInteger();
            try (Sampler sampler = new Sampler()) {
                CountDownLatch go = new CountDownLatch(1);
                List<Future<?>> done = new ArrayList<>();
                for (int k = 0; k < BURST_CLIENTS; k++) {
                    int share = BURST / BURST_CLIENTS + (k < BURST % BURST_CLIENTS ? 1 : 0);
                    done.add(clients.submit(() -> {
                        go.await();
                        for (int i = 0; i < share; i++) {
                            try (RawClient c = new RawClient(server.port())) {
                                RawClient.Reply reply = c.send("GET /small.txt HTTP/1.0\r\n\r\n").halfClose().readAll();
                                assertEquals(200, reply.status(), reply::text);
                                served.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
                go.countDown(); // all clients at once
                for (Future<?> f : done) {
                    f.get(60, TimeUnit.SECONDS);
                }
                Await.until(Duration.ofSeconds(10), () -> server.server.openConnections() == 0,
                        () -> "every connection of the burst closed (" + server.server.openConnections() + " open)");
                sampler.assertNeverMoreThan(before.size());
            } finally {
                clients.shutdownNow();
                assertTrue(clients.awaitTermination(10, TimeUnit.SECONDS), "the client threads ended");
            }
            assertEquals(BURST, served.get());
            assertEquals(before, serverThreads(), "the threads after " + BURST + " requests from " + BURST_CLIENTS + " clients");
        }
    }

    /**
     * Jetty's execution strategy hands a task whose invocation type is BLOCKING (a plain
     * {@code Runnable}) to the executor rather than running it on the selector. With a
     * {@code QueuedThreadPool} each such task took a pool thread, and a new one whenever all were
     * busy: 50 of them that blocked grew the pool from 4 threads to 51. Here they run on the
     * selector that produced them.
     */
    @Test
    void aTaskJettyTakesForBlockingRunsOnItsSelectorThread() throws Exception {
        Path root = Fixtures.root(dir);
        try (TestServer server = new TestServer(root)) {
            Set<Thread> before = baseline(server);
            ManagedSelector selector = server.server.selector();
            int n = 50;
            CountDownLatch ran = new CountDownLatch(n);
            Set<Thread> ranOn = ConcurrentHashMap.newKeySet();
            List<Pipe> pipes = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    Pipe pipe = Pipe.open();
                    pipes.add(pipe);
                    pipe.source().configureBlocking(false);
                    selector.submit(new ReadyOnce(pipe.source(), () -> {
                        ranOn.add(Thread.currentThread());
                        ran.countDown();
                    }));
                    pipe.sink().write(ByteBuffer.wrap(new byte[] {1}));
                }
                assertTrue(ran.await(10, TimeUnit.SECONDS), "the selector ran the tasks");
                assertEquals(1, ranOn.size(), "the tasks ran on " + ranOn);
                Thread thread = ranOn.iterator().next();
                assertTrue(server.server.ioThreads().contains(thread), thread + " is one of the selector threads");
                assertEquals(before, serverThreads());
            } finally {
                for (Pipe p : pipes) {
                    p.source().close();
                    p.sink().close();
                }
            }
        }
    }

    /** The server's threads after start: one per selector and the timer; the JVM has no other server thread. */
    private static Set<Thread> baseline(TestServer server) throws Exception {
        try (RawClient c = new RawClient(server.port())) {
            assertEquals(200, c.send("GET /small.txt HTTP/1.0\r\n\r\n").halfClose().readAll().status());
        }
        assertEquals(server.server.selectorCount(), server.server.ioThreads().size(), "one thread per selector");
        Set<Thread> threads = serverThreads();
        assertTrue(threads.containsAll(server.server.ioThreads()), "the selector threads are named " + Server.IO_THREAD_NAME + "-N");
        assertEquals(server.server.selectorCount() + 1, threads.size(),
                "the selector threads and the timer, and no other server thread in this JVM: " + threads);
        return threads;
    }

    /** Every live thread in the JVM named as a server's thread is. */
    static Set<Thread> serverThreads() {
        Set<Thread> out = new HashSet<>();
        for (Thread t : allThreads()) {
            if (t != null && t.isAlive()
                    && (t.getName().startsWith(Server.IO_THREAD_NAME + "-") || t.getName().startsWith(Server.TIMER_THREAD_NAME))) {
                out.add(t);
            }
        }
        return out;
    }

    private static List<Thread> allThreads() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 64];
        int n;
        while ((n = root.enumerate(threads, true)) == threads.length) {
            threads = new Thread[threads.length * 2];
        }
        return Arrays.asList(threads).subList(0, n);
    }

    private static long maxDescriptors() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount() : 4096;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Counts the server threads every millisecond or so while it runs, and keeps the most it saw. */
    private static final class Sampler implements AutoCloseable {
        private final AtomicInteger most = new AtomicInteger();
        private final AtomicReference<Set<Thread>> mostSeen = new AtomicReference<>(Set.of());
        private final AtomicInteger samples = new AtomicInteger();
        private volatile boolean running = true;
        private final Thread thread = new Thread(this::run, "thread-sampler");

        Sampler() {
            thread.setDaemon(true);
            thread.start();
        }

        private void run() {
            while (running) {
                Set<Thread> now = serverThreads();
                samples.incrementAndGet();
                if (now.size() > most.get()) {
                    most.set(now.size());
                    mostSeen.set(now);
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        }

        void assertNeverMoreThan(int bound) throws InterruptedException {
            int seen = samples.get();
            Await.until(Duration.ofSeconds(5), () -> samples.get() > seen, "the sampler took one more sample");
            assertTrue(samples.get() > 10, "the sampler ran (" + samples.get() + " samples)");
            assertTrue(most.get() <= bound, "at most " + bound + " server threads, but " + most.get()
                    + " at once (" + samples.get() + " samples): " + mostSeen.get());
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            thread.join(5000);
        }
    }

    /** A channel on the selector whose one readiness produces {@code task}: a plain Runnable, BLOCKING to Jetty. */
    private static final class ReadyOnce implements ManagedSelector.Selectable, ManagedSelector.SelectorUpdate {
        private final SelectableChannel channel;
        private final Runnable task;
        private SelectionKey key;

        ReadyOnce(SelectableChannel channel, Runnable task) {
            this.channel = channel;
            this.task = task;
        }

        @Override
        public void update(Selector selector) {
            try {
                key = channel.register(selector, SelectionKey.OP_READ, this);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public Runnable onSelected() {
            key.cancel();
            return task;
        }

        @Override
        public void updateKey() {
        }

        @Override
        public void replaceKey(SelectionKey newKey) {
            key = newKey;
        }
    }
}
