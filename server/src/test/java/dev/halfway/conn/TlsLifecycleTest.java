package dev.halfway.conn;

import static dev.halfway.conn.LifecycleTest.ALL;
import static dev.halfway.conn.LifecycleTest.BODY;
import static dev.halfway.conn.LifecycleTest.HEAD;
import static dev.halfway.conn.LifecycleTest.LIMITS;
import static dev.halfway.conn.LifecycleTest.MS;
import static dev.halfway.conn.LifecycleTest.bytes;
import static dev.halfway.conn.LifecycleTest.complete;
import static dev.halfway.conn.LifecycleTest.discarded;
import static dev.halfway.conn.LifecycleTest.sending;
import static dev.halfway.conn.LifecycleTest.stop;
import static dev.halfway.conn.LifecycleTest.tick;
import static dev.halfway.conn.LifecycleTest.written;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.http.ParseResult;
import dev.halfway.http.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The connection's life on the TLS port, as named rows: the handshake, how the input ended
 * (close_notify or a bare FIN) under TLS 1.3 and 1.2, handshake failures and plaintext clients →
 * the actions and the access record. The TLS 1.3 rows are the half-close of RFC 8446 §6.1 (the
 * response goes on); the TLS 1.2 close_notify rows are RFC 5246 §7.2.1 (the session is over).
 */
class TlsLifecycleTest {
    static final String TLS13 = "TLSv1.3";
    static final String TLS12 = "TLSv1.2";

    static Event handshaken(long ms, String protocol) {
        return new Event.Handshaken(ms * MS, protocol, "TLS_AES_128_GCM_SHA256");
    }

    static Event ended(long ms, long flushed, InputEnd end) {
        return new Event.InputEnded(ms * MS, flushed, null, null, end);
    }

    static Event endedInHead(long ms, ParseResult verdict, InputEnd end) {
        return new Event.InputEnded(ms * MS, 0, verdict, verdict instanceof ParseResult.Empty ? null : LifecycleTest.GET, end);
    }

    static Event tlsFailed(long ms, long flushed) {
        return new Event.TlsFailed(ms * MS, flushed, "no cipher suites in common");
    }

    /** Expected actions by kind (R respond, S shut output, C close, A abort, F finished), and the record's fields. */
    record Row(String name, List<Event> events, String actions, Outcome outcome, FinTiming fin, Linger linger,
               int status, long body, Transport transport, String tls, InputEnd end, String reason) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Row row(String name, String actions, Outcome outcome, FinTiming fin, Linger linger, int status, long body,
                   Transport transport, String tls, InputEnd end, String reason, Event... events) {
        return new Row(name, List.of(events), actions, outcome, fin, linger, status, body, transport, tls, end, reason);
    }

    static final String SESSION_CLOSED =
            "TLS 1.2 close_notify closes the session both ways (RFC 5246 7.2.1): pending writes discarded";

    static Stream<Row> rows() {
        return Stream.of(
                // TLS 1.3: close_notify is a half-close; the response goes on.
                row("1.3 close_notify right after the request: every byte", "R S C F", Outcome.COMPLETE,
                        FinTiming.AFTER_REQUEST, Linger.CLIENT_EOF, 200, BODY, Transport.TLS, TLS13, InputEnd.CLOSE_NOTIFY, null,
                        handshaken(1, TLS13), bytes(2, complete()), ended(2, 0, InputEnd.CLOSE_NOTIFY), sending(3, Status.OK), written(4)),
                row("1.3 close_notify in the middle of the response changes nothing but the log", "R S C F", Outcome.COMPLETE,
                        FinTiming.DURING_RESPONSE, Linger.CLIENT_EOF, 200, BODY, Transport.TLS, TLS13, InputEnd.CLOSE_NOTIFY, null,
                        handshaken(1, TLS13), bytes(2, complete()), sending(3, Status.OK), ended(4, 100, InputEnd.CLOSE_NOTIFY), written(9)),
                row("1.3 close_notify before the head's end: 400, sent in full", "R S C F", Outcome.BAD_REQUEST,
                        FinTiming.BEFORE_HEAD, Linger.CLIENT_EOF, 400, BODY, Transport.TLS, TLS13, InputEnd.CLOSE_NOTIFY, "why",
                        handshaken(1, TLS13), bytes(2, ParseResult.NEED_MORE),
                        endedInHead(3, new ParseResult.Failed(Status.BAD_REQUEST, "input ended before the end of the head"),
                                InputEnd.CLOSE_NOTIFY), sending(3, Status.BAD_REQUEST), written(4)),
                row("1.3 close_notify while we linger ends the staged close", "R S C F", Outcome.COMPLETE,
                        FinTiming.AFTER_RESPONSE, Linger.CLIENT_EOF, 200, BODY, Transport.TLS, TLS13, InputEnd.CLOSE_NOTIFY, null,
                        handshaken(1, TLS13), bytes(2, complete()), sending(3, Status.OK), written(4), ended(5, ALL, InputEnd.CLOSE_NOTIFY)),
                row("1.3 bare FIN after the request: answered, logged as a possible truncation", "R S C F", Outcome.COMPLETE,
                        FinTiming.AFTER_REQUEST, Linger.CLIENT_EOF, 200, BODY, Transport.TLS, TLS13, InputEnd.BARE_FIN, null,
                        handshaken(1, TLS13), bytes(2, complete()), ended(2, 0, InputEnd.BARE_FIN), sending(3, Status.OK), written(4)),
                // TLS 1.2: close_notify ends the session both ways.
                row("1.2 close_notify during the response: closed, the rest discarded", "R C F", Outcome.CLOSED,
                        FinTiming.DURING_RESPONSE, Linger.NONE, 200, 100, Transport.TLS, TLS12, InputEnd.CLOSE_NOTIFY, SESSION_CLOSED,
                        handshaken(1, TLS12), bytes(2, complete()), sending(3, Status.OK), ended(4, HEAD + 100, InputEnd.CLOSE_NOTIFY)),
                row("1.2 close_notify before any response byte: no status is logged", "R C F", Outcome.CLOSED,
                        FinTiming.AFTER_REQUEST, Linger.NONE, 0, 0, Transport.TLS, TLS12, InputEnd.CLOSE_NOTIFY, SESSION_CLOSED,
                        handshaken(1, TLS12), bytes(2, complete()), sending(3, Status.OK), ended(3, 0, InputEnd.CLOSE_NOTIFY)),
                row("1.2 close_notify before the head's end: closed, no 400 can be sent", "C F", Outcome.CLOSED,
                        FinTiming.BEFORE_HEAD, Linger.NONE, 0, 0, Transport.TLS, TLS12, InputEnd.CLOSE_NOTIFY, SESSION_CLOSED,
                        handshaken(1, TLS12), bytes(2, ParseResult.NEED_MORE),
                        endedInHead(3, new ParseResult.Failed(Status.BAD_REQUEST, "input ended before the end of the head"),
                                InputEnd.CLOSE_NOTIFY)),
                row("1.2 close_notify with no request at all is an empty connection", "C F", Outcome.EMPTY,
                        FinTiming.BEFORE_HEAD, Linger.NONE, 0, 0, Transport.TLS, TLS12, InputEnd.CLOSE_NOTIFY, null,
                        handshaken(1, TLS12), endedInHead(2, ParseResult.EMPTY, InputEnd.CLOSE_NOTIFY)),
                row("1.2 close_notify while we linger: the response was already whole", "R S C F", Outcome.COMPLETE,
                        FinTiming.AFTER_RESPONSE, Linger.CLIENT_EOF, 200, BODY, Transport.TLS, TLS12, InputEnd.CLOSE_NOTIFY, null,
                        handshaken(1, TLS12), bytes(2, complete()), sending(3, Status.OK), written(4), ended(5, ALL, InputEnd.CLOSE_NOTIFY)),
                row("1.2 bare FIN after the request: the rule is close_notify's, the FIN is answered", "R S C F",
                        Outcome.COMPLETE, FinTiming.AFTER_REQUEST, Linger.CLIENT_EOF, 200, BODY, Transport.TLS, TLS12,
                        InputEnd.BARE_FIN, null,
                        handshaken(1, TLS12), bytes(2, complete()), ended(2, 0, InputEnd.BARE_FIN), sending(3, Status.OK), written(4)),
                // The handshake.
                row("the handshake fails: one line, nothing owed", "C F", Outcome.HANDSHAKE_FAILED, FinTiming.NONE,
                        Linger.NONE, 0, 0, Transport.TLS, null, null, "TLS handshake failed: no cipher suites in common",
                        tlsFailed(3, 0)),
                row("the handshake stalls: closed at the head deadline, no 408 without a session", "C F", Outcome.TIMEOUT,
                        FinTiming.NONE, Linger.NONE, 0, 0, Transport.TLS, null, null, "TLS handshake did not complete in time",
                        tick(9_999, 0), tick(10_000, 0)),
                row("the handshake is done but the head stalls: 408 over TLS", "R S C F", Outcome.TIMEOUT, FinTiming.NONE,
                        Linger.TIMEOUT, 408, BODY, Transport.TLS, TLS13, null, "why",
                        handshaken(5, TLS13), tick(10_000, 0), sending(10_000, Status.REQUEST_TIMEOUT), written(10_001),
                        tick(12_001, ALL)),
                row("the input ends before the handshake: an empty connection", "C F", Outcome.EMPTY, FinTiming.BEFORE_HEAD,
                        Linger.NONE, 0, 0, Transport.TLS, null, InputEnd.EOF, null, endedInHead(1, ParseResult.EMPTY, InputEnd.EOF)),
                row("the session breaks during the response: the client's doing, a reset", "R C F", Outcome.RESET,
                        FinTiming.NONE, Linger.NONE, 200, 100, Transport.TLS, TLS13, null, "TLS session broken: no cipher suites in common",
                        handshaken(1, TLS13), bytes(2, complete()), sending(3, Status.OK), tlsFailed(4, HEAD + 100)),
                row("a stop during the handshake closes at once", "C F", Outcome.SHUTDOWN, FinTiming.NONE, Linger.NONE,
                        0, 0, Transport.TLS, null, null, "server stopped", stop(5, 0, 10_005)),
                // Plaintext on the TLS port.
                row("plain HTTP on the TLS port: 400 in plaintext, then the staged close", "R S C F", Outcome.BAD_REQUEST,
                        FinTiming.AFTER_RESPONSE, Linger.CLIENT_EOF, 400, BODY, Transport.TCP_ON_TLS_PORT, null, InputEnd.EOF,
                        "why",
                        new Event.Plaintext(1 * MS), bytes(1, complete()), sending(1, Status.BAD_REQUEST), written(2),
                        discarded(3, 10), ended(4, ALL, InputEnd.EOF)),
                row("plaintext that is not HTTP on the TLS port: the parser's 400", "R S C F", Outcome.BAD_REQUEST,
                        FinTiming.AFTER_RESPONSE, Linger.CLIENT_EOF, 400, BODY, Transport.TCP_ON_TLS_PORT, null, InputEnd.EOF,
                        "why",
                        new Event.Plaintext(1 * MS), bytes(1, LifecycleTest.malformed()), sending(1, Status.BAD_REQUEST),
                        written(2), ended(4, ALL, InputEnd.EOF)));
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
        Lifecycle life = new Lifecycle(LIMITS, Transport.TLS, 0, 1_700_000_000_000L, "192.0.2.7", 40000);
        List<Action> actions = run(life, row.events());
        assertEquals(row.actions(), String.join(" ", actions.stream().map(LifecycleTest::kind).toList()), "actions");
        assertEquals(Lifecycle.Phase.CLOSED, life.phase());
        AccessRecord r = ((Action.Finished) actions.get(actions.size() - 1)).record();
        assertEquals(row.outcome(), r.outcome(), "outcome");
        assertEquals(row.fin(), r.fin(), "fin");
        assertEquals(row.linger(), r.linger(), "linger");
        assertEquals(row.status(), r.status(), "status");
        assertEquals(row.body(), r.bodyBytes(), "body bytes");
        assertEquals(row.transport(), r.transport(), "transport");
        assertEquals(row.tls(), r.tls(), "tls");
        assertEquals(row.end(), r.inputEnd(), "input end");
        assertEquals(row.reason(), r.reason(), "reason");
        assertEquals(List.of(), life.on(tick(1_000_000, ALL)), "nothing after the end");
    }

    @Test
    void plainHttpOnTheTlsPortIsRefusedInItsOwnVersion() {
        Lifecycle life = new Lifecycle(LIMITS, Transport.TLS, 0, 0, "-", 0);
        life.on(new Event.Plaintext(MS));
        Action.Respond respond = (Action.Respond) life.on(bytes(1, complete())).get(0);
        Answer.Refuse refuse = assertInstanceOf(Answer.Refuse.class, respond.answer());
        assertEquals(Status.BAD_REQUEST, refuse.status());
        assertEquals("plain HTTP request sent to the TLS port", refuse.reason());
        assertEquals(dev.halfway.http.Version.HTTP_1_0, refuse.version());
    }

    @Test
    void plaintextAfterTheHandshakeChangesNothing() {
        Lifecycle life = new Lifecycle(LIMITS, Transport.TLS, 0, 0, "-", 0);
        life.on(handshaken(1, TLS13));
        life.on(new Event.Plaintext(2 * MS));
        assertEquals(Transport.TLS, life.transport());
        assertInstanceOf(Answer.Serve.class, ((Action.Respond) life.on(bytes(3, complete())).get(0)).answer());
    }

    @Test
    void theHandshakeIsPendingUntilItIsDone() {
        Lifecycle life = new Lifecycle(LIMITS, Transport.TLS, 0, 0, "-", 0);
        assertTrue(life.handshaking());
        life.on(handshaken(1, TLS12));
        assertEquals(false, life.handshaking());
        assertEquals(false, new Lifecycle(LIMITS, 0, 0, "-", 0).handshaking(), "TCP has no handshake");
    }
}
