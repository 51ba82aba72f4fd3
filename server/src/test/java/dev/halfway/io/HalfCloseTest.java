package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.FinTiming;
import dev.halfway.conn.Linger;
import dev.halfway.conn.Outcome;
import dev.halfway.testing.TcpTable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reason halfway exists: a client that half-closes still gets every byte, then our FIN. */
class HalfCloseTest {
    @TempDir
    static Path dir;
    static Path root;
    static byte[] big;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        root = Fixtures.root(dir);
        big = Fixtures.big(root);
        server = new TestServer(root);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void halfCloseAfterTheRequestGetsTheWholeSmallResponse() throws Exception {
        RawClient.Reply reply;
        try (RawClient c = new RawClient(server.port())) {
            reply = c.send("GET /index.html HTTP/1.0\r\n\r\n").halfClose().readAll();
        }
        assertEquals(RawClient.End.FIN, reply.end());
        assertEquals(200, reply.status());
        assertEquals(Fixtures.INDEX, new String(reply.body(), StandardCharsets.UTF_8));
        AccessRecord r = server.nextRecord();
        assertEquals("GET /index.html HTTP/1.0", r.requestLine());
        assertFinAfterTheRequest(r);
        assertEquals(Outcome.COMPLETE, r.outcome());
        assertEquals(Linger.CLIENT_EOF, r.linger());
        assertEquals(Fixtures.INDEX.length(), r.bodyBytes());
        assertEquals(Fixtures.INDEX.length(), r.bodyOwed());
    }

    @Test
    void halfCloseThenASlowDelayedReaderGetsAll10MiB() throws Exception {
        RawClient.Reply reply;
        try (RawClient c = new RawClient(server.port())) {
            c.socket.setReceiveBufferSize(64 * 1024);
            c.send("GET /big.bin HTTP/1.0\r\n\r\n").halfClose();
            Thread.sleep(1000); // the scenario: a reader that waits before reading
            // What the pause is for: the server has our FIN and still holds its side open
            // (CLOSE_WAIT), with bytes queued that our full receive buffer does not take (its
            // writes are stalled). EOF must not have aborted them.
            TcpTable.Socket serverSide = TcpTable.find(server.port(), c.socket.getLocalPort())
                    .orElseThrow(() -> new AssertionError("the server's side of the connection is gone"));
            assertEquals(TcpTable.State.CLOSE_WAIT, serverSide.state(), serverSide.toString());
            assertTrue(serverSide.txQueue() > 0, "the server's writes are stalled: " + serverSide);
            TcpTable.Socket ours = TcpTable.find(c.socket.getLocalPort(), server.port()).orElseThrow();
            assertTrue(ours.rxQueue() > 0, "our receive buffer holds unread bytes: " + ours);
            reply = c.read(Long.MAX_VALUE, 16 * 1024, 0);
        }
        assertEquals(RawClient.End.FIN, reply.end());
        assertEquals(200, reply.status());
        assertArrayEquals(big, reply.body());
        AccessRecord r = server.nextRecord();
        assertTrue(r.fin() == FinTiming.AFTER_REQUEST || r.fin() == FinTiming.DURING_RESPONSE, r.fin().label());
        assertEquals(Outcome.COMPLETE, r.outcome());
        assertEquals(Fixtures.BIG, r.bodyBytes());
    }

    @Test
    void halfCloseWhileReadingSlowlyAtAFixedRate() throws Exception {
        RawClient.Reply reply;
        try (RawClient c = new RawClient(server.port())) {
            c.socket.setReceiveBufferSize(32 * 1024);
            c.send("GET /big.bin HTTP/1.0\r\n\r\n").halfClose();
            reply = c.read(Long.MAX_VALUE, 256 * 1024, 2); // about 40 reads a second
        }
        assertEquals(RawClient.End.FIN, reply.end());
        assertArrayEquals(big, reply.body());
        assertEquals(Outcome.COMPLETE, server.nextRecord().outcome());
    }

    @Test
    void halfCloseInTheMiddleOfTheResponseStillGetsEveryByte() throws Exception {
        RawClient.Reply first;
        RawClient.Reply rest;
        try (RawClient c = new RawClient(server.port())) {
            c.socket.setReceiveBufferSize(64 * 1024);
            c.send("GET /big.bin HTTP/1.0\r\n\r\n");
            first = c.read(1024 * 1024, 64 * 1024, 0);
            c.halfClose();
            rest = c.readAll();
        }
        assertEquals(RawClient.End.FIN, rest.end());
        byte[] all = new byte[first.bytes().length + rest.bytes().length];
        System.arraycopy(first.bytes(), 0, all, 0, first.bytes().length);
        System.arraycopy(rest.bytes(), 0, all, first.bytes().length, rest.bytes().length);
        RawClient.Reply whole = new RawClient.Reply(all, rest.end());
        assertEquals(200, whole.status());
        assertArrayEquals(big, whole.body());
        AccessRecord r = server.nextRecord();
        assertEquals(FinTiming.DURING_RESPONSE, r.fin());
        assertEquals(Outcome.COMPLETE, r.outcome());
        assertEquals(Linger.CLIENT_EOF, r.linger());
    }

    @Test
    void requestSentInPiecesThenHalfClose() throws Exception {
        RawClient.Reply reply;
        try (RawClient c = new RawClient(server.port())) {
            for (String piece : new String[] {"GE", "T /sma", "ll.txt HTTP/1.", "0\r\nUser-Agent: t\r", "\n\r\n"}) {
                c.send(piece).awaitReadByServer(); // each piece is its own read on the server's side
            }
            reply = c.halfClose().readAll();
        }
        assertEquals(RawClient.End.FIN, reply.end());
        assertEquals("small file\n", new String(reply.body(), StandardCharsets.US_ASCII));
        assertFinAfterTheRequest(server.nextRecord());
    }

    /**
     * The client's FIN leaves in its own segment just behind the request, so the server may read
     * the request before the FIN arrives: any timing after the request is right, never before.
     */
    static void assertFinAfterTheRequest(AccessRecord r) {
        assertTrue(r.fin() == FinTiming.AFTER_REQUEST || r.fin() == FinTiming.DURING_RESPONSE
                || r.fin() == FinTiming.AFTER_RESPONSE, "fin=" + r.fin().label());
    }

    @Test
    void aClientThatNeverHalfClosesIsAnsweredAndClosesAfterReading() throws Exception {
        RawClient.Reply reply;
        try (RawClient c = new RawClient(server.port())) {
            reply = c.send("GET /small.txt HTTP/1.0\r\n\r\n").readAll();
        }
        assertEquals(RawClient.End.FIN, reply.end());
        assertEquals(200, reply.status());
        AccessRecord r = server.nextRecord();
        assertEquals(Outcome.COMPLETE, r.outcome());
        assertEquals(FinTiming.AFTER_RESPONSE, r.fin());
        assertEquals(Linger.CLIENT_EOF, r.linger());
    }
}
