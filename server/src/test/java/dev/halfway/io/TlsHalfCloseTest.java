package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.InputEnd;
import dev.halfway.conn.Outcome;
import dev.halfway.conn.Transport;
import dev.halfway.tls.TlsIdentity;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The TLS half-close table: TLS 1.3 and 1.2 × how the client ends its input (close_notify then
 * FIN, a bare FIN with no close_notify, close_notify with the TCP left open) × when (before the
 * request is complete, right after it, in the middle of a 10 MiB response, with a slow reader) →
 * what the client receives and what the access log says.
 *
 * <p>Expected, by RFC: TLS 1.3's close_notify closes only the client's write side (RFC 8446 §6.1),
 * so every byte still comes, then our close_notify, then our FIN. TLS 1.2's close_notify closes the
 * session (RFC 5246 §7.2.1): we answer with close_notify and discard the rest, logged
 * {@code closed}. A bare FIN is answered in full on both, and logged as a possible truncation.
 */
class TlsHalfCloseTest {
    @TempDir
    static Path dir;
    static byte[] big;
    static TestServer server;

    enum Ending { NOTIFY_THEN_FIN, BARE_FIN, NOTIFY_TCP_OPEN }

    enum When { BEFORE_REQUEST_END, AFTER_REQUEST, MID_RESPONSE, SLOW_READER }

    @BeforeAll
    static void start() throws IOException {
        Path root = Fixtures.root(dir);
        big = Fixtures.big(root);
        server = new TestServer(root, c -> c.tls(TlsIdentity.selfSigned(List.of())));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    record Row(String protocol, Ending ending, When when) {
        @Override
        public String toString() {
            return protocol + ", " + ending.name().toLowerCase().replace('_', ' ') + ", " + when.name().toLowerCase().replace('_', ' ');
        }

        InputEnd inputEnd() {
            return ending == Ending.BARE_FIN ? InputEnd.BARE_FIN : InputEnd.CLOSE_NOTIFY;
        }

        /** RFC 5246 §7.2.1 applies: a TLS 1.2 close_notify after the handshake ends the session. */
        boolean sessionCloses() {
            return protocol.equals("TLSv1.2") && ending != Ending.BARE_FIN;
        }
    }

    static Stream<Row> rows() {
        return Stream.of("TLSv1.3", "TLSv1.2").flatMap(p -> Stream.of(Ending.values())
                .flatMap(e -> Stream.of(When.values()).map(w -> new Row(p, e, w))));
    }

    static void end(TlsClient c, Ending ending) throws IOException {
        switch (ending) {
            case NOTIFY_THEN_FIN -> c.closeNotify().fin();
            case BARE_FIN -> c.fin();
            case NOTIFY_TCP_OPEN -> c.closeNotify();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void row(Row row) throws Exception {
        TlsClient.Reply reply;
        int port;
        try (TlsClient c = new TlsClient(server.port(), row.protocol())) {
            port = c.localPort();
            assertEquals(row.protocol(), c.protocol());
            switch (row.when()) {
                case BEFORE_REQUEST_END -> {
                    c.send("GET /big.bin HTTP/1.0\r\n");
                    end(c, row.ending());
                }
                case AFTER_REQUEST -> {
                    // The server reads our ending before the response can have left: 10 MiB does
                    // not fit in the socket buffers of a client that has not read yet.
                    c.send("GET /big.bin HTTP/1.0\r\n\r\n");
                    end(c, row.ending());
                    c.awaitReadByServer();
                }
                case SLOW_READER -> {
                    c.send("GET /big.bin HTTP/1.0\r\n\r\n");
                    end(c, row.ending());
                }
                case MID_RESPONSE -> {
                    // We stop reading after 1 MiB: the server is blocked on a full socket, still
                    // responding, when our ending reaches it, and has read it before we read on.
                    c.send("GET /big.bin HTTP/1.0\r\n\r\n").readAtLeast(1024 * 1024);
                    end(c, row.ending());
                    c.awaitReadByServer();
                }
            }
            reply = c.readAll(row.when() == When.SLOW_READER ? 1 : 0);
        }
        AccessRecord r = server.nextRecord();
        assertEquals(port, r.remotePort(), "this connection's line: " + r);
        // However the client ended, the server ends inside TLS too, then with a FIN (never an RST).
        assertTrue(reply.closeNotify(), "our close_notify arrived; got " + reply.bytes().length + " B, then " + reply.end() + "; " + r);
        assertEquals(TlsClient.End.FIN, reply.end(), "our FIN after it");
        assertEquals(Transport.TLS, r.transport());
        assertEquals(row.protocol(), r.tls());
        assertEquals(row.inputEnd(), r.inputEnd(), "how the input ended");
        if (row.when() == When.BEFORE_REQUEST_END) {
            if (row.sessionCloses()) {
                assertEquals(0, reply.bytes().length, "nothing can be sent on a closed TLS 1.2 session");
                assertEquals(Outcome.CLOSED, r.outcome());
            } else {
                assertEquals(400, reply.status(), "an incomplete head is answered in full");
                assertEquals(Outcome.BAD_REQUEST, r.outcome());
            }
            return;
        }
        if (row.sessionCloses()) {
            assertEquals(Outcome.CLOSED, r.outcome(), "RFC 5246 7.2.1: " + r);
            assertTrue(reply.body().length < big.length, "the rest was discarded");
            assertEquals(r.bodyBytes() >= reply.body().length, true, "the log counts what was sent");
            return;
        }
        assertEquals(200, reply.status());
        assertEquals(big.length, reply.body().length, "every byte");
        assertArrayEquals(big, reply.body());
        assertEquals(Outcome.COMPLETE, r.outcome());
        assertEquals(big.length, r.bodyBytes());
    }
}
