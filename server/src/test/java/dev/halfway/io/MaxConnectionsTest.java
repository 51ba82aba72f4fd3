package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.halfway.conn.Outcome;
import dev.halfway.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Past --max-connections, new connections wait in the kernel's accept queue: they are served in
 * turn as slots free up, and the open ones are not disturbed.
 */
class MaxConnectionsTest {
    @TempDir
    Path dir;

    @Test
    void connectionsBeyondTheLimitWaitTheirTurnWithoutHurtingTheOthers() throws Exception {
        try (TestServer server = new TestServer(Fixtures.root(dir), c -> c.maxConnections(3))) {
            List<RawClient> holders = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    holders.add(new RawClient(server.port()));
                }
                awaitOpen(server, 3);
                try (RawClient waiting = new RawClient(server.port())) { // the kernel completes the handshake
                    waiting.send("GET /small.txt HTTP/1.0\r\n\r\n").halfClose();
                    waiting.socket.setSoTimeout(500);
                    RawClient.Reply early = waiting.read(Long.MAX_VALUE, 1024, 0);
                    assertEquals(RawClient.End.TIMEOUT, early.end(), "not served while all slots are taken");
                    assertEquals(0, early.bytes().length);
                    assertEquals(3, server.server.openConnections());

                    // The holders are served as usual; each one that closes frees a slot.
                    RawClient first = holders.remove(0);
                    RawClient.Reply held = first.send("GET /small.txt HTTP/1.0\r\n\r\n").halfClose().readAll();
                    first.close();
                    assertEquals(200, held.status());
                    assertEquals(RawClient.End.FIN, held.end());

                    waiting.socket.setSoTimeout(10_000);
                    RawClient.Reply late = waiting.readAll();
                    assertEquals(200, late.status(), "served once a slot was free");
                    assertEquals(RawClient.End.FIN, late.end());
                }
                for (RawClient h : holders) {
                    RawClient.Reply r = h.send("GET /small.txt HTTP/1.0\r\n\r\n").halfClose().readAll();
                    assertEquals(200, r.status(), "the open connections were not disturbed");
                }
            } finally {
                for (RawClient h : holders) {
                    h.close();
                }
            }
            server.records(4).forEach(r -> assertEquals(Outcome.COMPLETE, r.outcome()));
        }
    }

    static void awaitOpen(TestServer server, int n) throws InterruptedException {
        Await.until(Duration.ofSeconds(5), () -> server.server.openConnections() >= n,
                () -> "only " + server.server.openConnections() + " of " + n + " connections opened");
    }
}
