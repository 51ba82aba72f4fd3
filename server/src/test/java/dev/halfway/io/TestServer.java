package dev.halfway.io;

import dev.halfway.file.DocumentRoot;
import dev.halfway.conn.AccessRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A halfway server on a free loopback port, serving {@code root}, whose access log goes to a
 * queue the test can wait on. Close it to stop the server.
 */
final class TestServer implements AutoCloseable {
    final Server server;
    private final BlockingQueue<AccessRecord> log = new LinkedBlockingQueue<>();

    TestServer(Path root) throws IOException {
        this(root, c -> c);
    }

    /** {@code adjust} changes the settings that differ from the defaults (and from port 0, a 5 s drain). */
    TestServer(Path root, UnaryOperator<ServerConfig.Builder> adjust) throws IOException {
        ServerConfig.Builder base = ServerConfig.builder(new DocumentRoot(root, false), log::add)
                .port(0).drainTimeout(Duration.ofSeconds(5));
        server = new Server(adjust.apply(base).build());
        server.start();
    }

    int port() {
        return server.port();
    }

    /** The next access-log record, waiting up to 10 s for it. */
    AccessRecord nextRecord() throws InterruptedException {
        AccessRecord r = log.poll(10, TimeUnit.SECONDS);
        if (r == null) {
            throw new AssertionError("no access-log line within 10 s");
        }
        return r;
    }

    /** The next record if one arrives within a second, else null. */
    AccessRecord pollRecord() throws InterruptedException {
        return log.poll(1, TimeUnit.SECONDS);
    }

    /** The next record if one arrives within 50 ms, else null. */
    AccessRecord pollShort() throws InterruptedException {
        return log.poll(50, TimeUnit.MILLISECONDS);
    }

    /** Exactly {@code n} records (waiting for each), and then no more within a short grace period. */
    List<AccessRecord> records(int n) throws InterruptedException {
        List<AccessRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(nextRecord());
        }
        AccessRecord extra = log.poll(200, TimeUnit.MILLISECONDS);
        if (extra != null) {
            throw new AssertionError("more access-log lines than connections: " + extra);
        }
        return out;
    }

    /**
     * Stops the server, and fails the test if any event reached a connection off its own loop
     * thread, or if Jetty handed its executor a task from outside the selector threads once they
     * were running: every socket test checks the one-connection-one-thread rule this way.
     */
    @Override
    public void close() {
        server.stop();
        if (server.eventsOffThread() != 0) {
            throw new AssertionError(server.eventsOffThread() + " connection events ran off their loop's thread");
        }
        if (server.tasksRanInCaller() != 0) {
            throw new AssertionError(server.tasksRanInCaller() + " tasks reached the selectors' executor from another thread");
        }
    }
}
