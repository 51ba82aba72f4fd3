package dev.halfway.log;

import dev.halfway.conn.Action;
import dev.halfway.conn.Answer;
import dev.halfway.conn.Event;
import dev.halfway.conn.Lifecycle;
import dev.halfway.conn.TraceEvent;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A connection's timeline for {@code --trace}: an observer of its {@link Lifecycle}, told each
 * event with the actions it led to. Each moment is printed at once as one compact line prefixed
 * with the connection id (so interleaved connections stay readable), and kept for the connection's
 * JSON log line. Consecutive reads of one kind are coalesced into one line, printed when another
 * moment comes. A connection without tracing has no Trace at all. Not thread-safe: one connection,
 * one thread.
 */
public final class Trace {
    private static final AtomicLong IDS = new AtomicLong();

    private final long id = IDS.incrementAndGet();
    private final long startNanos;
    private final PrintStream out;
    private final List<TraceEvent> events = new ArrayList<>();
    private String pendingEvent;
    private long pendingBytes;
    private long pendingNanos;

    /** @param out where lines go as they happen (stderr), or null to keep them for the log only */
    public Trace(long startNanos, PrintStream out, String peer) {
        this.startNanos = startNanos;
        this.out = out;
        add(startNanos, "accepted", peer);
    }

    public long id() {
        return id;
    }

    /** What {@code event} did to the connection: {@code before} is its phase when the event came. */
    public void observe(Event event, Lifecycle.Phase before, Lifecycle life, List<Action> actions) {
        long now = event.now();
        if (event instanceof Event.Received r) {
            bytes(now, before == Lifecycle.Phase.HEAD ? "read" : "read and discarded", r.bytes());
        } else if (event instanceof Event.InputEnded e) {
            String end = switch (e.end()) {
                case EOF -> "client FIN";
                case CLOSE_NOTIFY -> "client close_notify";
                case BARE_FIN -> "client FIN without close_notify";
            };
            boolean lingering = before == Lifecycle.Phase.LINGERING;
            moment(now, lingering && e.end() == dev.halfway.conn.InputEnd.EOF ? "client EOF during linger" : lingering ? end + " during linger" : end,
                    e.end() == dev.halfway.conn.InputEnd.BARE_FIN ? "possible truncation (RFC 8446 6.1)" : null);
        } else if (event instanceof Event.Handshaken h) {
            moment(now, "TLS handshake done", h.protocol() + " " + h.cipherSuite());
        } else if (event instanceof Event.TlsFailed f) {
            moment(now, "TLS failed", f.reason());
        } else if (event instanceof Event.Proxied p) {
            moment(now, "PROXY header", p.clientHost() == null ? "no client address (LOCAL/UNKNOWN)" : p.clientHost() + ":" + p.clientPort());
        } else if (event instanceof Event.ProxyRefused p) {
            moment(now, "PROXY refused", p.reason());
        } else if (event instanceof Event.Plaintext) {
            moment(now, "plaintext on the TLS port", null);
        } else if (event instanceof Event.Closed && before == Lifecycle.Phase.LINGERING) {
            moment(now, "client EOF during linger", null);
        } else if (event instanceof Event.Sending s) {
            moment(now, "response started", s.reply().status().code() + " " + s.reply().status().reasonPhrase()
                    + ", " + s.reply().headBytes() + " B head + " + s.reply().owed() + " B owed");
        } else if (event instanceof Event.Written w) {
            moment(now, "response written", w.flushed() + " B");
            if (life.flushedAtFin() >= 0) {
                moment(now, "written after client FIN", (w.flushed() - life.flushedAtFin()) + " B");
            }
        } else if (event instanceof Event.WriteFailed f) {
            moment(now, "write failed", (f.failure() == Event.Failure.PEER_GONE ? "the client had closed or reset" : "error")
                    + ", " + f.flushed() + " B written");
        } else if (event instanceof Event.Tick) {
            flushBytes(); // the reads have paused: show them now, not at the next moment
        }
        for (int i = 0; i < actions.size(); i++) {
            action(event, before, life, actions.get(i), i + 1 < actions.size() ? actions.get(i + 1) : null);
        }
    }

    private void action(Event event, Lifecycle.Phase before, Lifecycle life, Action action, Action next) {
        long now = event.now();
        if (action instanceof Action.Respond r) {
            if (r.answer() instanceof Answer.Serve s) {
                moment(now, "request complete", s.request().line().text());
            } else if (r.answer() instanceof Answer.Refuse refuse) {
                moment(now, "request refused", refuse.status().code() + " (" + refuse.reason() + ")");
            }
        } else if (action instanceof Action.ShutOutput) {
            moment(now, life.transport() == dev.halfway.conn.Transport.TLS ? "our close_notify and FIN" : "our FIN", !(next instanceof Action.Close) ? "lingering for the client's EOF"
                    : life.inputEnded() ? "the client's input had ended: close" : "--linger 0: close");
        } else if (action instanceof Action.Close && before == Lifecycle.Phase.LINGERING) {
            if (event instanceof Event.Tick) {
                moment(now, "linger timeout", null);
            } else if (event instanceof Event.Received) {
                moment(now, "linger byte cap", null);
            }
        } else if (action instanceof Action.Abort) {
            moment(now, "cut with RST", null);
        } else if (action instanceof Action.Finished f) {
            moment(now, "closed", "outcome=" + f.record().outcome().label() + " fin=" + f.record().fin().label()
                    + " linger=" + f.record().linger().label());
        }
    }

    /** The moments so far, for the connection's log line. */
    public List<TraceEvent> events() {
        flushBytes();
        return List.copyOf(events);
    }

    private void moment(long nanos, String event, String detail) {
        flushBytes();
        add(nanos, event, detail);
    }

    /** {@code n} more bytes of the same kind ("read", "read and discarded"); merged until another moment. */
    private void bytes(long nanos, String event, long n) {
        if (pendingEvent != null && !pendingEvent.equals(event)) {
            flushBytes();
        }
        if (pendingEvent == null) {
            pendingEvent = event;
            pendingNanos = nanos;
        }
        pendingBytes += n;
    }

    private void flushBytes() {
        if (pendingEvent != null) {
            String e = pendingEvent;
            pendingEvent = null;
            add(pendingNanos, e, pendingBytes + " B");
            pendingBytes = 0;
        }
    }

    private void add(long nanos, String event, String detail) {
        TraceEvent e = new TraceEvent(Math.round((nanos - startNanos) / 1e5) / 10.0, event, detail);
        events.add(e);
        if (out != null) {
            out.println(String.format(Locale.ROOT, "#%d %8.1f ms  %s%s", id, e.ms(), event,
                    detail == null || detail.isEmpty() ? "" : "  " + detail));
        }
    }
}
