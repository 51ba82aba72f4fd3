package dev.halfway.io;

import dev.halfway.http.Limits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.Linger;
import dev.halfway.conn.Outcome;
import dev.halfway.testing.Await;
import dev.halfway.testing.TcpTable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 9112 §9.6 staged close: after the response, our FIN, then read and discard until the
 * client's EOF, a timeout or a byte cap. Unread input must never turn into an RST that destroys
 * the response's tail.
 */
class StagedCloseTest {
    @TempDir
    Path dir;

    @Test
    void aLargeResponseFollowedByUnreadTrailingBytesArrivesWholeWithFin() throws Exception {
        Path root = Fixtures.root(dir);
        try (TestServer server = new TestServer(root)) {
            RawClient.Reply reply;
            try (RawClient c = new RawClient(server.port())) {
                c.socket.setReceiveBufferSize(64 * 1024);
                byte[] trailing = new byte[256 * 1024];
                Arrays.fill(trailing, (byte) 'z');
                c.send("GET /big.bin HTTP/1.0\r\n\r\n").send(trailing);
                reply = c.read(Long.MAX_VALUE, 32 * 1024, 0);
            }
            assertEquals(RawClient.End.FIN, reply.end(), "the tail of the response must not be lost to an RST");
            assertArrayEquals(Fixtures.big(root), reply.body());
            assertEquals(Outcome.COMPLETE, server.nextRecord().outcome());
        }
    }

    @Test
    void aRefusedRequestWhoseBodyKeepsComingStillGetsItsWholeAnswer() throws Exception {
        Path root = Fixtures.root(dir);
        try (TestServer server = new TestServer(root, c -> c
                .linger(Duration.ofSeconds(5))
                .limits(new Limits(8192, 16384, 100, 64 * 1024)))) {
            RawClient.Reply reply;
            try (RawClient c = new RawClient(server.port())) {
                int bodyLength = 512 * 1024;
                c.send("POST /upload HTTP/1.0\r\nContent-Length: " + bodyLength + "\r\n\r\n");
                CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                    try {
                        c.send(new byte[bodyLength]);
                    } catch (IOException e) {
                        throw new RuntimeException(e);
                    }
                });
                reply = c.readAll();
                writer.get(10, TimeUnit.SECONDS);
            }
            assertEquals(413, reply.status());
            assertEquals(RawClient.End.FIN, reply.end());
            AccessRecord r = server.nextRecord();
            assertEquals(Outcome.BAD_REQUEST, r.outcome());
            assertEquals(Linger.CLIENT_EOF, r.linger(), "the body was drained until the client closed");
        }
    }

    @Test
    void aClientThatKeepsItsSideOpenIsClosedAfterTheLingerTimeout() throws Exception {
        try (TestServer server = new TestServer(Fixtures.root(dir),
                c -> c.linger(Duration.ofMillis(300)))) {
            try (RawClient c = new RawClient(server.port())) {
                RawClient.Reply reply = c.send("GET /small.txt HTTP/1.0\r\n\r\n").readAll();
                assertEquals(RawClient.End.FIN, reply.end());
                assertEquals(200, reply.status());
                AccessRecord r = server.nextRecord(); // logged while the client still holds its side open
                assertEquals(Linger.TIMEOUT, r.linger());
                assertEquals(Outcome.COMPLETE, r.outcome());
                assertTrue(r.durationMillis() >= 300, "lingered " + r.durationMillis() + " ms");
            }
        }
    }

    @Test
    void aClientThatKeepsSendingAfterTheResponseIsCutAtTheByteCap() throws Exception {
        try (TestServer server = new TestServer(Fixtures.root(dir),
                c -> c.linger(Duration.ofSeconds(10)).lingerBytes(64 * 1024))) {
            try (RawClient c = new RawClient(server.port())) {
                RawClient.Reply reply = c.send("GET /small.txt HTTP/1.0\r\n\r\n").readAll();
                assertEquals(200, reply.status());
                try {
                    for (int i = 0; i < 64; i++) {
                        c.send(new byte[16 * 1024]);
                    }
                } catch (IOException expected) {
                    // the server closed after the cap; our writes then meet its RST
                }
                AccessRecord r = server.nextRecord();
                assertEquals(Linger.BYTE_CAP, r.linger());
                assertEquals(Outcome.COMPLETE, r.outcome());
                assertTrue(r.durationMillis() < 10_000, "cut by the cap, not the linger timeout");
            }
        }
    }

    /**
     * The case a server without a staged close gets wrong: the whole response is already in the
     * kernel's buffers when the client, which has not read it all, sends more bytes. Closing with
     * those bytes unread makes the kernel send an RST, and the client loses the unread tail.
     */
    @Test
    void bytesSentAfterTheServerFinishedWritingDoNotCostTheClientTheTail() throws Exception {
        Path root = Fixtures.root(dir);
        try (TestServer server = new TestServer(root)) {
            RawClient.Reply first;
            RawClient.Reply rest;
            TcpTable.Socket afterOurFin;
            try (RawClient c = new RawClient(server.port())) {
                int port = c.socket.getLocalPort();
                c.send("GET /big.bin HTTP/1.0\r\n\r\n");
                first = c.read(Fixtures.BIG - 3 * 1024 * 1024, 64 * 1024, 0);
                // The server hands its last bytes and its FIN to the kernel: its side of the
                // connection leaves ESTABLISHED (FIN_WAIT1, FIN_WAIT2 once the FIN is acknowledged)
                // while the last 3 MiB are still unread here.
                Await.until(Duration.ofSeconds(10), () -> TcpTable.find(server.port(), port)
                                .map(s -> s.state() == TcpTable.State.FIN_WAIT1 || s.state() == TcpTable.State.FIN_WAIT2)
                                .orElse(false),
                        () -> "the server wrote its whole response and sent its FIN: " + TcpTable.describe(server.port(), port));
                afterOurFin = TcpTable.find(server.port(), port).orElseThrow();
                c.send(new byte[64 * 1024]);
                // The bytes arrive: a lingering server reads them (our send queue empties); a server
                // that had closed answers them with an RST (our socket leaves the table).
                Await.until(Duration.ofSeconds(5), () -> TcpTable.find(port, server.port()).map(s -> s.txQueue() == 0).orElse(true),
                        () -> "the trailing bytes were acknowledged or reset: " + TcpTable.describe(port, server.port()));
                rest = c.readAll();
            }
            assertEquals(RawClient.End.FIN, rest.end(), "the tail must not be destroyed by an RST");
            assertTrue(afterOurFin.heldOpen(), "after its FIN the server held its socket open, lingering: " + afterOurFin);
            byte[] all = Arrays.copyOf(first.bytes(), first.bytes().length + rest.bytes().length);
            System.arraycopy(rest.bytes(), 0, all, first.bytes().length, rest.bytes().length);
            assertArrayEquals(Fixtures.big(root), new RawClient.Reply(all, rest.end()).body());
            AccessRecord r = server.nextRecord();
            assertEquals(Outcome.COMPLETE, r.outcome());
        }
    }

    @Test
    void lingerZeroClosesRightAfterOurFin() throws Exception {
        try (TestServer server = new TestServer(Fixtures.root(dir),
                c -> c.linger(Duration.ZERO))) {
            try (RawClient c = new RawClient(server.port())) {
                RawClient.Reply reply = c.send("GET /small.txt HTTP/1.0\r\n\r\n").readAll();
                assertEquals(200, reply.status());
                AccessRecord r = server.nextRecord(); // logged while the client still holds its side open
                assertEquals(Linger.TIMEOUT, r.linger());
                assertTrue(r.durationMillis() < 200, "no wait: " + r.durationMillis() + " ms");
            }
        }
    }
}
