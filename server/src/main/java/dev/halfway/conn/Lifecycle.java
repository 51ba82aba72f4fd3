package dev.halfway.conn;

import dev.halfway.http.ParseResult;
import dev.halfway.http.Status;
import dev.halfway.http.Version;
import java.time.Duration;
import java.util.List;

/**
 * One connection's life as a pure state machine: {@link Event}s in, {@link Action}s out. No I/O, no
 * clock (time comes with each event), no threads: its driver delivers every event from one thread.
 *
 * <p>The phases follow the staged close of RFC 9112 §9.6:
 * {@link Phase#HEAD} (reading the request) → {@link Phase#RESPONDING} (writing the answer) →
 * {@link Phase#LINGERING} (our FIN sent; reading and discarding until the client's EOF, a timeout or a
 * byte cap, so that unread input never makes the kernel answer with an RST that destroys the
 * response's tail) → {@link Phase#CLOSED}. Each phase holds its own data.
 *
 * <p>The client's end of input is an event, not an ending: a half-close "does not delimit a
 * request message, nor does it imply that the client is no longer interested in a response"
 * (RFC 9112 §9.6). EOF after a complete request changes nothing but the log; EOF before it asks
 * the parser what the request has become. Only a failed write means the client is gone.
 *
 * <p>Contracts, checked by the tests over every order of events: exactly one
 * {@link Action.Finished} per connection; no action after it; {@link Action.ShutOutput} only after
 * {@link Event.Written}; the log's {@code fin}, {@code outcome} and {@code linger} are functions of
 * the events in their order.
 *
 * <p>On TLS ({@link Transport#TLS}) the handshake comes first, inside the head phase and its
 * deadline; the client's input can end with close_notify, which TLS 1.3 treats as a half-close
 * (RFC 8446 §6.1: "Each party MUST send a close_notify alert before closing its write side") and
 * TLS 1.2 as the end of the whole session (RFC 5246 §7.2.1: the other party "MUST respond with a
 * close_notify alert of its own and close down the connection immediately, discarding any pending
 * writes"). The machine applies the rule of the version the handshake negotiated.
 */
public final class Lifecycle {

    /** Where the connection is, in the order of the staged close. */
    public enum Phase { HEAD, RESPONDING, LINGERING, CLOSED }

    /** What to do with the client's bytes now. */
    public enum Input {
        /** Parse them: the request is not complete yet. */
        REQUEST,
        /** Read and drop them (bytes after the request, or during the linger). */
        DISCARD,
        /** Read no more: the input ended, or the connection is closed. */
        NONE
    }

    /**
     * The connection's time limits.
     *
     * @param head        the whole request must arrive within this (→ 408)
     * @param write       a response that makes no write progress for this long is cut
     * @param linger      how long the staged close waits for the client's EOF; zero closes after our FIN
     * @param lingerBytes how many bytes the staged close discards before giving up
     */
    public record Limits(Duration head, Duration write, Duration linger, long lingerBytes) {}

    /** The head phase: the request is being read. */
    private static final class Head {
        final long deadline;
        boolean sawBytes;

        Head(long deadline) {
            this.deadline = deadline;
        }
    }

    /** The responding phase: the answer is being written; progress is what the write timeout watches. */
    private static final class Responding {
        final Answer answer;
        /** Null until the driver has built the response ({@link Event.Sending}). */
        Reply reply;
        long lastFlushed;
        long lastProgress;

        Responding(Answer answer, long now) {
            this.answer = answer;
            this.lastProgress = now;
        }
    }

    /** The lingering phase: our FIN is sent; input is discarded until EOF, the deadline or the cap. */
    private static final class Lingering {
        final long deadline;
        long discarded;

        Lingering(long deadline) {
            this.deadline = deadline;
        }
    }

    private static final Object CLOSED = new Object();

    private static final String TLS_1_3 = "TLSv1.3";

    private final Limits limits;
    /** Fixed at accept, except that a TLS connection whose client speaks plaintext becomes {@link Transport#TCP_ON_TLS_PORT}. */
    private Transport transport;
    private final long startNanos;
    private final AccessRecord.Builder record;
    /** One of {@link Head}, {@link Responding}, {@link Lingering} or {@link #CLOSED}. */
    private Object stage;

    // The history the log is made of: each written once, by the event that decides it.
    private String requestLine;
    private Reply reply;
    private Outcome ifWritten;
    private FinTiming fin = FinTiming.NONE;
    private long flushedAtFin = -1;
    private long flushed;
    private long stopDeadline;
    private boolean stopping;
    /** Whether a PROXY protocol header must come first and has not yet ({@link #expectProxyHeader}). */
    private boolean proxyPending;
    /** The negotiated TLS protocol; null on TCP and until the handshake completes. */
    private String tlsProtocol;
    private InputEnd inputEnd;

    /**
     * @param startNanos  when the connection was accepted, on the events' clock
     * @param startMillis the same moment in epoch milliseconds, for the log
     */
    public Lifecycle(Limits limits, long startNanos, long startMillis, String remoteHost, int remotePort) {
        this(limits, Transport.TCP, startNanos, startMillis, remoteHost, remotePort);
    }

    /** A connection on {@code transport}; the other parameters as above. */
    public Lifecycle(Limits limits, Transport transport, long startNanos, long startMillis, String remoteHost, int remotePort) {
        this.limits = limits;
        this.transport = transport;
        this.startNanos = startNanos;
        this.record = AccessRecord.builder().remote(remoteHost, remotePort).startMillis(startMillis);
        this.stage = new Head(startNanos + limits.head().toNanos());
    }

    public Phase phase() {
        if (stage instanceof Head) {
            return Phase.HEAD;
        }
        if (stage instanceof Responding) {
            return Phase.RESPONDING;
        }
        return stage instanceof Lingering ? Phase.LINGERING : Phase.CLOSED;
    }

    public Input input() {
        if (fin != FinTiming.NONE || stage == CLOSED) {
            return Input.NONE;
        }
        return stage instanceof Head ? Input.REQUEST : Input.DISCARD;
    }

    /** Whether the client's input has ended. */
    public boolean inputEnded() {
        return fin != FinTiming.NONE;
    }

    /** Bytes of the response handed to the kernel when the client's input ended, or -1. */
    public long flushedAtFin() {
        return flushedAtFin;
    }

    /** True until a request byte arrived: a stop may close the connection at once. */
    public boolean idle() {
        return stage instanceof Head h && !h.sawBytes;
    }

    public long startNanos() {
        return startNanos;
    }

    /** Whether a TLS handshake is still to complete: no request can be read, no answer sent yet. */
    /**
     * The connection's first bytes must be a PROXY protocol header (behind a load balancer). Until
     * it has come ({@link Event.Proxied}) no request is read; a bad one, or none within the head
     * timeout, ends the connection without a response (a response would go to the proxy, not the
     * client). Call before the first event.
     */
    public void expectProxyHeader() {
        proxyPending = true;
    }

    /** Whether the PROXY header is still to come. */
    public boolean awaitingProxyHeader() {
        return proxyPending && stage instanceof Head;
    }

    public Transport transport() {
        return transport;
    }

    public boolean handshaking() {
        return transport == Transport.TLS && tlsProtocol == null && stage instanceof Head;
    }

    /** Delivers one event; returns what to do, in order (often nothing). */
    public List<Action> on(Event event) {
        if (stage == CLOSED) {
            return List.of();
        }
        if (event instanceof Event.Received e) {
            return received(e);
        }
        if (event instanceof Event.InputEnded e) {
            return inputEnded(e);
        }
        if (event instanceof Event.Sending e) {
            return sending(e);
        }
        if (event instanceof Event.Written e) {
            return written(e);
        }
        if (event instanceof Event.WriteFailed e) {
            return writeFailed(e);
        }
        if (event instanceof Event.Tick e) {
            return tick(e);
        }
        if (event instanceof Event.Stop e) {
            return stop(e);
        }
        if (event instanceof Event.Handshaken e) {
            tlsProtocol = e.protocol();
            return List.of();
        }
        if (event instanceof Event.TlsFailed e) {
            return tlsFailed(e);
        }
        if (event instanceof Event.Proxied e) {
            proxyPending = false;
            if (e.clientHost() != null) {
                record.proxiedFor(e.clientHost(), e.clientPort());
            }
            return List.of();
        }
        if (event instanceof Event.ProxyRefused e) {
            return finish(e.now(), List.of(Action.CLOSE), Outcome.BAD_REQUEST, e.reason(), Linger.NONE);
        }
        if (event instanceof Event.Plaintext) {
            if (handshaking()) {
                transport = Transport.TCP_ON_TLS_PORT;
            }
            return List.of();
        }
        return closed((Event.Closed) event);
    }

    private List<Action> received(Event.Received e) {
        if (stage instanceof Head head) {
            head.sawBytes = true;
            noteRequestLine(e.requestLine());
            return verdict(e.now(), e.verdict());
        }
        if (stage instanceof Lingering lingering) {
            lingering.discarded += e.bytes();
            if (lingering.discarded > limits.lingerBytes()) {
                return finish(e.now(), List.of(Action.CLOSE), ifWritten, Linger.BYTE_CAP);
            }
        }
        return List.of(); // bytes after the request are not ours to read: discarded
    }

    /** The head phase ends by a parse result, by EOF, or by the head timeout; the first one wins by order. */
    private List<Action> verdict(long now, ParseResult verdict) {
        if (verdict instanceof ParseResult.Complete complete) {
            if (transport == Transport.TCP_ON_TLS_PORT) {
                return respond(now, new Answer.Refuse(Status.BAD_REQUEST, complete.request().version(),
                        "plain HTTP request sent to the TLS port", Outcome.BAD_REQUEST));
            }
            return respond(now, new Answer.Serve(complete.request()));
        }
        if (verdict instanceof ParseResult.Failed failed) {
            return respond(now, new Answer.Refuse(failed.status(), Version.HTTP_1_0, failed.reason(), Outcome.BAD_REQUEST));
        }
        if (verdict instanceof ParseResult.Empty) {
            return finish(now, List.of(Action.CLOSE), Outcome.EMPTY, Linger.NONE);
        }
        return List.of();
    }

    private List<Action> respond(long now, Answer answer) {
        stage = new Responding(answer, now);
        return List.of(new Action.Respond(answer));
    }

    private List<Action> inputEnded(Event.InputEnded e) {
        if (fin != FinTiming.NONE) {
            return List.of();
        }
        flushed = e.flushed();
        flushedAtFin = e.flushed();
        inputEnd = e.end();
        boolean sessionClosed = e.end() == InputEnd.CLOSE_NOTIFY && tlsProtocol != null && !TLS_1_3.equals(tlsProtocol);
        if (stage instanceof Head) {
            fin = FinTiming.BEFORE_HEAD;
            noteRequestLine(e.requestLine());
            if (sessionClosed && !(e.verdict() instanceof ParseResult.Empty)) {
                return finish(e.now(), List.of(Action.CLOSE), Outcome.CLOSED, SESSION_CLOSED, Linger.NONE);
            }
            return verdict(e.now(), e.verdict());
        }
        if (stage instanceof Responding responding) {
            boolean timedOut = responding.answer instanceof Answer.Refuse r && r.outcome() == Outcome.TIMEOUT;
            fin = timedOut ? FinTiming.BEFORE_HEAD
                    : e.flushed() == 0 ? FinTiming.AFTER_REQUEST : FinTiming.DURING_RESPONSE;
            if (sessionClosed) {
                return finish(e.now(), List.of(Action.CLOSE), Outcome.CLOSED, SESSION_CLOSED, Linger.NONE);
            }
            return List.of(); // the response goes on: the client may still be reading
        }
        fin = FinTiming.AFTER_RESPONSE;
        return finish(e.now(), List.of(Action.CLOSE), ifWritten, Linger.CLIENT_EOF);
    }

    private static final String SESSION_CLOSED =
            "TLS 1.2 close_notify closes the session both ways (RFC 5246 7.2.1): pending writes discarded";

    private List<Action> tlsFailed(Event.TlsFailed e) {
        flushed = e.flushed();
        if (handshaking()) {
            return finish(e.now(), List.of(Action.CLOSE), Outcome.HANDSHAKE_FAILED, "TLS handshake failed: " + e.reason(), Linger.NONE);
        }
        if (stage instanceof Lingering) {
            return finish(e.now(), List.of(Action.CLOSE), ifWritten, Linger.CLIENT_EOF);
        }
        return finish(e.now(), List.of(Action.CLOSE), Outcome.RESET, "TLS session broken: " + e.reason(), Linger.NONE);
    }

    private List<Action> sending(Event.Sending e) {
        if (!(stage instanceof Responding responding) || responding.reply != null) {
            throw new IllegalStateException("Sending without a Respond to answer");
        }
        responding.reply = e.reply();
        responding.lastProgress = e.now();
        reply = e.reply();
        ifWritten = outcomeOf(responding.answer, e.reply().status());
        return List.of();
    }

    /**
     * How the exchange ends if every byte is written: a refusal has its own outcome; a served
     * request is complete, unless it turned out to be malformed (a bad escape in the target: 400)
     * or the server could not produce it (5xx).
     */
    private static Outcome outcomeOf(Answer answer, Status status) {
        if (answer instanceof Answer.Refuse refuse) {
            return refuse.outcome();
        }
        if (status == Status.BAD_REQUEST) {
            return Outcome.BAD_REQUEST;
        }
        return status.code() >= 500 ? Outcome.ERROR : Outcome.COMPLETE;
    }

    private List<Action> written(Event.Written e) {
        if (!(stage instanceof Responding)) {
            return List.of();
        }
        flushed = e.flushed();
        if (fin != FinTiming.NONE) {
            // The client's input had ended: nothing to linger for (and Jetty closes at our FIN).
            return finish(e.now(), List.of(Action.SHUT_OUTPUT, Action.CLOSE), ifWritten, Linger.CLIENT_EOF);
        }
        if (limits.linger().isZero()) {
            return finish(e.now(), List.of(Action.SHUT_OUTPUT, Action.CLOSE), ifWritten, Linger.TIMEOUT);
        }
        stage = new Lingering(e.now() + limits.linger().toNanos());
        return List.of(Action.SHUT_OUTPUT);
    }

    private List<Action> writeFailed(Event.WriteFailed e) {
        if (!(stage instanceof Responding)) {
            return List.of();
        }
        flushed = e.flushed();
        return e.failure() == Event.Failure.PEER_GONE
                ? finish(e.now(), List.of(Action.CLOSE), Outcome.RESET, "client closed or reset the connection", Linger.NONE)
                : finish(e.now(), List.of(Action.CLOSE), Outcome.ERROR, "response could not be sent", Linger.NONE);
    }

    private List<Action> tick(Event.Tick e) {
        long now = e.now();
        boolean cut = stopping && now - stopDeadline >= 0;
        if (stage instanceof Head head) {
            if (now - head.deadline >= 0 && awaitingProxyHeader()) {
                return finish(now, List.of(Action.CLOSE), Outcome.TIMEOUT, "PROXY header did not arrive in time", Linger.NONE);
            }
            if (now - head.deadline >= 0 && handshaking()) {
                return finish(now, List.of(Action.CLOSE), Outcome.TIMEOUT, "TLS handshake did not complete in time", Linger.NONE);
            }
            if (now - head.deadline >= 0) {
                return respond(now, new Answer.Refuse(Status.REQUEST_TIMEOUT, Version.HTTP_1_0,
                        "request head did not arrive in time", Outcome.TIMEOUT));
            }
            return cut ? finish(now, List.of(Action.CLOSE), Outcome.SHUTDOWN, "server stopped", Linger.NONE) : List.of();
        }
        if (stage instanceof Responding responding) {
            flushed = e.flushed();
            if (cut) {
                return finish(now, List.of(Action.ABORT), Outcome.SHUTDOWN, "server stopped", Linger.NONE);
            }
            if (responding.reply == null) {
                return List.of();
            }
            if (e.flushed() != responding.lastFlushed) {
                responding.lastFlushed = e.flushed();
                responding.lastProgress = now;
            } else if (now - responding.lastProgress >= limits.write().toNanos()) {
                // Progress, not activity: a client that keeps sending but never reads is stalled.
                return finish(now, List.of(Action.ABORT), Outcome.TIMEOUT, "client stopped reading", Linger.NONE);
            }
            return List.of();
        }
        Lingering lingering = (Lingering) stage;
        if (now - lingering.deadline >= 0) {
            return finish(now, List.of(Action.CLOSE), ifWritten, Linger.TIMEOUT);
        }
        // The response was delivered; only the wait for the client's EOF is cut short.
        return cut ? finish(now, List.of(Action.CLOSE), ifWritten, Linger.NONE) : List.of();
    }

    private List<Action> stop(Event.Stop e) {
        stopping = true;
        stopDeadline = e.deadline();
        if (idle()) {
            return finish(e.now(), List.of(Action.CLOSE), Outcome.SHUTDOWN, "server stopped", Linger.NONE);
        }
        return tick(new Event.Tick(e.now(), e.flushed()));
    }

    private List<Action> closed(Event.Closed e) {
        if (stage instanceof Lingering) {
            // Our output was shut, so the endpoint closes itself when it reads the client's EOF.
            fin = FinTiming.AFTER_RESPONSE;
            if (flushedAtFin < 0) {
                flushedAtFin = flushed;
            }
            if (inputEnd == null && transport != Transport.TLS) {
                inputEnd = InputEnd.EOF;
            }
            return finish(e.now(), List.of(), ifWritten, Linger.CLIENT_EOF);
        }
        flushed = e.flushed();
        return finish(e.now(), List.of(), Outcome.ERROR, "connection closed unexpectedly", Linger.NONE);
    }

    private List<Action> finish(long now, List<Action> closing, Outcome outcome, Linger linger) {
        return finish(now, closing, outcome, reply == null ? null : reply.reason(), linger);
    }

    /** The one way to CLOSED: the closing actions, then the connection's one record. */
    private List<Action> finish(long now, List<Action> closing, Outcome outcome, String reason, Linger linger) {
        stage = CLOSED;
        long head = reply == null ? 0 : Math.min(flushed, reply.headBytes());
        // A status is logged only if some of its response reached the kernel.
        record.requestLine(requestLine)
                .status(reply == null || flushed == 0 ? 0 : reply.status().code())
                .written(head, Math.max(0, flushed - (reply == null ? 0 : reply.headBytes())), reply == null ? -1 : reply.owed())
                .durationMillis(Math.max(0, (now - startNanos) / 1_000_000))
                .fin(fin)
                .outcome(outcome, reason)
                .linger(linger)
                .transport(transport, tlsProtocol, inputEnd);
        Action finished = new Action.Finished(record.build());
        if (closing.isEmpty()) {
            return List.of(finished);
        }
        return closing.size() == 1 ? List.of(closing.get(0), finished) : List.of(closing.get(0), closing.get(1), finished);
    }

    private void noteRequestLine(String line) {
        if (line != null) {
            requestLine = line;
        }
    }
}
