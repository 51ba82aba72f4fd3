package dev.halfway.io;

import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.Lifecycle;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * One selector thread's share of the server: the connections it serves and what they need. Every
 * connection lives on one loop and is only ever touched on that loop's thread; the timer sweep
 * and a stop reach them through {@link #submit}, never by calling in from another thread. So the
 * set here needs no lock.
 */
final class Loop {
    final ServerConfig config;
    /** The connections' time limits, from {@link #config}. */
    final Lifecycle.Limits limits;
    final Responder responder;
    final ByteBufferPool buffers;
    private final Consumer<Runnable> thread;
    private final Scheduler timer;
    private final Runnable opened;
    private final Consumer<AccessRecord> closed;
    private final AtomicLong offThread;
    private final Set<ServerConnection> open = new HashSet<>();
    private boolean stopping;
    private long stopDeadline;

    /**
     * @param thread    runs a task on this loop's thread (the selector's {@code submit})
     * @param opened    told of each new connection (any loop's thread)
     * @param closed    given each connection's record, once (any loop's thread)
     * @param offThread counts events that reached a connection on another thread than its own:
     *                  zero unless the confinement is broken (the tests check it)
     */
    Loop(ServerConfig config, Responder responder, ByteBufferPool buffers, Consumer<Runnable> thread,
         Scheduler timer, Runnable opened, Consumer<AccessRecord> closed, AtomicLong offThread) {
        this.timer = timer;
        this.config = config;
        this.limits = new Lifecycle.Limits(config.headTimeout(), config.writeTimeout(), config.linger(), config.lingerBytes());
        this.responder = responder;
        this.buffers = buffers;
        this.thread = thread;
        this.opened = opened;
        this.closed = closed;
        this.offThread = offThread;
    }

    /** Runs {@code task} on this loop's thread. */
    void submit(Runnable task) {
        thread.accept(task);
    }

    /** Runs {@code task} on this loop's thread after {@code delay} (a safety bound, not a sweep). */
    void later(java.time.Duration delay, Runnable task) {
        try {
            timer.schedule(() -> submit(task), delay.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (RuntimeException stopped) {
            submit(task); // the timer has stopped: the server is going down, do it now
        }
    }

    /** A connection opened on this loop (its thread). A stop already under way reaches it at once. */
    void opened(ServerConnection connection, long now) {
        open.add(connection);
        opened.run();
        if (stopping) {
            connection.stop(now, stopDeadline);
        }
    }

    /** A connection finished (its thread): its one record goes to the log. */
    void finished(ServerConnection connection, AccessRecord record) {
        if (open.remove(connection)) {
            closed.accept(record);
        }
    }

    /** Checks every connection's deadlines (this loop's thread). */
    void sweep(long now) {
        for (ServerConnection c : new ArrayList<>(open)) {
            c.tick(now);
        }
    }

    /** The server stops: every connection must be done by {@code deadline} (this loop's thread). */
    void stop(long now, long deadline) {
        stopping = true;
        stopDeadline = deadline;
        for (ServerConnection c : new ArrayList<>(open)) {
            c.stop(now, deadline);
        }
    }

    void offThread() {
        offThread.incrementAndGet();
    }
}
