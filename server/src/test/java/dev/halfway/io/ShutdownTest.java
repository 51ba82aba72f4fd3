package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.Outcome;
import dev.halfway.testing.Await;
import dev.halfway.testing.TcpTable;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A stop refuses new connections, lets in-flight responses finish within the drain timeout, and logs what it cut. */
class ShutdownTest {
    @TempDir
    Path dir;

    private TestServer server(Path root, Duration drain) throws IOException {
        return new TestServer(root, c -> c.drainTimeout(drain));
    }

    @Test
    void anInFlightResponseToAHalfClosedClientFinishesDuringTheDrain() throws Exception {
        Path root = Fixtures.root(dir);
        try (TestServer server = server(root, Duration.ofSeconds(10));
             RawClient c = new RawClient(server.port())) {
            c.socket.setReceiveBufferSize(64 * 1024);
            c.send("GET /big.bin HTTP/1.0\r\n\r\n").halfClose();
            RawClient.Reply first = c.read(256 * 1024, 64 * 1024, 0);
            CompletableFuture<Void> stopping = CompletableFuture.runAsync(server.server::stop);
            Await.until(Duration.ofSeconds(5), () -> !TcpTable.listening(server.port()),
                    "the stop closes the listening socket");
            assertFalse(stopping.isDone(), "the stop is still draining: the client has most of the response unread");
            assertThrows(ConnectException.class, () -> new RawClient(server.port()).close(), "no new connections while draining");
            RawClient.Reply rest = c.read(Long.MAX_VALUE, 64 * 1024, 1);
            stopping.get(15, TimeUnit.SECONDS);
            byte[] all = new byte[first.bytes().length + rest.bytes().length];
            System.arraycopy(first.bytes(), 0, all, 0, first.bytes().length);
            System.arraycopy(rest.bytes(), 0, all, first.bytes().length, rest.bytes().length);
            assertEquals(RawClient.End.FIN, rest.end());
            assertArrayEquals(Fixtures.big(root), new RawClient.Reply(all, rest.end()).body());
            assertEquals(Outcome.COMPLETE, server.nextRecord().outcome());
        }
    }

    @Test
    void whatTheDrainCannotFinishIsCutAndLoggedAsShutdown() throws Exception {
        try (TestServer server = server(Fixtures.root(dir), Duration.ofMillis(300));
             RawClient stalled = new RawClient(server.port());
             RawClient idle = new RawClient(server.port())) {
            stalled.socket.setReceiveBufferSize(16 * 1024);
            stalled.send("GET /big.bin HTTP/1.0\r\n\r\n");
            // Both connections are open, and the stalled one is in flight (not idle): its response has started.
            Await.until(Duration.ofSeconds(5),
                    () -> stalled.socket.getInputStream().available() > 0 && server.server.openConnections() == 2,
                    () -> "the response to the stalled client started and both connections are open (open: "
                            + server.server.openConnections() + ")");
            long start = System.nanoTime();
            server.server.stop();
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            AccessRecord a = server.nextRecord();
            AccessRecord b = server.nextRecord();
            assertEquals(Outcome.SHUTDOWN, a.outcome());
            assertEquals(Outcome.SHUTDOWN, b.outcome());
            assertEquals(java.util.Set.of(stalled.socket.getLocalPort(), idle.socket.getLocalPort()),
                    java.util.Set.of(a.remotePort(), b.remotePort()));
            assertEquals(true, tookMillis < 5000, "stop took " + tookMillis + " ms");
        }
    }
}
