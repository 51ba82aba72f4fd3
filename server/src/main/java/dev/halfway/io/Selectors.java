package dev.halfway.io;

import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Jetty's selector loops, configured for halfway: each {@link ManagedSelector} runs one
 * {@link Loop}; every socket handed to {@link #accept} gets a {@link SendfileEndPoint} and a
 * {@link ServerConnection} on the loop of the selector it lands on; one that cannot be registered
 * goes to {@code failed}.
 *
 * <p>One connection, one thread: the executor is {@link IoThreads}, one thread per selector loop.
 * Whatever Jetty hands it on a selector thread runs there at once: the creation of an accepted
 * endpoint (by the selector that registered it), the destruction of a closed one (where it was
 * closed, which for halfway is always its selector), and any task the execution strategy would
 * otherwise hand to another thread because its invocation type says it may block. They are short
 * and never block (onOpen asks for fill interest; onClose writes a line into a buffer). This rule
 * names no Jetty class, so an upgrade cannot silently change it; every socket test checks the
 * result (no event ever reaches a connection off its own thread, see {@code TestServer#close}),
 * and {@code ThreadBoundsTest} that the threads stay as many as the selectors.
 */
final class Selectors extends SelectorManager {
    private final Function<Consumer<Runnable>, Loop> loops;
    private final BiConsumer<SelectableChannel, Throwable> failed;
    private final List<Loop> started = new CopyOnWriteArrayList<>();

    /**
     * Endpoints keep Jetty's idle timeout off (0): each phase of a connection has its own timer
     * (head, write progress, linger), which an idle timer would cut across.
     *
     * @param loops makes the loop of a new selector, given the way to run a task on its thread
     */
    Selectors(IoThreads executor, Scheduler scheduler, int selectors, Function<Consumer<Runnable>, Loop> loops,
              BiConsumer<SelectableChannel, Throwable> failed) {
        super(executor, scheduler, selectors);
        this.loops = loops;
        this.failed = failed;
    }

    @Override
    protected ManagedSelector newSelector(int id) {
        LoopSelector selector = new LoopSelector(this, id);
        selector.loop = loops.apply(task -> selector.submit(s -> task.run()));
        started.add(selector.loop);
        return selector;
    }

    /** Every selector's loop. */
    List<Loop> loops() {
        return List.copyOf(started);
    }

    /** A selector to run the acceptor on. */
    ManagedSelector pick() {
        return chooseSelector();
    }

    @Override
    protected void onAcceptFailed(SelectableChannel channel, Throwable cause) {
        failed.accept(channel, cause);
    }

    @Override
    protected EndPoint newEndPoint(SelectableChannel channel, ManagedSelector selector, SelectionKey key) {
        return new SendfileEndPoint((SocketChannel) channel, selector, key, getScheduler(), ((LoopSelector) selector).loop);
    }

    @Override
    public Connection newConnection(SelectableChannel channel, EndPoint endPoint, Object attachment) {
        SendfileEndPoint socket = (SendfileEndPoint) endPoint;
        Loop loop = socket.loop();
        if (loop.config.tls() == null) {
            return new ServerConnection(socket, loop);
        }
        // TLS writes records one flush at a time (a handshake flight is several): no Nagle delay between them.
        socket.noDelay();
        TlsConnection tls = new TlsConnection(loop.buffers, loop::submit, socket, TlsConnection.engine(loop.config.tls().context()));
        tls.getSslEndPoint().setConnection(new ServerConnection(tls, loop));
        return tls;
    }

    /** A selector and the loop it runs. */
    private static final class LoopSelector extends ManagedSelector {
        private Loop loop;

        LoopSelector(SelectorManager manager, int id) {
            super(manager, id);
        }
    }
}
