package dev.halfway.log;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A connection's timeline, for {@code --trace}: each event is printed at once as one compact
 * line prefixed with the connection id (so interleaved connections stay readable), and kept for
 * the connection's JSON log line. Consecutive reads are coalesced into one event. A connection
 * without tracing holds no Trace at all, so tracing off allocates nothing per event.
 * Not thread-safe by itself: the connection calls it under its own lock.
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
    public Trace(long startNanos, PrintStream out) {
        this.startNanos = startNanos;
        this.out = out;
    }

    public long id() {
        return id;
    }

    public void event(String event, String detail) {
        flushBytes();
        add(System.nanoTime(), event, detail);
    }

    /** {@code n} more bytes of the same kind ("read", "discarded"); merged until another event. */
    public void bytes(String event, long n) {
        if (pendingEvent != null && !pendingEvent.equals(event)) {
            flushBytes();
        }
        if (pendingEvent == null) {
            pendingEvent = event;
            pendingNanos = System.nanoTime();
        }
        pendingBytes += n;
    }

    /** Records the bytes counted so far as one event now (the reads have paused). */
    public void settle() {
        flushBytes();
    }

    /** The events so far, the pending byte count included. */
    public List<TraceEvent> events() {
        flushBytes();
        return List.copyOf(events);
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
