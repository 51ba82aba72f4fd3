package dev.halfway.io;

import dev.halfway.log.AccessRecord;
import dev.halfway.log.FinTiming;
import dev.halfway.log.Linger;
import dev.halfway.log.Outcome;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.util.component.LifeCycle;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * The halfway server: a listening socket, Jetty's selectors, a thread pool,
 * a scheduler and a buffer pool, and the set of open connections. {@link #start} binds and
 * accepts; {@link #stop} stops accepting, lets in-flight exchanges finish within the drain
 * timeout, then cuts what is left (logged as {@code shutdown}).
 *
 * <p>At most {@code maxConnections} connections are open at once. The {@link ThrottledAcceptor}
 * takes a slot before each accept and a closing connection gives it back; with no slot free it
 * stops accepting, so new connections wait in the kernel's accept queue (backlog 1024) and are
 * served in turn, and the open ones are not disturbed.
 */
public final class Server {
    private static final int INPUT_BUFFER = 8 * 1024;

    private final ServerConfig config;
    private final Responder responder;
    private final QueuedThreadPool threads = new QueuedThreadPool(200, 4);
    private final ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler("halfway-timer", true);
    private final ByteBufferPool bufferPool = new ArrayByteBufferPool();
    private final Set<ServerConnection> connections = ConcurrentHashMap.newKeySet();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Semaphore slots;
    private Selectors selectors;
    private ServerSocketChannel listener;
    private ThrottledAcceptor acceptor;
    private volatile boolean stopping;
    private int boundPort;

    public Server(ServerConfig config) {
        this.config = config;
        this.responder = new Responder(config.root(), config.listing());
        this.slots = new Semaphore(config.maxConnections());
        threads.setName("halfway");
        threads.setDaemon(true);
        threads.setReservedThreads(0); // connections run on the selector threads; few jobs are dispatched
    }

    /** Binds the listening socket and starts accepting; throws {@link IOException} when the address cannot be bound. */
    public synchronized void start() throws IOException {
        try {
            threads.start();
            scheduler.start();
            int selectorCount = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
            selectors = new Selectors(threads, scheduler, selectorCount, endPoint -> new ServerConnection(endPoint, this),
                    this::acceptFailed);
            selectors.start();
        } catch (Exception e) {
            stopComponents();
            throw new IOException("could not start the I/O threads: " + e.getMessage(), e);
        }
        try {
            listener = ServerSocketChannel.open();
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
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
     * One timer for all connections: every period, each connection checks its own deadlines
     * (head, write progress, linger). Scheduling and cancelling a task per connection costs more
     * than the whole exchange; a deadline is met to within one period.
     */
    private void sweep() {
        if (stopped.getCount() == 0) {
            return;
        }
        config.accessLog().flush();
        long now = System.nanoTime();
        for (ServerConnection c : connections) {
            try {
                c.checkTimeouts(now);
            } catch (RuntimeException e) {
                // one connection's failure must not stop the others' timers
            }
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
            socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
            selectors.accept(socket);
        } catch (IOException | RuntimeException e) {
            acceptFailed(socket, e);
        }
    }

    /** An accepted socket that never became a connection still gets its one log line, and its slot back. */
    private void acceptFailed(SelectableChannel channel, Throwable cause) {
        String host = "-";
        int remotePort = 0;
        try {
            InetSocketAddress remote = (InetSocketAddress) ((SocketChannel) channel).getRemoteAddress();
            host = remote.getAddress().getHostAddress();
            remotePort = remote.getPort();
        } catch (IOException | RuntimeException ignored) {
            // no address to show
        }
        closeQuietly(channel);
        try {
            config.accessLog().log(new AccessRecord(host, remotePort, System.currentTimeMillis(), null, 0, 0, -1, 0, 0,
                    FinTiming.NONE, stopping ? Outcome.SHUTDOWN : Outcome.ERROR, Linger.NONE,
                    "accepted socket could not be registered", null));
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
        return connections.size();
    }

    /**
     * Stops accepting (new connections are refused by the kernel), closes connections that have
     * not sent a byte, waits up to the drain timeout for the others, cuts what remains, and
     * stops the I/O threads. Idempotent.
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
        for (ServerConnection c : connections) {
            if (c.isIdle()) {
                c.shutdown();
            }
        }
        long deadline = System.nanoTime() + config.drainTimeout().toNanos();
        awaitDrained(deadline);
        for (ServerConnection c : connections) {
            c.shutdown();
        }
        awaitDrained(System.nanoTime() + TimeUnit.SECONDS.toNanos(2));
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
        while (!connections.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void stopComponents() {
        for (LifeCycle component : new LifeCycle[] {selectors, scheduler, threads}) {
            if (component != null) {
                try {
                    component.stop();
                } catch (Exception ignored) {
                    // stopping: nothing else can be done about it
                }
            }
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

    void opened(ServerConnection connection) {
        connections.add(connection);
        if (stopping) {
            connection.shutdown();
        }
    }

    void closed(ServerConnection connection, AccessRecord record) {
        try {
            config.accessLog().log(record);
        } finally {
            if (connections.remove(connection)) {
                slots.release();
                acceptor.resume();
            }
        }
    }

    Executor executor() {
        return threads;
    }

    Scheduler scheduler() {
        return scheduler;
    }

    ByteBufferPool bufferPool() {
        return bufferPool;
    }

    int inputBufferSize() {
        return INPUT_BUFFER;
    }

    Responder responder() {
        return responder;
    }
}
