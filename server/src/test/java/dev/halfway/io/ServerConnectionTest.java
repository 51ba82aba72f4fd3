package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.FinTiming;
import dev.halfway.conn.Linger;
import dev.halfway.conn.Outcome;
import dev.halfway.file.DocumentRoot;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import org.eclipse.jetty.io.ArrayByteBufferPool;
import org.eclipse.jetty.io.ByteArrayEndPoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The adapter on Jetty's {@link ByteArrayEndPoint}: bytes in, bytes and shutdowns out, the one
 * record, all on the test's thread and with no kernel. Ticks carry made-up times, so every
 * timeout is reached at once and deterministically.
 */
class ServerConnectionTest {
    static final long S = 1_000_000_000L;
    @TempDir
    static Path root;
    static byte[] big;

    @BeforeAll
    static void files() throws Exception {
        Files.writeString(root.resolve("small.txt"), "hello, half-closed world\n");
        big = new byte[3 * Outbound.CHUNK + 12345]; // crosses chunk boundaries, ends mid-chunk
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31 + (i >> 9));
        }
        Files.write(root.resolve("big.bin"), big);
    }

    /** One connection on a ByteArrayEndPoint, with its loop running tasks inline. */
    static final class Wire {
        final ByteArrayEndPoint endPoint;
        final List<AccessRecord> records = new ArrayList<>();
        final AtomicLong offThread = new AtomicLong();
        final AtomicInteger opened = new AtomicInteger();
        final ServerConnection connection;
        final ByteArrayOut out = new ByteArrayOut();

        Wire(UnaryOperator<ServerConfig.Builder> adjust, int outputLimit) {
            this(adjust, outputLimit, e -> { });
        }

        /** {@code before} may queue input before the connection opens, so that one wake-up reads it all. */
        Wire(UnaryOperator<ServerConfig.Builder> adjust, int outputLimit, java.util.function.Consumer<ByteArrayEndPoint> before) {
            ServerConfig config = adjust.apply(ServerConfig.builder(new DocumentRoot(root, false), r -> { })).build();
            // No file cache (a cache of 0 bytes stays off): the files here go through Outbound's file path.
            FileCache off = new FileCache(config.root(), 0, 1, 1, System.err);
            Loop loop = new Loop(config, new Responder(config.root(), config.listing(), off), new ArrayByteBufferPool(),
                    Runnable::run, null, opened::incrementAndGet, records::add, offThread); // no timer: plain TCP never asks for one
            endPoint = new OneThreadEndPoint(outputLimit);
            before.accept(endPoint);
            connection = new ServerConnection(endPoint, loop);
            endPoint.setConnection(connection);
            endPoint.onOpen();
            connection.onOpen();
        }

        Wire() {
            this(c -> c, 0);
        }

        void send(String bytes) {
            endPoint.addInput(bytes);
        }

        void eof() {
            endPoint.addInputEOF();
        }

        /** Everything written so far. */
        String output() {
            out.take(endPoint);
            return out.text();
        }

        AccessRecord record() {
            assertEquals(1, records.size(), "exactly one record");
            assertEquals(0, offThread.get(), "every event on the connection's thread");
            return records.get(0);
        }
    }

    /**
     * A ByteArrayEndPoint that runs its fillable callback in the calling thread (as a selector
     * runs it in its own) instead of on a new thread. {@code outputLimit} 0 lets the output grow;
     * a limit stands for a kernel buffer that only the client's reading empties.
     */
    static final class OneThreadEndPoint extends ByteArrayEndPoint {
        OneThreadEndPoint(int outputLimit) {
            super(null, 0, ByteBuffer.allocate(0), outputLimit > 0 ? outputLimit : 1024, outputLimit == 0);
        }

        @Override
        protected void execute(Runnable task) {
            task.run();
        }
    }

    /** Collects what the endpoint has written. */
    static final class ByteArrayOut {
        private byte[] bytes = new byte[0];

        void take(ByteArrayEndPoint endPoint) {
            ByteBuffer b = endPoint.takeOutput();
            byte[] more = new byte[b.remaining()];
            b.get(more);
            byte[] all = Arrays.copyOf(bytes, bytes.length + more.length);
            System.arraycopy(more, 0, all, bytes.length, more.length);
            bytes = all;
        }

        String text() {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }

        byte[] body() {
            String t = text();
            int end = t.indexOf("\r\n\r\n");
            return Arrays.copyOfRange(bytes, end + 4, bytes.length);
        }
    }

    @Test
    void halfCloseRightAfterTheRequestGetsEveryByte() {
        Wire w = new Wire();
        w.send("GET /small.txt HTTP/1.0\r\n\r\n");
        String out = w.output();
        assertTrue(out.startsWith("HTTP/1.0 200 OK\r\n"), out);
        assertTrue(out.endsWith("\r\n\r\nhello, half-closed world\n"), out);
        assertTrue(w.endPoint.isOutputShutdown(), "our FIN after the last byte");
        assertTrue(w.endPoint.isOpen(), "lingering for the client's EOF");
        assertEquals(List.of(), w.records);
        w.eof();
        assertFalse(w.endPoint.isOpen());
        AccessRecord r = w.record();
        assertEquals(Outcome.COMPLETE, r.outcome());
        assertEquals(FinTiming.AFTER_RESPONSE, r.fin());
        assertEquals(Linger.CLIENT_EOF, r.linger());
        assertEquals(200, r.status());
        assertEquals(25, r.bodyBytes());
        assertEquals("GET /small.txt HTTP/1.0", r.requestLine());
        assertEquals(1, w.opened.get());
    }

    @Test
    void aFinQueuedBehindTheRequestIsAfterRequest() {
        Wire w = new Wire(c -> c, 0, e -> {
            e.addInput("GET /small.txt HTTP/1.0\r\n\r\n");
            e.addInputEOF(); // both are there at the first read: the FIN came right behind the request
        });
        AccessRecord r = w.record();
        assertEquals(FinTiming.AFTER_REQUEST, r.fin());
        assertEquals(Outcome.COMPLETE, r.outcome());
        assertEquals(Linger.CLIENT_EOF, r.linger());
        assertTrue(w.output().endsWith("hello, half-closed world\n"));
    }

    @Test
    void aFileBodyGoesOutInChunksWithoutLoss() {
        Wire w = new Wire();
        w.send("GET /big.bin HTTP/1.0\r\n\r\n");
        w.eof();
        w.output();
        assertArrayEquals(big, w.out.body());
        AccessRecord r = w.record();
        assertEquals(big.length, r.bodyBytes());
        assertEquals(big.length, r.bodyOwed());
        assertEquals(Outcome.COMPLETE, r.outcome());
    }

    @Test
    void aSlowReaderIsServedAsItReads() {
        Wire w = new Wire(c -> c, 4096); // the "kernel" takes 4 KiB until the client reads
        w.send("GET /big.bin HTTP/1.0\r\n\r\n");
        w.eof(); // half-closed: still reading
        for (int i = 0; i < 1000 && w.records.isEmpty(); i++) {
            w.out.take(w.endPoint); // the client reads; Jetty completes the pending write
            w.connection.tick(System.nanoTime()); // the sweep: progress, not a timeout
        }
        w.output();
        assertArrayEquals(big, w.out.body());
        assertEquals(Outcome.COMPLETE, w.record().outcome());
        assertEquals(FinTiming.DURING_RESPONSE, w.record().fin());
    }

    @Test
    void aClientThatStopsReadingIsCutAfterTheWriteTimeout() {
        Wire w = new Wire(c -> c.writeTimeout(Duration.ofSeconds(5)), 4096);
        w.send("GET /big.bin HTTP/1.0\r\n\r\n");
        long now = System.nanoTime();
        w.connection.tick(now + S); // the first 4 KiB were taken: progress
        w.connection.tick(now + 5 * S + S / 2);
        assertEquals(List.of(), w.records, "not yet: 4.5 s without progress");
        w.connection.tick(now + 6 * S + S / 2);
        AccessRecord r = w.record();
        assertEquals(Outcome.TIMEOUT, r.outcome());
        assertEquals("client stopped reading", r.reason());
        assertEquals(4096 - r.headBytes(), r.bodyBytes());
        assertFalse(w.endPoint.isOpen());
    }

    @Test
    void aMalformedRequestGetsAFullResponseAndTheStagedClose() {
        Wire w = new Wire();
        w.send("GET /a b c\r\n\r\n");
        assertTrue(w.output().startsWith("HTTP/1.0 400 Bad Request\r\n"), w.output());
        assertTrue(w.endPoint.isOutputShutdown());
        w.send("more bytes the client sent anyway");
        w.eof();
        AccessRecord r = w.record();
        assertEquals(Outcome.BAD_REQUEST, r.outcome());
        assertEquals(400, r.status());
        assertEquals(FinTiming.AFTER_RESPONSE, r.fin());
    }

    @Test
    void aSimpleRequestGetsTheBodyAlone() {
        Wire w = new Wire();
        w.send("GET /small.txt\r\n");
        w.eof();
        assertEquals("hello, half-closed world\n", w.output());
        assertEquals(0, w.record().headBytes());
        assertEquals(200, w.record().status());
    }

    @Test
    void eofWithoutAByteIsEmpty() {
        Wire w = new Wire();
        w.eof();
        assertEquals("", w.output());
        assertFalse(w.endPoint.isOpen());
        assertEquals(Outcome.EMPTY, w.record().outcome());
    }

    @Test
    void theHeadTimeoutAnswers408() {
        Wire w = new Wire(c -> c.headTimeout(Duration.ofSeconds(3)).linger(Duration.ofSeconds(1)), 0);
        w.send("GET /small.txt HTTP/1.0\r\n");
        long now = System.nanoTime();
        w.connection.tick(now + 2 * S);
        assertEquals("", w.output());
        w.connection.tick(now + 4 * S);
        assertTrue(w.output().startsWith("HTTP/1.0 408 Request Timeout\r\n"), w.output());
        w.connection.tick(now + 6 * S); // the linger times out
        AccessRecord r = w.record();
        assertEquals(Outcome.TIMEOUT, r.outcome());
        assertEquals(Linger.TIMEOUT, r.linger());
        assertEquals(408, r.status());
    }

    @Test
    void lingerDiscardsUpToTheByteCap() {
        Wire w = new Wire(c -> c.lingerBytes(100), 0);
        w.send("GET /small.txt HTTP/1.0\r\n\r\n");
        w.send("x".repeat(60));
        assertTrue(w.endPoint.isOpen());
        w.send("x".repeat(60));
        assertFalse(w.endPoint.isOpen());
        assertEquals(Linger.BYTE_CAP, w.record().linger());
    }

    @Test
    void aStopClosesAnIdleConnectionAtOnceAndCutsABusyOneAtTheDeadline() {
        Wire idle = new Wire();
        long now = System.nanoTime();
        idle.connection.stop(now, now + 10 * S);
        assertFalse(idle.endPoint.isOpen());
        assertEquals(Outcome.SHUTDOWN, idle.record().outcome());

        Wire busy = new Wire(c -> c, 4096);
        busy.send("GET /big.bin HTTP/1.0\r\n\r\n");
        busy.connection.stop(now, now + 10 * S);
        assertTrue(busy.endPoint.isOpen(), "a response in flight may finish");
        busy.connection.tick(now + 10 * S);
        assertFalse(busy.endPoint.isOpen());
        assertEquals(Outcome.SHUTDOWN, busy.record().outcome());
        assertEquals("server stopped", busy.record().reason());
    }

    @Test
    void anEndPointClosedUnderAResponseStillGetsExactlyOneRecord() {
        Wire w = new Wire(c -> c, 4096);
        w.send("GET /big.bin HTTP/1.0\r\n\r\n");
        w.endPoint.close(); // not asked for by the machine: the pending write fails, the endpoint is gone
        AccessRecord r = w.record();
        assertFalse(r.outcome() == Outcome.COMPLETE, r.toString());
        assertEquals(200, r.status());
    }

    @Test
    void tracingObservesTheLife() {
        java.io.ByteArrayOutputStream lines = new java.io.ByteArrayOutputStream();
        java.io.PrintStream trace = new java.io.PrintStream(lines, true, StandardCharsets.UTF_8);
        Wire w = new Wire(c -> c.trace(trace), 0);
        w.send("GET /small.txt HTTP/1.0\r\n\r\n");
        w.eof();
        List<String> events = w.record().events().stream().map(e -> e.event()).toList();
        assertEquals(List.of("accepted", "read", "request complete", "response started", "response written",
                "our FIN", "client EOF during linger", "closed"), events);
        assertTrue(lines.toString(StandardCharsets.UTF_8).contains("our FIN  lingering for the client's EOF"), lines.toString());
    }
}
