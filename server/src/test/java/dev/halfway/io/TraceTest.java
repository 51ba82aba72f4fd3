package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.TraceEvent;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --trace: each connection's timeline, printed as it happens and carried on its log record. */
class TraceTest {
    @TempDir
    Path dir;

    @Test
    void aHalfClosedExchangeIsTracedInTheOrderItHappened() throws Exception {
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(lines, true, StandardCharsets.UTF_8);
        try (TestServer server = new TestServer(Fixtures.root(dir), c -> c.trace(out))) {
            try (RawClient c = new RawClient(server.port())) {
                c.socket.setReceiveBufferSize(64 * 1024);
                c.send("GET /big.bin HTTP/1.0\r\n\r\n");
                c.read(1024 * 1024, 64 * 1024, 0);
                c.halfClose(); // our FIN arrives while the response is still being written
                assertEquals(RawClient.End.FIN, c.readAll().end());
            }
            AccessRecord r = server.nextRecord();
            List<String> kinds = r.events().stream().map(TraceEvent::event).toList();
            assertEquals(List.of("accepted", "read", "request complete", "response started", "client FIN",
                    "response written", "written after client FIN", "our FIN", "closed"), kinds, r.events().toString());
            TraceEvent after = r.events().get(kinds.indexOf("written after client FIN"));
            long afterBytes = Long.parseLong(after.detail().replace(" B", ""));
            assertTrue(afterBytes > 0 && afterBytes < Fixtures.BIG, after.toString());
            assertEquals("GET /big.bin HTTP/1.0", r.events().get(2).detail());
            for (int i = 1; i < r.events().size(); i++) {
                assertTrue(r.events().get(i).ms() >= r.events().get(i - 1).ms(), "times only grow: " + r.events());
            }
            String printed = lines.toString(StandardCharsets.UTF_8);
            String[] printedLines = printed.split("\n");
            assertEquals(kinds.size(), printedLines.length, printed);
            for (String line : printedLines) {
                assertTrue(line.matches("#\\d+ +\\d+\\.\\d ms  .+"), line);
            }
            assertTrue(printedLines[printedLines.length - 1].contains("closed  outcome=complete fin=during-response linger=client-eof"), printed);
        }
    }

    @Test
    void aLingeringCloseShowsOurFinThenTheClientsEof() throws Exception {
        try (TestServer server = new TestServer(Fixtures.root(dir), c -> c.trace(new PrintStream(new ByteArrayOutputStream())))) {
            try (RawClient c = new RawClient(server.port())) {
                assertEquals(RawClient.End.FIN, c.send("GET /small.txt HTTP/1.0\r\n\r\n").readAll().end());
            }
            List<String> kinds = server.nextRecord().events().stream().map(TraceEvent::event).toList();
            assertEquals(List.of("accepted", "read", "request complete", "response started", "response written",
                    "our FIN", "client EOF during linger", "closed"), kinds);
        }
    }

    @Test
    void aTimeoutAndDiscardedBytesAreTraced() throws Exception {
        try (TestServer server = new TestServer(Fixtures.root(dir), c -> c.trace(new PrintStream(new ByteArrayOutputStream()))
                .linger(Duration.ofMillis(200)))) {
            try (RawClient c = new RawClient(server.port())) {
                c.send("GET /small.txt HTTP/1.0\r\n\r\n").readAll();
                c.send("after the response");
                List<String> kinds = server.nextRecord().events().stream().map(TraceEvent::event).toList();
                assertTrue(kinds.containsAll(List.of("read and discarded", "linger timeout", "closed")), kinds.toString());
            }
        }
    }

    @Test
    void withoutTraceTheRecordHasNoTimeline() throws Exception {
        try (TestServer server = new TestServer(Fixtures.root(dir))) {
            try (RawClient c = new RawClient(server.port())) {
                c.send("GET /small.txt HTTP/1.0\r\n\r\n").halfClose().readAll();
            }
            assertNull(server.nextRecord().events());
        }
    }

    @Test
    void bytesReadArePrintedWhenTheReadsPauseNotAtTheNextEvent() throws Exception {
        TraceLines lines = new TraceLines();
        try (TestServer server = new TestServer(Fixtures.root(dir), c -> c.trace(lines.out));
             RawClient c = new RawClient(server.port())) {
            c.send("GET / HTTP/1.0\r\n");
            lines.await("read  16 B", Duration.ofSeconds(5)); // the head is not complete: no other event comes
            assertTrue(lines.text().contains("read  16 B"), lines.text());
        }
    }
}
