package dev.halfway.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.client.LadderGoldenTest.FakeClock;
import dev.halfway.client.Timeline.Event;
import dev.halfway.client.Timeline.Kind;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Timeline.Recorder}: coalescing, ordering and the trace's wording, on a fake clock. */
class TimelineTest {
    private final FakeClock clock = new FakeClock();
    private final Timeline.Recorder rec = Timeline.recorder(clock);

    private void at(double millis) {
        clock.at(millis);
    }

    @Test
    void aHalfCloseExchangeTracesOneLinePerEvent() {
        at(0);
        rec.connect("127.0.0.1:8080");
        at(0.1);
        rec.connected(null);
        at(0.3);
        rec.sent(18);
        rec.ourFin("shutdown SHUT_WR");
        at(1.2);
        rec.received(100);
        at(1.5);
        rec.received(4000);
        at(1.9);
        rec.received(118);
        rec.serverFin();

        Timeline t = rec.done();
        assertEquals("""
                    0.0 ms  connect 127.0.0.1:8080
                    0.1 ms  connected
                    0.3 ms  sent 18 B
                    0.3 ms  our FIN (shutdown SHUT_WR)
                    1.2 ms  first response byte
                    1.9 ms  received 4218 B in 3 reads from 1.2 ms
                    1.9 ms  server FIN
                """, t.trace());
        assertEquals(List.of(Kind.CONNECT, Kind.CONNECTED, Kind.SENT, Kind.OUR_FIN, Kind.FIRST_BYTE, Kind.RECEIVED,
                Kind.SERVER_FIN), t.kinds());
        Event received = t.first(Kind.RECEIVED);
        assertEquals(4218, received.bytes());
        assertEquals(3, received.pieces());
        assertEquals(1_200_000, received.sinceNanos());
        assertEquals(1_900_000, received.nanos());
        assertEquals(t.first(Kind.FIRST_BYTE).nanos(), received.sinceNanos(), "the first read is the first byte");
    }

    @Test
    void anotherKindOfEventEndsARun() {
        at(0);
        rec.connect("h:1");
        rec.connected(null);
        at(1);
        rec.sent(10);
        at(2);
        rec.sent(20);
        at(3);
        rec.received(5);
        at(4);
        rec.received(6);
        at(5);
        rec.ourFin("shutdown SHUT_WR");
        at(6);
        rec.received(7);
        at(7);
        rec.rst("Connection reset");

        List<Event> e = rec.done().events();
        assertEquals(List.of(Kind.CONNECT, Kind.CONNECTED, Kind.SENT, Kind.FIRST_BYTE, Kind.RECEIVED, Kind.OUR_FIN,
                Kind.RECEIVED, Kind.RST), e.stream().map(Event::kind).toList());
        assertEquals(30, e.get(2).bytes());
        assertEquals(2, e.get(2).pieces());
        assertEquals("sent 30 B in 2 writes from 1.0 ms", e.get(2).describe());
        assertEquals(11, e.get(4).bytes());
        assertEquals(7, e.get(6).bytes(), "after our FIN a new run begins, and no second first byte");
        assertEquals("received 7 B", e.get(6).describe());
        assertEquals("RST (Connection reset)", e.get(7).describe());
    }

    @Test
    void theEndIsRecordedOnce() {
        at(0);
        rec.connect("h:1");
        at(1);
        rec.timeout(null);
        rec.rst("late");
        rec.serverFin();

        assertEquals(List.of(Kind.CONNECT, Kind.TIMEOUT), rec.done().kinds());
        assertTrue(rec.ended());
        assertEquals("timeout", rec.done().events().get(1).describe());
    }

    @Test
    void offsetsCountFromConnect() {
        at(1000);
        rec.connect("h:1");
        at(1000.5);
        rec.connected("10.0.0.1:1");

        Timeline t = rec.done();
        assertEquals(0, t.events().get(0).nanos());
        assertEquals(500_000, t.events().get(1).nanos());
        assertEquals("    0.5 ms  connected to 10.0.0.1:1\n", Timeline.line(t.events().get(1)) + "\n");
        assertEquals(1_000_000_000L, rec.origin());
    }

    @Test
    void doneIsASnapshotThatIncludesTheOpenRun() {
        at(0);
        rec.connect("h:1");
        at(1);
        rec.received(10);
        Timeline first = rec.done();
        at(2);
        rec.received(10);
        Timeline second = rec.done();

        assertEquals(List.of(Kind.CONNECT, Kind.FIRST_BYTE, Kind.RECEIVED), first.kinds());
        assertEquals(10, first.first(Kind.RECEIVED).bytes());
        assertEquals(List.of(Kind.CONNECT, Kind.FIRST_BYTE, Kind.RECEIVED, Kind.RECEIVED), second.kinds(),
                "the run was closed by done(): a later read starts another");
        assertThrows(UnsupportedOperationException.class, () -> first.events().add(first.events().get(0)));
    }

    @Test
    void everyKindHasWords() {
        at(0);
        rec.connect("h:1");
        rec.connectFailed("Connection refused");
        rec.sendFailed("Broken pipe");
        rec.ourFin("close");
        rec.ourReset("reset: SO_LINGER 0, close");
        String trace = rec.done().trace();
        assertEquals("""
                    0.0 ms  connect h:1
                    0.0 ms  connect failed: Connection refused
                    0.0 ms  send failed: Broken pipe
                    0.0 ms  our FIN (close)
                    0.0 ms  our RST (reset: SO_LINGER 0, close)
                """, trace);
        for (Kind k : Kind.values()) {
            Event e = new Event(1_234_567, k, 9, "why", 1, 1_234_567);
            assertFalse(e.describe().isBlank(), k.name());
            assertTrue(Timeline.line(e).startsWith("    1.2 ms  "), Timeline.line(e));
        }
    }

    @Test
    void aTimelineOfAnyEventsDrawsOneRowPerArrowAtAFixedWidth() {
        List<Event> all = new java.util.ArrayList<>();
        long t = 0;
        for (Kind k : Kind.values()) {
            t += 100_000;
            all.add(new Event(t, k, 42, k == Kind.CONNECT ? "h:1" : "why", 1, t));
        }
        Timeline timeline = Timeline.of(all);
        String drawn = Ladder.render(timeline, "GET / HTTP/1.0", "HTTP/1.0 200 OK");

        List<String> rows = drawn.lines().skip(1).toList();
        assertEquals(Kind.values().length + 2, rows.size(),
                "one row per event, two for the TCP handshake and for a failed TLS handshake:\n" + drawn);
        assertTrue(rows.stream().allMatch(r -> r.length() == 61 && r.charAt(12) == '|' && r.charAt(60) == '|'), drawn);
        assertEquals(Kind.values().length, timeline.trace().lines().count());
    }

    @Test
    void theEmptyTimeline() {
        assertTrue(Timeline.EMPTY.isEmpty());
        assertEquals("", Timeline.EMPTY.trace());
        assertNull(Timeline.EMPTY.first(Kind.CONNECT));
        assertEquals("          client                                          server\n",
                Ladder.render(Timeline.EMPTY, null, null));
    }

    @Test
    void theOldResultConstructorStillWorksAndGivesAnEmptyTimeline() {
        Exchange.Result r = new Exchange.Result(new ResponseMeter(ResponseMeter.Sink.NONE), StreamEnd.FIN, null, null,
                0, -1, -1, 0, false, AfterSend.SHUT_WR);
        assertSame(Timeline.EMPTY, r.timeline());
        Exchange.Result n = new Exchange.Result(r.meter(), StreamEnd.FIN, null, null, 0, -1, -1, 0, false,
                AfterSend.SHUT_WR, null);
        assertSame(Timeline.EMPTY, n.timeline());
    }

    @Test
    void requestAndStatusLines() {
        assertEquals("GET / HTTP/1.0", Ladder.requestLine("GET / HTTP/1.0\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals("GET /x", Ladder.requestLine("GET /x\n".getBytes(StandardCharsets.ISO_8859_1)));
        assertNull(Ladder.requestLine("\r\nGET / HTTP/1.0".getBytes(StandardCharsets.ISO_8859_1)));
        assertNull(Ladder.requestLine(new byte[0]));
        assertEquals(200, Ladder.requestLine(new byte[5000]).length(), "at most 200 bytes of a line that never ends");

        ResponseMeter m = new ResponseMeter(ResponseMeter.Sink.NONE);
        assertNull(Ladder.statusLine(m), "nothing came");
        byte[] head = "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        m.accept(head, 0, head.length);
        assertEquals("HTTP/1.0 404 Not Found", Ladder.statusLine(m));

        ResponseMeter partial = new ResponseMeter(ResponseMeter.Sink.NONE);
        byte[] start = "HTTP/1.0 200 O".getBytes(StandardCharsets.ISO_8859_1);
        partial.accept(start, 0, start.length);
        partial.finish();
        assertEquals("HTTP/1.0 200 O", Ladder.statusLine(partial), "an unfinished status line is shown as far as it came");

        ResponseMeter simple = new ResponseMeter(ResponseMeter.Sink.NONE);
        byte[] body = "<html>hi</html>".getBytes(StandardCharsets.ISO_8859_1);
        simple.accept(body, 0, body.length);
        simple.finish();
        assertNull(Ladder.statusLine(simple), "an HTTP/0.9 response has no status line");
    }
}
