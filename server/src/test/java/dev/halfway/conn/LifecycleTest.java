package dev.halfway.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.http.ParseResult;
import dev.halfway.http.RequestParser;
import dev.halfway.http.Status;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The connection's life as named rows: a sequence of events (as the driver delivers them) → the
 * actions, in order, and the one access record. One row per line of the README's "What halfway
 * does with a connection", and per outcome, fin and linger label.
 */
class LifecycleTest {
    static final long MS = 1_000_000L;
    static final Lifecycle.Limits LIMITS = new Lifecycle.Limits(Duration.ofSeconds(10), Duration.ofSeconds(30),
            Duration.ofSeconds(2), 1024);
    static final String GET = "GET /small.txt HTTP/1.0";
    static final long HEAD = 200;
    static final long BODY = 47;
    static final long ALL = HEAD + BODY;

    // Events, at times in milliseconds after accept.
    static Event bytes(long ms, ParseResult verdict) {
        return new Event.Received(ms * MS, 20, verdict, verdict == null ? null : GET);
    }

    static Event discarded(long ms, int n) {
        return new Event.Received(ms * MS, n, null, null);
    }

    static Event eof(long ms, long flushed) {
        return new Event.InputEnded(ms * MS, flushed, null, null);
    }

    static Event eofInHead(long ms, ParseResult verdict) {
        return new Event.InputEnded(ms * MS, 0, verdict, verdict instanceof ParseResult.Empty ? null : GET);
    }

    static Event sending(long ms, Status status) {
        return new Event.Sending(ms * MS, new Reply(status, HEAD, BODY, status == Status.OK ? null : "why"));
    }

    static Event written(long ms) {
        return new Event.Written(ms * MS, ALL);
    }

    static Event failed(long ms, long flushed, Event.Failure failure) {
        return new Event.WriteFailed(ms * MS, flushed, failure);
    }

    static Event tick(long ms, long flushed) {
        return new Event.Tick(ms * MS, flushed);
    }

    static Event stop(long ms, long flushed, long deadlineMs) {
        return new Event.Stop(ms * MS, flushed, deadlineMs * MS);
    }

    static Event closed(long ms, long flushed) {
        return new Event.Closed(ms * MS, flushed);
    }

    static ParseResult complete() {
        return RequestParser.withDefaults().parse(ByteBuffer.wrap((GET + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
    }

    static ParseResult malformed() {
        return new ParseResult.Failed(Status.BAD_REQUEST, "malformed");
    }

    /** Expected actions, by kind: R respond, S shut output, C close, A abort, F finished. */
    record Row(String name, List<Event> events, String actions, FinTiming fin, Outcome outcome, Linger linger,
               int status, long body, Consumer<AccessRecord> also) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Row row(String name, String actions, FinTiming fin, Outcome outcome, Linger linger, int status, long body,
                   Event... events) {
        return new Row(name, List.of(events), actions, fin, outcome, linger, status, body, r -> { });
    }

    static Stream<Row> rows() {
        return Stream.of(
                // 1-2. The request, then the FIN: the ordinary half-close gets every byte.
                row("half-close right after the request", "R S C F", FinTiming.AFTER_REQUEST, Outcome.COMPLETE,
                        Linger.CLIENT_EOF, 200, BODY,
                        bytes(1, complete()), eof(1, 0), sending(2, Status.OK), written(3)),
                row("FIN in the middle of the response changes nothing but the log", "R S C F",
                        FinTiming.DURING_RESPONSE, Outcome.COMPLETE, Linger.CLIENT_EOF, 200, BODY,
                        bytes(1, complete()), sending(2, Status.OK), eof(3, 100), written(9)),
                // 3. EOF before the request is complete asks the parser.
                row("no bytes at all: close quietly", "C F", FinTiming.BEFORE_HEAD, Outcome.EMPTY, Linger.NONE, 0, 0,
                        eofInHead(5, ParseResult.EMPTY)),
                row("a head without its end: 400, sent in full", "R S C F", FinTiming.BEFORE_HEAD,
                        Outcome.BAD_REQUEST, Linger.CLIENT_EOF, 400, BODY,
                        bytes(1, ParseResult.NEED_MORE), eofInHead(2, new ParseResult.Failed(Status.BAD_REQUEST,
                                "input ended before the end of the head")), sending(2, Status.BAD_REQUEST), written(3)),
                row("a malformed request: 400, then the staged close", "R S C F", FinTiming.AFTER_RESPONSE,
                        Outcome.BAD_REQUEST, Linger.CLIENT_EOF, 400, BODY,
                        bytes(1, malformed()), sending(1, Status.BAD_REQUEST), written(2), eof(3, ALL)),
                // 4. Staged close: FIN, then discard until EOF, timeout or cap.
                row("linger ends with the client's EOF", "R S C F", FinTiming.AFTER_RESPONSE, Outcome.COMPLETE,
                        Linger.CLIENT_EOF, 200, BODY,
                        bytes(1, complete()), sending(1, Status.OK), written(2), discarded(3, 100), eof(4, ALL)),
                row("linger times out", "R S C F", FinTiming.NONE, Outcome.COMPLETE, Linger.TIMEOUT, 200, BODY,
                        bytes(1, complete()), sending(1, Status.OK), written(2), tick(1000, ALL), tick(2002, ALL)),
                row("linger meets the byte cap", "R S C F", FinTiming.NONE, Outcome.COMPLETE, Linger.BYTE_CAP, 200, BODY,
                        bytes(1, complete()), sending(1, Status.OK), written(2), discarded(3, 1000), discarded(4, 100)),
                row("the endpoint closes itself at the client's EOF while we linger", "R S F",
                        FinTiming.AFTER_RESPONSE, Outcome.COMPLETE, Linger.CLIENT_EOF, 200, BODY,
                        bytes(1, complete()), sending(1, Status.OK), written(2), closed(3, ALL)),
                // 5. A failed write means the client is gone.
                row("a write fails: the client had closed or reset", "R C F", FinTiming.AFTER_REQUEST, Outcome.RESET,
                        Linger.NONE, 200, 0,
                        bytes(1, complete()), eof(1, 0), sending(1, Status.OK), failed(2, 100, Event.Failure.PEER_GONE)),
                row("reset before any byte was written: no status is logged", "R C F", FinTiming.AFTER_REQUEST,
                        Outcome.RESET, Linger.NONE, 0, 0,
                        bytes(1, complete()), eof(1, 0), sending(1, Status.OK), failed(2, 0, Event.Failure.PEER_GONE)),
                row("a local error (the file could not be read) is ours, not the client's", "R C F", FinTiming.NONE,
                        Outcome.ERROR, Linger.NONE, 200, 1000,
                        bytes(1, complete()), sending(1, Status.OK), failed(2, HEAD + 1000, Event.Failure.LOCAL_ERROR)),
                // Timeouts.
                row("the head does not arrive in time: 408", "R S C F", FinTiming.NONE, Outcome.TIMEOUT,
                        Linger.TIMEOUT, 408, BODY,
                        bytes(1, ParseResult.NEED_MORE), tick(9999, 0), tick(10_000, 0), sending(10_000, Status.REQUEST_TIMEOUT),
                        written(10_001), tick(12_001, ALL)),
                row("EOF after a 408 is still before the head", "R S C F", FinTiming.BEFORE_HEAD, Outcome.TIMEOUT,
                        Linger.CLIENT_EOF, 408, BODY,
                        tick(10_000, 0), sending(10_000, Status.REQUEST_TIMEOUT), eof(10_000, 0), written(10_001)),
                row("the client stops reading: cut after the write timeout", "R A F", FinTiming.NONE, Outcome.TIMEOUT,
                        Linger.NONE, 200, 500,
                        bytes(1, complete()), sending(1, Status.OK), tick(100, HEAD + 500), tick(30_099, HEAD + 500),
                        tick(30_100, HEAD + 500)),
                row("progress restarts the write clock", "R S C F", FinTiming.NONE, Outcome.COMPLETE, Linger.TIMEOUT,
                        200, BODY,
                        bytes(1, complete()), sending(1, Status.OK), tick(20_000, HEAD), tick(40_000, HEAD + 1),
                        tick(60_000, HEAD + 2), written(60_001), tick(62_001, ALL)),
                // Stopping.
                row("a stop closes a connection that has sent nothing", "C F", FinTiming.NONE, Outcome.SHUTDOWN,
                        Linger.NONE, 0, 0, stop(5, 0, 10_005)),
                row("a stop lets a request in flight finish", "R S C F", FinTiming.AFTER_RESPONSE, Outcome.COMPLETE,
                        Linger.CLIENT_EOF, 200, BODY,
                        bytes(1, ParseResult.NEED_MORE), stop(2, 0, 10_002), tick(100, 0), bytes(200, complete()),
                        sending(200, Status.OK), written(201), eof(202, ALL)),
                row("a stop cuts a response still in flight at the deadline", "R A F", FinTiming.NONE,
                        Outcome.SHUTDOWN, Linger.NONE, 200, 1000,
                        bytes(1, complete()), sending(1, Status.OK), stop(2, HEAD, 10_002), tick(5000, HEAD + 1000),
                        tick(10_002, HEAD + 1000)),
                row("a stop ends the linger at the deadline", "R S C F", FinTiming.NONE, Outcome.COMPLETE, Linger.NONE,
                        200, BODY,
                        bytes(1, complete()), sending(1, Status.OK), written(2), stop(3, ALL, 103), tick(103, ALL)),
                row("a stop during the head cuts it at the deadline", "C F", FinTiming.NONE, Outcome.SHUTDOWN,
                        Linger.NONE, 0, 0,
                        bytes(1, ParseResult.NEED_MORE), stop(2, 0, 102), tick(101, 0), tick(102, 0)),
                // What the served status means for the outcome.
                row("a served 404 is complete", "R S C F", FinTiming.AFTER_REQUEST, Outcome.COMPLETE, Linger.CLIENT_EOF,
                        404, BODY, bytes(1, complete()), eof(1, 0), sending(1, Status.NOT_FOUND), written(2)),
                row("a served 400 (a bad escape in the target) is a bad request", "R S C F", FinTiming.AFTER_REQUEST,
                        Outcome.BAD_REQUEST, Linger.CLIENT_EOF, 400, BODY,
                        bytes(1, complete()), eof(1, 0), sending(1, Status.BAD_REQUEST), written(2)),
                row("a served 500 is the server's error", "R S C F", FinTiming.AFTER_REQUEST, Outcome.ERROR,
                        Linger.CLIENT_EOF, 500, BODY,
                        bytes(1, complete()), eof(1, 0), sending(1, Status.INTERNAL_SERVER_ERROR), written(2)),
                row("--linger 0 closes right after our FIN", "R S C F", FinTiming.NONE, Outcome.COMPLETE,
                        Linger.TIMEOUT, 200, BODY),
                row("the endpoint closes unexpectedly", "F", FinTiming.NONE, Outcome.ERROR, Linger.NONE, 0, 0,
                        bytes(1, ParseResult.NEED_MORE), closed(2, 0)));
    }

    static Lifecycle machine(Row row) {
        Lifecycle.Limits limits = row.name().startsWith("--linger 0")
                ? new Lifecycle.Limits(LIMITS.head(), LIMITS.write(), Duration.ZERO, LIMITS.lingerBytes()) : LIMITS;
        return new Lifecycle(limits, 0, 1_700_000_000_000L, "192.0.2.7", 40000);
    }

    static List<Event> events(Row row) {
        if (row.name().startsWith("--linger 0")) {
            return List.of(bytes(1, complete()), sending(1, Status.OK), written(2));
        }
        return row.events();
    }

    static String kind(Action a) {
        if (a instanceof Action.Respond) {
            return "R";
        }
        if (a instanceof Action.ShutOutput) {
            return "S";
        }
        if (a instanceof Action.Close) {
            return "C";
        }
        return a instanceof Action.Abort ? "A" : "F";
    }

    static List<Action> run(Lifecycle life, List<Event> events) {
        List<Action> all = new ArrayList<>();
        for (Event e : events) {
            all.addAll(life.on(e));
        }
        return all;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void row(Row row) {
        Lifecycle life = machine(row);
        List<Action> actions = run(life, events(row));
        assertEquals(row.actions(), String.join(" ", actions.stream().map(LifecycleTest::kind).toList()), "actions");
        assertEquals(Lifecycle.Phase.CLOSED, life.phase());
        assertEquals(Lifecycle.Input.NONE, life.input());
        AccessRecord r = ((Action.Finished) actions.get(actions.size() - 1)).record();
        assertEquals(row.fin(), r.fin(), "fin");
        assertEquals(row.outcome(), r.outcome(), "outcome");
        assertEquals(row.linger(), r.linger(), "linger");
        assertEquals(row.status(), r.status(), "status");
        assertEquals(row.body(), r.bodyBytes(), "body bytes");
        assertEquals("192.0.2.7", r.remoteHost());
        assertEquals(40000, r.remotePort());
        assertEquals(1_700_000_000_000L, r.startMillis());
        long lastMs = events(row).get(events(row).size() - 1).now() / MS;
        assertEquals(lastMs, r.durationMillis(), "from accept to the last event");
        row.also().accept(r);
        assertEquals(List.of(), life.on(tick(1_000_000, ALL)), "nothing after the end");
        assertEquals(List.of(), life.on(closed(1_000_000, ALL)), "the close we asked for adds nothing");
    }

    @Test
    void theRequestLineIsLoggedEvenWhenRefused() {
        Lifecycle life = new Lifecycle(LIMITS, 0, 0, "-", 0);
        List<Action> actions = run(life, List.of(new Event.Received(MS, 30, malformed(), "GET /a b"),
                sending(1, Status.BAD_REQUEST), written(2), eof(3, ALL)));
        AccessRecord r = ((Action.Finished) actions.get(actions.size() - 1)).record();
        assertEquals("GET /a b", r.requestLine());
        assertEquals("why", r.reason());
        assertEquals(ALL - HEAD, r.bodyBytes());
        assertEquals(HEAD, r.headBytes());
        assertEquals(BODY, r.bodyOwed());
    }

    @Test
    void aRefusalSaysWhatItOwes() {
        Lifecycle life = new Lifecycle(LIMITS, 0, 0, "-", 0);
        Action.Respond respond = (Action.Respond) life.on(bytes(1, malformed())).get(0);
        Answer.Refuse refuse = assertInstanceOf(Answer.Refuse.class, respond.answer());
        assertEquals(Status.BAD_REQUEST, refuse.status());
        assertEquals(Outcome.BAD_REQUEST, refuse.outcome());
        Lifecycle late = new Lifecycle(LIMITS, 0, 0, "-", 0);
        Action.Respond timeout = (Action.Respond) late.on(tick(10_000, 0)).get(0);
        assertEquals(Status.REQUEST_TIMEOUT, ((Answer.Refuse) timeout.answer()).status());
    }

    @Test
    void inputIsParsedThenDiscardedThenNotRead() {
        Lifecycle life = new Lifecycle(LIMITS, 0, 0, "-", 0);
        assertEquals(Lifecycle.Input.REQUEST, life.input());
        assertTrue(life.idle());
        life.on(bytes(1, complete()));
        assertEquals(Lifecycle.Input.DISCARD, life.input());
        life.on(sending(1, Status.OK));
        life.on(written(2));
        assertEquals(Lifecycle.Phase.LINGERING, life.phase());
        assertEquals(Lifecycle.Input.DISCARD, life.input());
        life.on(eof(3, ALL));
        assertEquals(Lifecycle.Input.NONE, life.input());
    }

    @Test
    void sendingWithoutARespondIsADriverBug() {
        Lifecycle life = new Lifecycle(LIMITS, 0, 0, "-", 0);
        assertThrows(IllegalStateException.class, () -> life.on(sending(1, Status.OK)));
    }
}
