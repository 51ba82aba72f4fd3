package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.Outcome;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The head timeout answers 408; the write-progress timeout drops a client that stopped reading. */
class TimeoutTest {
    @TempDir
    Path dir;

    private TestServer server(Duration head, Duration write) throws IOException {
        return new TestServer(Fixtures.root(dir), c -> c.headTimeout(head).writeTimeout(write));
    }

    @Test
    void anIncompleteHeadGets408WhenTheHeadTimeoutExpires() throws Exception {
        try (TestServer server = server(Duration.ofMillis(300), Duration.ofSeconds(30));
             RawClient c = new RawClient(server.port())) {
            RawClient.Reply reply = c.send("GET / HTTP/1.0\r\nHost: x\r\n").readAll();
            assertEquals(408, reply.status());
            assertEquals(RawClient.End.FIN, reply.end());
            AccessRecord r = server.nextRecord();
            assertEquals(Outcome.TIMEOUT, r.outcome());
            assertEquals(408, r.status());
            assertEquals("GET / HTTP/1.0", r.requestLine());
        }
    }

    @Test
    void aSilentConnectionGets408Too() throws Exception {
        try (TestServer server = server(Duration.ofMillis(200), Duration.ofSeconds(30));
             RawClient c = new RawClient(server.port())) {
            RawClient.Reply reply = c.readAll();
            assertEquals(408, reply.status());
            assertEquals(Outcome.TIMEOUT, server.nextRecord().outcome());
        }
    }

    @Test
    void tricklingTheHeadDoesNotExtendTheHeadTimeout() throws Exception {
        try (TestServer server = server(Duration.ofMillis(500), Duration.ofSeconds(30));
             RawClient c = new RawClient(server.port())) {
            long start = System.nanoTime();
            String head = "GET / HTTP/1.0\r\nX-Slow: " + "s".repeat(100);
            long answeredAfter = -1;
            try {
                for (int i = 0; i < head.length() && System.nanoTime() - start < 2_000_000_000L; i++) {
                    c.send(head.substring(i, i + 1));
                    Thread.sleep(50); // the scenario: one byte each 50 ms; the answer's time below shows it ran until the timeout
                    if (c.socket.getInputStream().available() > 0) {
                        answeredAfter = (System.nanoTime() - start) / 1_000_000;
                        break;
                    }
                }
            } catch (IOException cut) {
                answeredAfter = (System.nanoTime() - start) / 1_000_000;
            }
            RawClient.Reply reply = c.readAll();
            assertEquals(408, reply.status());
            AccessRecord r = server.nextRecord();
            assertEquals(Outcome.TIMEOUT, r.outcome());
            assertTrue(answeredAfter >= 450 && answeredAfter < 1200, "answered after " + answeredAfter + " ms");
        }
    }

    @Test
    void aClientThatStopsReadingIsDroppedAfterTheWriteTimeout() throws Exception {
        try (TestServer server = server(Duration.ofSeconds(10), Duration.ofMillis(500));
             RawClient c = new RawClient(server.port())) {
            c.socket.setReceiveBufferSize(16 * 1024);
            c.send("GET /big.bin HTTP/1.0\r\n\r\n").halfClose();
            AccessRecord r = server.nextRecord(); // we never read
            assertEquals(Outcome.TIMEOUT, r.outcome());
            assertEquals(Fixtures.BIG, r.bodyOwed());
            assertTrue(r.bodyBytes() < Fixtures.BIG, "sent " + r.bodyBytes());
            // The cut is an RST: the kernel drops what was queued, and the client cannot take the
            // cut response for a whole one.
            assertEquals(RawClient.End.RST, c.readAll().end());
        }
    }

    @Test
    void aClientThatKeepsSendingButNeverReadsIsDroppedToo() throws Exception {
        try (TestServer server = server(Duration.ofSeconds(10), Duration.ofMillis(500));
             RawClient c = new RawClient(server.port())) {
            c.socket.setReceiveBufferSize(16 * 1024);
            c.send("GET /big.bin HTTP/1.0\r\n\r\n");
            long start = System.nanoTime();
            int sent = 0;
            boolean dropped = false;
            try {
                while (System.nanoTime() - start < 5_000_000_000L) {
                    c.send("x"); // bytes the server reads and discards: activity, but no progress
                    sent++;
                    Thread.sleep(50); // the scenario: a steady trickle, one byte each 50 ms
                }
            } catch (IOException cut) {
                dropped = true; // the server closed the connection: what we want
            }
            AccessRecord r = server.nextRecord();
            assertEquals(Outcome.TIMEOUT, r.outcome());
            assertTrue(r.durationMillis() < 3000, "dropped after " + r.durationMillis() + " ms");
            // The state the trickle is for: the client was still sending when the server, its
            // writes stalled on a response we never read, dropped it.
            assertTrue(dropped && sent > 1, "dropped while sending: " + dropped + ", after " + sent + " bytes");
            assertTrue(r.bodyBytes() < Fixtures.BIG, "the response stalled: sent " + r.bodyBytes());
        }
    }
}
