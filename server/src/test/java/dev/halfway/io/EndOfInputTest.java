package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.FinTiming;
import dev.halfway.conn.Outcome;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's input ends before its request is complete. Each row: bytes, then our half-close;
 * what must come back, in full, before the server's FIN.
 */
class EndOfInputTest {
    @TempDir
    static Path dir;
    static TestServer server;

    @BeforeAll
    static void start() throws Exception {
        server = new TestServer(Fixtures.root(dir));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Stream<Arguments> rows() {
        return Stream.of(
                Arguments.of("no bytes at all: quiet close", "", -1, Outcome.EMPTY),
                Arguments.of("only an empty line: quiet close", "\r\n", -1, Outcome.EMPTY),
                Arguments.of("HTTP/0.9 Simple-Request: the body alone", "GET /small.txt\r\n", 0, Outcome.COMPLETE),
                Arguments.of("request line without its end", "GET /small.txt HTTP/1.0", 400, Outcome.BAD_REQUEST),
                Arguments.of("Simple-Request line without its end: a status line", "GET /small.txt", 400, Outcome.BAD_REQUEST),
                Arguments.of("version without a target, without its end", "GET HTTP/1.0", 400, Outcome.BAD_REQUEST),
                Arguments.of("head without the empty line", "GET /small.txt HTTP/1.0\r\nHost: x\r\n", 400, Outcome.BAD_REQUEST),
                Arguments.of("body shorter than Content-Length", "POST / HTTP/1.0\r\nContent-Length: 10\r\n\r\nabc", 400, Outcome.BAD_REQUEST),
                Arguments.of("body without Content-Length", "POST / HTTP/1.0\r\n\r\nsome body", 411, Outcome.BAD_REQUEST));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void answersWhatTheRequestBecameAtEndOfInput(String name, String bytes, int status, Outcome outcome) throws Exception {
        RawClient.Reply reply;
        try (RawClient c = new RawClient(server.port())) {
            reply = c.send(bytes).halfClose().readAll();
        }
        assertEquals(RawClient.End.FIN, reply.end(), "the server ends with FIN, not RST");
        AccessRecord r = server.nextRecord();
        assertEquals(outcome, r.outcome());
        if (status == -1) {
            assertEquals(0, reply.bytes().length, "nothing is owed to an empty connection");
            assertEquals(0, r.status());
        } else if (status == 0) {
            assertEquals("small file\n", reply.text(), "a Simple-Response is the body alone (RFC 1945 §6)");
            assertEquals(200, r.status());
        } else {
            assertEquals(status, reply.status());
            String contentLength = reply.head().lines().filter(l -> l.startsWith("Content-Length: ")).findFirst().orElseThrow();
            assertEquals(Integer.parseInt(contentLength.substring(16)), reply.body().length, "the whole error page arrived");
            assertTrue(new String(reply.body(), StandardCharsets.UTF_8).contains(String.valueOf(status)));
            assertEquals(r.bodyOwed(), r.bodyBytes());
        }
        if (status == 0 || status == 411) {
            HalfCloseTest.assertFinAfterTheRequest(r); // complete (or refused) at the end of the head
        } else {
            assertEquals(FinTiming.BEFORE_HEAD, r.fin());
        }
    }
}
