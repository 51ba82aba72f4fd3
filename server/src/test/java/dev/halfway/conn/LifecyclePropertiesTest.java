package dev.halfway.conn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.http.ParseResult;
import dev.halfway.http.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Properties of the connection's life over random interleavings of events, delivered as the
 * driver would (input events only while input is read, a write's events only while it is in
 * flight, a {@code Sending} right after each {@code Respond}, the endpoint's own close at any time):
 * exactly one record per connection; no action after it; never a write after a close; never our
 * FIN before the last byte was flushed; the logged status is the one whose bytes went out; and
 * every path ends, with nothing but time passing.
 */
class LifecyclePropertiesTest {
    static final Lifecycle.Limits LIMITS = new Lifecycle.Limits(Duration.ofMillis(100), Duration.ofMillis(300),
            Duration.ofMillis(50), 4096);

    /** One step a driver may take; {@code n} picks its detail (a verdict, a byte count, a time step). */
    enum Kind { BYTES, EOF, PROGRESS, WRITTEN, WRITE_FAILED, TICK, STOP, CLOSED, HANDSHAKEN, TLS_FAILED, PLAINTEXT, PROXIED, PROXY_REFUSED }

    record Step(Kind kind, int n) {}

    /** A driver that keeps the adapter's side of the contract, and watches the machine's. */
    static final class Driver {
        final Lifecycle life;
        final List<Action> actions = new ArrayList<>();
        long now;
        long flushed;
        long total = -1;
        boolean writing;
        boolean writtenSeen;
        boolean closedByUs;
        boolean endPointClosed;
        int finished;
        Status status;
        AccessRecord record;

        Driver() {
            this(Transport.TCP);
        }

        /** On {@link Transport#TLS} the TLS events happen too; on TCP they never do (the adapter has no TLS layer). */
        Driver(Transport transport) {
            this(transport, false);
        }

        /** With {@code proxied}, a PROXY header must come first: no request bytes until it has. */
        Driver(Transport transport, boolean proxied) {
            life = new Lifecycle(LIMITS, transport, 0, 0, "-", 0);
            if (proxied) {
                life.expectProxyHeader();
            }
        }

        boolean tls() {
            return life.transport() != Transport.TCP;
        }

        InputEnd end(int n) {
            return !tls() || life.transport() == Transport.TCP_ON_TLS_PORT ? InputEnd.EOF
                    : n % 3 == 0 ? InputEnd.CLOSE_NOTIFY : n % 3 == 1 ? InputEnd.BARE_FIN : InputEnd.EOF;
        }

        void step(Step s) {
            switch (s.kind()) {
                case BYTES -> {
                    if (life.handshaking() || life.awaitingProxyHeader()) {
                        return; // TLS gives no bytes before its handshake; the adapter none before the PROXY header
                    }
                    if (life.input() == Lifecycle.Input.REQUEST) {
                        ParseResult verdict = switch (s.n() % 4) {
                            case 0 -> LifecycleTest.complete();
                            case 1 -> LifecycleTest.malformed();
                            default -> ParseResult.NEED_MORE;
                        };
                        deliver(new Event.Received(now, 1 + s.n(), verdict, "GET / HTTP/1.0"));
                    } else if (life.input() == Lifecycle.Input.DISCARD) {
                        deliver(new Event.Received(now, 1 + s.n() * 97, null, null));
                    }
                }
                case EOF -> {
                    if (life.input() == Lifecycle.Input.REQUEST) {
                        deliver(new Event.InputEnded(now, flushed, s.n() % 2 == 0 || life.handshaking() ? ParseResult.EMPTY
                                : LifecycleTest.malformed(), null, end(s.n() / 2)));
                    } else if (life.input() == Lifecycle.Input.DISCARD) {
                        deliver(new Event.InputEnded(now, flushed, null, null, end(s.n())));
                    }
                }
                case PROGRESS -> {
                    if (writing) {
                        flushed = Math.min(total, flushed + 1 + s.n());
                    }
                }
                case WRITTEN -> {
                    if (writing) {
                        flushed = total;
                        writing = false;
                        writtenSeen = true;
                        deliver(new Event.Written(now, flushed));
                    }
                }
                case WRITE_FAILED -> {
                    if (writing) {
                        writing = false;
                        deliver(new Event.WriteFailed(now, flushed,
                                s.n() % 2 == 0 ? Event.Failure.PEER_GONE : Event.Failure.LOCAL_ERROR));
                    }
                }
                case TICK -> {
                    now += (long) s.n() * 1_000_000;
                    deliver(new Event.Tick(now, flushed));
                }
                case STOP -> deliver(new Event.Stop(now, flushed, now + (long) s.n() * 1_000_000));
                case CLOSED -> endPointCloses();
                case HANDSHAKEN -> {
                    if (tls() && life.handshaking() && !endPointClosed) {
                        deliver(new Event.Handshaken(now, s.n() % 2 == 0 ? "TLSv1.3" : "TLSv1.2", "TLS_AES_128_GCM_SHA256"));
                    }
                }
                case TLS_FAILED -> {
                    if (tls() && life.transport() == Transport.TLS && !endPointClosed) {
                        writing = false;
                        deliver(new Event.TlsFailed(now, flushed, "bad record"));
                    }
                }
                case PROXIED -> {
                    if (life.awaitingProxyHeader() && !endPointClosed) {
                        deliver(new Event.Proxied(now, s.n() % 2 == 0 ? "198.51.100.9" : null, 1000 + s.n()));
                    }
                }
                case PROXY_REFUSED -> {
                    if (life.awaitingProxyHeader() && !endPointClosed) {
                        deliver(new Event.ProxyRefused(now, "bad PROXY header"));
                    }
                }
                case PLAINTEXT -> {
                    if (tls() && life.handshaking() && life.idle()) {
                        deliver(new Event.Plaintext(now));
                    }
                }
            }
        }

        void endPointCloses() {
            if (!endPointClosed) {
                endPointClosed = true;
                writing = false;
                deliver(new Event.Closed(now, flushed));
            }
        }

        void deliver(Event e) {
            List<Action> out = life.on(e);
            for (Action a : out) {
                actions.add(a);
                assertEquals(0, finished, "an action after the record: " + a);
                if (a instanceof Action.Respond) {
                    assertTrue(!closedByUs && !endPointClosed, "a write after the close");
                    assertTrue(total < 0, "a second response");
                    status = Status.OK;
                    total = 300;
                    writing = true;
                    deliver(new Event.Sending(now, new Reply(status, 100, 200, null)));
                } else if (a instanceof Action.ShutOutput) {
                    assertTrue(writtenSeen && flushed == total, "our FIN before the last byte was flushed");
                } else if (a instanceof Action.Close || a instanceof Action.Abort) {
                    closedByUs = true;
                } else if (a instanceof Action.Finished f) {
                    finished++;
                    record = f.record();
                }
            }
            if (closedByUs && !endPointClosed) {
                endPointCloses(); // the endpoint we closed says so (Jetty calls onClose)
            }
        }
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> step = Arbitraries.of(Kind.values()).flatMap(k -> Arbitraries.integers().between(0, 120)
                .map(n -> new Step(k, n)));
        return step.list().ofMinSize(0).ofMaxSize(40);
    }

    @Property(tries = 2000)
    void everyOrderEndsInExactlyOneRecord(@ForAll("steps") List<Step> steps, @ForAll boolean tls, @ForAll boolean proxied) {
        Driver d = new Driver(tls ? Transport.TLS : Transport.TCP, proxied && !tls);
        for (Step s : steps) {
            d.step(s);
        }
        // Every path ends with nothing but time: head, write and linger timeouts bound each phase.
        for (int i = 0; i < 10 && d.finished == 0; i++) {
            d.step(new Step(Kind.TICK, 400));
        }
        assertEquals(1, d.finished, "exactly one record");
        assertEquals(Lifecycle.Phase.CLOSED, d.life.phase());
        AccessRecord r = d.record;
        // The status logged is the one whose bytes reached the kernel, and only if some did.
        assertEquals(d.flushed > 0 && d.status != null ? d.status.code() : 0, r.status());
        assertEquals(Math.max(0, d.flushed - (d.total < 0 ? 0 : 100)), r.bodyBytes());
        // The outcome says complete only when every byte was written and our FIN followed.
        if (r.outcome() == Outcome.COMPLETE) {
            assertTrue(d.writtenSeen && d.actions.stream().anyMatch(a -> a instanceof Action.ShutOutput));
        }
        if (r.linger() != Linger.NONE) {
            assertTrue(d.writtenSeen, "a linger label without a staged close");
        }
        // TLS: no response before a session (or a plaintext client); the session's version is logged.
        if (d.tls() && r.outcome() == Outcome.HANDSHAKE_FAILED) {
            assertEquals(-1, d.total, "a response on a failed handshake");
        }
        if (r.transport() == Transport.TLS && d.total >= 0 && !d.life.handshaking()) {
            assertTrue(r.tls() != null || r.outcome() == Outcome.TIMEOUT, "a TLS response without a session: " + r);
        }
        // Behind a proxy nothing is answered before the header; a refused header is answered never.
        if (r.reason() != null && r.reason().startsWith("bad PROXY header") || "PROXY header did not arrive in time".equals(r.reason())) {
            assertEquals(-1, d.total, "a response to a connection without its PROXY header");
        }
        if (r.outcome() == Outcome.CLOSED) {
            assertEquals("TLSv1.2", r.tls(), "only TLS 1.2's close_notify closes both ways");
            assertEquals(InputEnd.CLOSE_NOTIFY, r.inputEnd());
        }
        // Nothing happens after the end, whatever comes.
        for (Kind k : Kind.values()) {
            int before = d.actions.size();
            d.step(new Step(k, 3));
            assertEquals(before, d.actions.size(), "an action after the end: " + k);
        }
    }

    @Property(tries = 500)
    void theSameEventsGiveTheSameRecord(@ForAll("steps") List<Step> steps, @ForAll boolean tls) {
        Driver a = new Driver(tls ? Transport.TLS : Transport.TCP);
        Driver b = new Driver(tls ? Transport.TLS : Transport.TCP);
        for (Step s : steps) {
            a.step(s);
            b.step(s);
        }
        assertEquals(a.actions, b.actions, "the machine is a function of its events");
    }
}
