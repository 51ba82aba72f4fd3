package dev.halfway.conn;

import static dev.halfway.conn.LifecycleTest.ALL;
import static dev.halfway.conn.LifecycleTest.BODY;
import static dev.halfway.conn.LifecycleTest.LIMITS;
import static dev.halfway.conn.LifecycleTest.MS;
import static dev.halfway.conn.LifecycleTest.bytes;
import static dev.halfway.conn.LifecycleTest.complete;
import static dev.halfway.conn.LifecycleTest.eof;
import static dev.halfway.conn.LifecycleTest.eofInHead;
import static dev.halfway.conn.LifecycleTest.sending;
import static dev.halfway.conn.LifecycleTest.tick;
import static dev.halfway.conn.LifecycleTest.written;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.http.ParseResult;
import dev.halfway.http.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A connection behind a PROXY protocol proxy, as named rows: the header first (its client
 * address replaces the peer's in the log, the peer's becomes the proxy's), or a refusal without
 * an answer (an answer would go to the proxy, not to the client).
 */
class ProxyLifecycleTest {
    static final String PEER = "192.0.2.7";
    static final int PEER_PORT = 40000;

    record Row(String name, List<Event> events, String actions, Outcome outcome, String remote, int port,
               String proxy, int proxyPort, String reason) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Event proxied(long ms, String host, int port) {
        return new Event.Proxied(ms * MS, host, port);
    }

    static Stream<Row> rows() {
        return Stream.of(
                new Row("the header, then the request: the client is logged, and the proxy beside it",
                        List.of(proxied(1, "198.51.100.9", 51234), bytes(2, complete()), eof(2, 0), sending(3, Status.OK), written(4)),
                        "R S C F", Outcome.COMPLETE, "198.51.100.9", 51234, PEER, PEER_PORT, null),
                new Row("a LOCAL or UNKNOWN header keeps the peer's own address",
                        List.of(proxied(1, null, 0), bytes(2, complete()), eof(2, 0), sending(3, Status.OK), written(4)),
                        "R S C F", Outcome.COMPLETE, PEER, PEER_PORT, null, 0, null),
                new Row("a bad header: closed unanswered, with the reason",
                        List.of(new Event.ProxyRefused(1 * MS, "bad PROXY header: not a PROXY protocol header")),
                        "C F", Outcome.BAD_REQUEST, PEER, PEER_PORT, null, 0, "bad PROXY header: not a PROXY protocol header"),
                new Row("no header within the head timeout: closed unanswered, no 408",
                        List.of(tick(9_999, 0), tick(10_000, 0)),
                        "C F", Outcome.TIMEOUT, PEER, PEER_PORT, null, 0, "PROXY header did not arrive in time"),
                new Row("the header, then a head that stalls: 408, as without a proxy",
                        List.of(proxied(1, "198.51.100.9", 51234), bytes(2, ParseResult.NEED_MORE), tick(10_000, 0),
                                sending(10_000, Status.REQUEST_TIMEOUT), written(10_001), tick(12_001, ALL)),
                        "R S C F", Outcome.TIMEOUT, "198.51.100.9", 51234, PEER, PEER_PORT, "why"),
                new Row("nothing at all (a health check's connect and close) is empty",
                        List.of(eofInHead(1, ParseResult.EMPTY)),
                        "C F", Outcome.EMPTY, PEER, PEER_PORT, null, 0, null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void row(Row row) {
        Lifecycle life = new Lifecycle(LIMITS, 0, 0, PEER, PEER_PORT);
        life.expectProxyHeader();
        assertTrue(life.awaitingProxyHeader());
        List<Action> actions = new ArrayList<>();
        for (Event e : row.events()) {
            actions.addAll(life.on(e));
        }
        assertEquals(row.actions(), String.join(" ", actions.stream().map(LifecycleTest::kind).toList()), "actions");
        AccessRecord r = ((Action.Finished) actions.get(actions.size() - 1)).record();
        assertEquals(row.outcome(), r.outcome(), "outcome");
        assertEquals(row.remote(), r.remoteHost(), "remote host");
        assertEquals(row.port(), r.remotePort(), "remote port");
        assertEquals(row.proxy(), r.proxyHost(), "proxy host");
        assertEquals(row.proxyPort(), r.proxyPort(), "proxy port");
        assertEquals(row.reason(), r.reason(), "reason");
        if (row.outcome() == Outcome.COMPLETE) {
            assertEquals(BODY, r.bodyBytes());
        }
    }
}
