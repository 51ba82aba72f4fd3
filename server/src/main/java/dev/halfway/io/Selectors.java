package dev.halfway.io;

import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Jetty's selector loop, configured for halfway: every socket handed to {@link #accept} gets a
 * {@link SendfileEndPoint} and a connection from {@code connections}; one that cannot be
 * registered goes to {@code failed}.
 */
final class Selectors extends SelectorManager {
    private final Function<SendfileEndPoint, Connection> connections;
    private final BiConsumer<SelectableChannel, Throwable> failed;

    /**
     * Endpoints keep Jetty's idle timeout off (0): each phase of a connection has its own timer
     * (head, write progress, linger), which an idle timer would cut across.
     */
    Selectors(Executor executor, Scheduler scheduler, int selectors, Function<SendfileEndPoint, Connection> connections,
              BiConsumer<SelectableChannel, Throwable> failed) {
        super(executor, scheduler, selectors);
        this.connections = connections;
        this.failed = failed;
    }

    /**
     * Creating and destroying an endpoint (Jetty's CreateEndPoint and DestroyEndPoint tasks) run
     * in the thread that asked for them instead of being handed to the pool: for halfway they do
     * no blocking work (onOpen asks for fill interest; onClose writes a line into a buffer), and
     * the hand-off cost a thread wake-up per connection (measured: futex calls per request 6 → 3).
     * Any other task, or a renamed one, is dispatched as Jetty intends.
     */
    @Override
    protected void execute(Runnable task) {
        String name = task.getClass().getSimpleName();
        if (name.equals("DestroyEndPoint") || name.equals("CreateEndPoint")) {
            task.run();
            return;
        }
        super.execute(task);
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
        return new SendfileEndPoint((SocketChannel) channel, selector, key, getScheduler());
    }

    @Override
    public Connection newConnection(SelectableChannel channel, EndPoint endPoint, Object attachment) {
        return connections.apply((SendfileEndPoint) endPoint);
    }
}
