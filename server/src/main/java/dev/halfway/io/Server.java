package dev.halfway.io;

import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.Outcome;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

/**
 * The halfway server: a listening socket, Jetty's selectors (each running one {@link Loop} of
 * connections on a thread of its own, {@link IoThreads}), a timer thread, a buffer pool and the
 * small-file cache ({@link FileCache}, whose watch thread starts and stops with the server): a
 * fixed number of threads, whatever the load. {@link #start} binds and accepts; {@link #stop}
 * stops accepting, lets in-flight exchanges finish within the drain timeout, then cuts what is
 * left (logged as {@code shutdown}).
 *
 * <p>At most {@code maxConnections} connections are open at once. The {@link ThrottledAcceptor}
 * takes a slot before each accept and a closing connection gives it back; with no slot free it
 * stops accepting, so new connections wait in the kernel's accept queue (backlog 1024) and are
 * served in turn, and the open ones are not disturbed.
 */
public final class Server {
    /** The names of the server's threads: {@code halfway-io-N}, one per selector, and {@code halfway-timer-N}. */
    static final String IO_THREAD_NAME = "halfway-io";
    static final String TIMER_THREAD_NAME = "halfway-timer";
    /** Connections read into 8 KiB buffers, one per selector at a time; keep a few, and no big ones. */
    private static final int POOLED_MAX_CAPACITY = 16 * 1024;
    private static final int POOLED_PER_SIZE = 16;
    private static final long POOLED_MAX_BYTES = 1024 * 1024;

    private final ServerConfig config;
    private final Responder responder;
    private final FileCache files;
    private final ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler(TIMER_THREAD_NAME, true);
    private final ByteBufferPool bufferPool = new ArrayByteBufferPool(0, 0, POOLED_MAX_CAPACITY, POOLED_PER_SIZE,
            POOLED_MAX_BYTES, POOLED_MAX_BYTES);
    private final int selectorCount = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
    private final IoThreads threads = new IoThreads(IO_THREAD_NAME, selectorCount);
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong offThread = new AtomicLong();
    private final Object drained = new Object();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Semaphore slots;
    private Selectors selectors;
    private ServerSocketChannel listener;
    private ThrottledAcceptor acceptor;
    private volatile boolean stopping;
    private int boundPort;

    public Server(ServerConfig config) {
        this.config = config;
        this.files = new FileCache(config.root(), config.cacheBytes(), config.cacheEntries(), config.cacheFileMax(), System.err);
        this.responder = new Responder(config.root(), config.listing(), files);
        this.slots = new Semaphore(config.maxConnections());
    }

    /** Binds the listening socket and starts accepting; throws {@link IOException} when the address cannot be bound. */
    public synchronized void start() throws IOException {
        files.start();
        try {
            scheduler.start();
            selectors = new Selectors(threads, scheduler, selectorCount,
                    thread -> new Loop(config, responder, bufferPool, thread, scheduler, open::incrementAndGet, this::closed, offThread),
                    this::acceptFailed);
            selectors.start();
        } catch (Exception e) {
            stopComponents();
            throw new IOException("could not start the I/O threads: " + e.getMessage(), e);
        }
        try {
            listener = ServerSocketChannel.open();
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            if (config.reusePort()) {
                listener.setOption(StandardSocketOptions.SO_REUSEPORT, true);
            }
            listener.bind(new InetSocketAddress(config.host(), config.port()), 1024);
            boundPort = ((InetSocketAddress) listener.getLocalAddress()).getPort();
        } catch (IOException e) {
            closeQuietly(listener);
            stopComponents();
            throw e;
        }
        scheduler.schedule(this::sweep, sweepPeriodMillis(), TimeUnit.MILLISECONDS);
        acceptor = new ThrottledAcceptor(listener, selectors.pick(), slots, this::register, scheduler);
        acceptor.start();
    }

    /**
     * One timer for all connections: every period, each loop is handed one tick, which it runs on
     * its own thread for each of its connections (head, write progress, linger, stop deadlines).
     * Scheduling and cancelling a task per connection costs more than the whole exchange; a
     * deadline is met to within one period.
     */
    private void sweep() {
        if (stopped.getCount() == 0) {
            return;
        }
        config.accessLog().flush();
        for (Loop loop : selectors.loops()) {
            loop.submit(() -> loop.sweep(System.nanoTime()));
        }
        try {
            scheduler.schedule(this::sweep, sweepPeriodMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException stopping) {
            // the scheduler stopped
        }
    }

    /** An eighth of the shortest timeout, between 10 ms and 250 ms. */
    private long sweepPeriodMillis() {
        long shortest = Math.min(config.headTimeout().toMillis(), config.writeTimeout().toMillis());
        if (!config.linger().isZero()) {
            shortest = Math.min(shortest, config.linger().toMillis());
        }
        return Math.max(10, Math.min(250, shortest / 8));
    }

    /** Hands an accepted socket to a selector; its slot is already taken. */
    private void register(SocketChannel socket) {
        try {
            socket.configureBlocking(false);
            selectors.accept(socket);
        } catch (IOException | RuntimeException e) {
            acceptFailed(socket, e);
        }
    }

    /** An accepted socket that never became a connection still gets its one log line, and its slot back. */
    private void acceptFailed(SelectableChannel channel, Throwable cause) {
        AccessRecord.Builder record = AccessRecord.builder().startMillis(System.currentTimeMillis())
                .outcome(stopping ? Outcome.SHUTDOWN : Outcome.ERROR, "accepted socket could not be registered");
        try {
            InetSocketAddress remote = (InetSocketAddress) ((SocketChannel) channel).getRemoteAddress();
            record.remote(remote.getAddress().getHostAddress(), remote.getPort());
        } catch (IOException | RuntimeException ignored) {
            // no address to show
        }
        closeQuietly(channel);
        try {
            config.accessLog().log(record.build());
        } finally {
            slots.release();
            if (acceptor != null) {
                acceptor.resume();
            }
        }
    }

    /** The bound port (useful when the configured port was 0). */
    public synchronized int port() {
        return boundPort;
    }

    public ServerConfig config() {
        return config;
    }

    /** Open connections, for tests and the drain. */
    public int openConnections() {
        return open.get();
    }

    /**
     * Events that reached a connection on another thread than its own loop's. Always 0: each
     * connection is confined to its selector thread (see {@link Selectors}); the tests check it.
     */
    public long eventsOffThread() {
        return offThread.get();
    }

    /**
     * Stops accepting (new connections are refused by the kernel), closes connections that have
     * not sent a byte, lets the others finish within the drain timeout, cuts what remains (each
     * loop does this on its own thread, on its next tick after the deadline), and stops the I/O
     * threads. Idempotent.
     */
    public void stop() {
        synchronized (this) {
            if (stopping) {
                awaitStopped();
                return;
            }
            stopping = true;
        }
        if (acceptor != null) {
            acceptor.stop();
        }
        closeQuietly(listener);
        long now = System.nanoTime();
        long deadline = now + config.drainTimeout().toNanos();
        if (selectors != null) {
            for (Loop loop : selectors.loops()) {
                loop.submit(() -> loop.stop(System.nanoTime(), deadline));
            }
        }
        awaitDrained(deadline + TimeUnit.SECONDS.toNanos(2)); // the cut itself takes a tick
        stopComponents();
        config.accessLog().flush();
        stopped.countDown();
    }

    /** Blocks until {@link #stop} has finished. */
    public void awaitStopped() {
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitDrained(long deadline) {
        synchronized (drained) {
            long left;
            while (open.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(drained, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** The small-file cache (tests look at it). */
    FileCache files() {
        return files;
    }

    private void stopComponents() {
        files.close();
        for (LifeCycle component : new LifeCycle[] {selectors, scheduler}) {
            if (component != null) {
                try {
                    component.stop();
                } catch (Exception ignored) {
                    // stopping: nothing else can be done about it
                }
            }
        }
        try {
            threads.join(5, TimeUnit.SECONDS); // the selectors' loops end as the selectors stop
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // already closed
            }
        }
    }

    /** The selector threads that are alive (one per selector while the server runs). */
    List<Thread> ioThreads() {
        return threads.threads();
    }

    /** One of the selectors (for tests that hand a selector their own channels). */
    ManagedSelector selector() {
        return selectors.pick();
    }

    /** How many selectors, and so selector threads, the server runs. */
    int selectorCount() {
        return selectorCount;
    }

    /**
     * Tasks Jetty handed to the selectors' executor from outside a selector thread once every
     * selector thread was running (they ran in their caller). Always 0; the tests check it.
     */
    long tasksRanInCaller() {
        return threads.ranInCaller();
    }

    /** The pool the connections' read buffers come from (the resource tests watch it return to baseline). */
    ByteBufferPool bufferPool() {
        return bufferPool;
    }

    /** A connection's one record (on its loop's thread): log it, give its slot back. */
    private void closed(AccessRecord record) {
        try {
            config.accessLog().log(record);
        } finally {
            open.decrementAndGet();
            slots.release();
            acceptor.resume();
            if (stopping) {
                synchronized (drained) {
                    drained.notifyAll();
                }
            }
        }
    }
}
