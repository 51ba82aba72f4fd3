package dev.halfway.io;

import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Accepts on a selector thread, as many connections as there are free slots. With no slot free it
 * stops asking for OP_ACCEPT, so new connections wait in the kernel's accept queue; a closing
 * connection gives its slot back and accepting resumes. Accepting on the selector (rather than
 * on a thread of its own) spares a thread hand-off per connection.
 */
final class ThrottledAcceptor implements ManagedSelector.Selectable, ManagedSelector.SelectorUpdate {
    private final ServerSocketChannel listener;
    private final ManagedSelector selector;
    private final Semaphore slots;
    private final Consumer<SocketChannel> accepted;
    private final Scheduler scheduler;
    private final AtomicBoolean paused = new AtomicBoolean();
    private volatile SelectionKey key;

    ThrottledAcceptor(ServerSocketChannel listener, ManagedSelector selector, Semaphore slots,
                      Consumer<SocketChannel> accepted, Scheduler scheduler) throws IOException {
        this.listener = listener;
        this.selector = selector;
        this.slots = slots;
        this.accepted = accepted;
        this.scheduler = scheduler;
        listener.configureBlocking(false);
    }

    void start() {
        selector.submit(this);
    }

    /** Registers the listener on the selector (runs on the selector thread). */
    @Override
    public void update(Selector s) {
        try {
            key = listener.register(s, SelectionKey.OP_ACCEPT, this);
        } catch (ClosedChannelException e) {
            // stopped before it started
        }
    }

    /** The listener is ready: accept while there are slots, on this (the selector) thread. */
    @Override
    public Runnable onSelected() {
        while (true) {
            if (!slots.tryAcquire()) {
                pause();
                return null;
            }
            SocketChannel socket;
            try {
                socket = listener.accept();
            } catch (IOException e) {
                slots.release();
                if (listener.isOpen()) {
                    // e.g. out of file descriptors: stop asking for a moment instead of spinning
                    pause();
                    scheduler.schedule(this::resume, 50, TimeUnit.MILLISECONDS);
                }
                return null;
            }
            if (socket == null) {
                slots.release();
                return null;
            }
            accepted.accept(socket);
        }
    }

    /**
     * Stops accepting and closes the listener so that new connections are refused at once. A
     * channel registered with a selector is only really closed once the selector has dropped its
     * key, so this runs on the selector thread: cancel the key, let a selectNow drop it, close.
     * Waits (up to 2 s) until that is done.
     */
    void stop() {
        java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
        try {
            selector.submit(s -> {
                try {
                    SelectionKey k = key;
                    if (k != null) {
                        k.cancel();
                        s.selectNow();
                    }
                } catch (IOException | RuntimeException ignored) {
                    // closing below is what matters
                } finally {
                    close();
                    done.countDown();
                }
            });
            done.await(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            close(); // if the selector was gone already
        }
    }

    private void close() {
        try {
            listener.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    /** A slot is free again (any thread). */
    void resume() {
        if (paused.compareAndSet(true, false)) {
            selector.submit(s -> setInterest(SelectionKey.OP_ACCEPT));
        }
    }

    private void pause() {
        paused.set(true);
        setInterest(0);
        // A slot freed between tryAcquire and here would find paused still false: look again.
        if (slots.availablePermits() > 0 && paused.compareAndSet(true, false)) {
            setInterest(SelectionKey.OP_ACCEPT);
        }
    }

    private void setInterest(int ops) {
        SelectionKey k = key;
        if (k != null && k.isValid()) {
            k.interestOps(ops);
        }
    }

    @Override
    public void updateKey() {
    }

    @Override
    public void replaceKey(SelectionKey newKey) {
        key = newKey;
    }
}
