package dev.halfway.io;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The executor Jetty's selectors get: exactly one thread per selector loop, and never another.
 *
 * <p>Only a selector's own loop is worth a thread here: every task of a connection is short and
 * never blocks, so it runs where it is produced. That is the rule, and it holds for whatever Jetty
 * hands over, whichever way it gets here:
 * <ul>
 *   <li>from one of these threads (a selector creating or destroying an endpoint, or its execution
 *       strategy handing away a task it takes for blocking): runs at once, in the calling thread,
 *       which is the selector that owns the connection;</li>
 *   <li>from any other thread while fewer threads than {@code size} have been started (the
 *       selectors' loops, at start): gets a new thread;</li>
 *   <li>from any other thread after that: runs in the calling thread, and is counted
 *       ({@link #ranInCaller}, always 0 in halfway; the tests check it).</li>
 * </ul>
 *
 * <p>A {@code QueuedThreadPool} would start a new thread for each task handed to it while all its
 * threads are busy, and a selector's threads are always busy (each runs a loop that never
 * returns): Jetty's execution strategy hands it every task whose invocation type is
 * {@code BLOCKING}, for example a plain {@code Runnable}. Here such a task stays on its selector.
 */
final class IoThreads implements Executor {
    private final String name;
    private final Thread[] threads;
    private final AtomicLong ranInCaller = new AtomicLong();
    private int started; // guarded by this

    IoThreads(String name, int size) {
        if (size < 1) {
            throw new IllegalArgumentException("size must be at least 1");
        }
        this.name = name;
        this.threads = new Thread[size];
    }

    @Override
    public void execute(Runnable task) {
        if (Thread.currentThread() instanceof IoThread t && t.owner == this) {
            task.run();
            return;
        }
        Thread thread = null;
        synchronized (this) {
            if (started < threads.length) {
                thread = new IoThread(this, task, name + "-" + started);
                threads[started++] = thread;
            }
        }
        if (thread == null) {
            ranInCaller.incrementAndGet();
            task.run();
        } else {
            thread.start();
        }
    }

    /** The threads started so far that are still alive. */
    synchronized List<Thread> threads() {
        List<Thread> alive = new ArrayList<>(started);
        for (int i = 0; i < started; i++) {
            if (threads[i].isAlive()) {
                alive.add(threads[i]);
            }
        }
        return alive;
    }

    /** Tasks that came from another thread once every thread was started, and so ran in their caller. */
    long ranInCaller() {
        return ranInCaller.get();
    }

    /** Waits up to {@code timeout} for every thread to end (their loops end when the selectors stop). */
    void join(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (Thread t : threads()) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                return;
            }
            t.join(left);
        }
    }

    private static final class IoThread extends Thread {
        private final IoThreads owner;

        IoThread(IoThreads owner, Runnable task, String name) {
            super(task, name);
            this.owner = owner;
            setDaemon(true);
        }
    }
}
