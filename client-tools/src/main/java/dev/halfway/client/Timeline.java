package dev.halfway.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * What the client saw of one connection, in order: a handful of {@link Event}s with nanosecond
 * offsets from the moment connect() began. Consecutive writes are one {@link Kind#SENT} event and
 * consecutive reads one {@link Kind#RECEIVED} event (with a total), until something else happens,
 * so a timeline stays a few records long however many bytes moved.
 */
public final class Timeline {

    /** What happened. */
    public enum Kind {
        /** connect() began; detail: the peer as host:port. Always at 0. */
        CONNECT,
        /** connect() returned: the handshake completed; detail: the peer's address when it differs from the host asked for, else null. */
        CONNECTED,
        /** connect() failed; detail: why. */
        CONNECT_FAILED,
        /**
         * The TLS handshake completed; detail: {@code "PROTOCOL, CIPHER, ALPN NAME"} (or
         * {@code "..., no ALPN"}), e.g. {@code "TLSv1.3, TLS_AES_128_GCM_SHA256, ALPN http/1.1"}.
         */
        TLS_HANDSHAKE,
        /** The TLS handshake failed (an untrusted certificate, a plaintext server, an alert); detail: why. */
        TLS_FAILED,
        /** Request bytes were written (coalesced). */
        SENT,
        /** A write failed (the server closed or reset first); detail: why. */
        SEND_FAILED,
        /** We sent our TLS close_notify alert; detail: null, or "reply" when it answered the server's (TLS 1.2). */
        OUR_CLOSE_NOTIFY,
        /**
         * We sent our FIN; detail: how ("shutdown SHUT_WR", "close"), on TLS followed by
         * ", no close_notify" when no close_notify went before it ({@code --tcp-fin-only}).
         */
        OUR_FIN,
        /** We reset the connection (SO_LINGER 0 and close); detail: how. */
        OUR_RST,
        /** The first response byte arrived. */
        FIRST_BYTE,
        /** Response bytes arrived (coalesced). */
        RECEIVED,
        /** The server's TLS close_notify alert arrived: its application data ends here (RFC 8446 §6.1). */
        CLOSE_NOTIFY,
        /**
         * read() returned -1: the server's FIN. On TLS, detail says whether its close_notify came
         * first: "after close_notify" (perhaps with the bytes ignored after it), or "no close_notify".
         */
        SERVER_FIN,
        /** The connection was reset: an RST arrived; detail: the error, e.g. "Connection reset". */
        RST,
        /** We gave up waiting: nothing ended the stream in time. */
        TIMEOUT,
        /** A TLS error after the handshake: a fatal alert from the server, or a record we could not read; detail: why. */
        TLS_ERROR
    }

    /**
     * One event.
     *
     * @param nanos      when it happened, from the start of connect(); for a coalesced run of
     *                   writes or reads, when its last piece moved
     * @param kind       what happened
     * @param bytes      for {@link Kind#SENT} and {@link Kind#RECEIVED}: how many bytes in all; else 0
     * @param detail     see {@link Kind}; may be null
     * @param pieces     for {@link Kind#SENT} and {@link Kind#RECEIVED}: how many writes or reads were coalesced; else 1
     * @param sinceNanos for a coalesced run, when its first piece moved; else equal to {@code nanos}
     */
    public record Event(long nanos, Kind kind, long bytes, String detail, int pieces, long sinceNanos) {
        public double millis() {
            return nanos / 1e6;
        }

        public double sinceMillis() {
            return sinceNanos / 1e6;
        }

        /** The event in words, without its time, e.g. {@code received 4218 B in 3 reads from 1.2 ms}. */
        public String describe() {
            return switch (kind) {
                case CONNECT -> "connect " + detail;
                case CONNECTED -> detail == null ? "connected" : "connected to " + detail;
                case CONNECT_FAILED -> "connect failed: " + detail;
                case TLS_HANDSHAKE -> "TLS handshake done: " + detail;
                case TLS_FAILED -> "TLS handshake failed: " + detail;
                case SENT -> "sent " + bytes + " B" + runSuffix("write");
                case SEND_FAILED -> "send failed: " + detail;
                case OUR_CLOSE_NOTIFY -> detail == null ? "our close_notify" : "our close_notify (" + detail + ")";
                case OUR_FIN -> "our FIN (" + detail + ")";
                case OUR_RST -> "our RST (" + detail + ")";
                case FIRST_BYTE -> "first response byte";
                case RECEIVED -> "received " + bytes + " B" + runSuffix("read");
                case CLOSE_NOTIFY -> "server close_notify";
                case SERVER_FIN -> detail == null ? "server FIN" : "server FIN (" + detail + ")";
                case RST -> detail == null ? "RST" : "RST (" + detail + ")";
                case TIMEOUT -> detail == null ? "timeout" : "timeout (" + detail + ")";
                case TLS_ERROR -> "TLS error: " + detail;
            };
        }

        private String runSuffix(String what) {
            return pieces <= 1 ? "" : String.format(Locale.ROOT, " in %d %ss from %.1f ms", pieces, what, sinceMillis());
        }
    }

    /** The timeline of an exchange that recorded nothing. */
    public static final Timeline EMPTY = new Timeline(List.of());

    private final List<Event> events;

    private Timeline(List<Event> events) {
        this.events = events;
    }

    /** A timeline of exactly these events (for tools and tests that build one). */
    public static Timeline of(List<Event> events) {
        return new Timeline(List.copyOf(events));
    }

    public List<Event> events() {
        return events;
    }

    public boolean isEmpty() {
        return events.isEmpty();
    }

    /** The kinds of the events, in order. */
    public List<Kind> kinds() {
        List<Kind> kinds = new ArrayList<>(events.size());
        for (Event e : events) {
            kinds.add(e.kind());
        }
        return kinds;
    }

    /** The first event of this kind, or null. */
    public Event first(Kind kind) {
        for (Event e : events) {
            if (e.kind() == kind) {
                return e;
            }
        }
        return null;
    }

    /** One line per event, e.g. {@code "    1.2 ms  first response byte"}, each ending in a newline. */
    public String trace() {
        StringBuilder b = new StringBuilder();
        for (Event e : events) {
            b.append(line(e)).append('\n');
        }
        return b.toString();
    }

    /** The trace line of one event: the offset in milliseconds, one decimal, then the event in words. */
    public static String line(Event e) {
        return String.format(Locale.ROOT, "%7.1f ms  %s", e.millis(), e.describe());
    }

    @Override
    public String toString() {
        return trace();
    }

    /** A recorder reading {@code clock} (nanoseconds, any origin); offsets count from {@link Recorder#connect}. */
    static Recorder recorder(LongSupplier clock) {
        return new Recorder(clock);
    }

    /**
     * Collects events as they happen; safe to call from the reading thread and a timer thread.
     * A run of writes or reads is kept in a few fields and becomes one event only when something
     * else happens, so recording a read allocates nothing.
     */
    static final class Recorder {
        private final LongSupplier clock;
        private final List<Event> events = new ArrayList<>(10);
        private long origin;
        private boolean started;
        private Kind runKind;
        private long runBytes;
        private int runPieces;
        private long runSince;
        private long runUntil;
        private long connectedAt = -1;
        private long firstByteAt = -1;
        private boolean ended;

        private Recorder(LongSupplier clock) {
            this.clock = clock;
        }

        /** connect() is about to begin: the origin of all offsets, read last so that nothing here counts. */
        synchronized long connect(String peer) {
            flush();
            events.add(new Event(0, Kind.CONNECT, 0, peer, 1, 0));
            started = true;
            origin = clock.getAsLong();
            return 0;
        }

        /** Whether {@link #connect} was recorded. */
        synchronized boolean started() {
            return started;
        }

        /** The clock's reading at {@link #connect}: offsets plus this are clock readings. */
        synchronized long origin() {
            return origin;
        }

        synchronized long connected(String address) {
            connectedAt = point(Kind.CONNECTED, address);
            return connectedAt;
        }

        synchronized long connectFailed(String why) {
            ended = true;
            return point(Kind.CONNECT_FAILED, why);
        }

        synchronized long tlsHandshake(String negotiated) {
            return point(Kind.TLS_HANDSHAKE, negotiated);
        }

        /** The handshake failed: like a failed connect, this ends the exchange. */
        synchronized long tlsFailed(String why) {
            ended = true;
            return point(Kind.TLS_FAILED, why);
        }

        synchronized long tlsError(String why) {
            return point(Kind.TLS_ERROR, why);
        }

        synchronized long ourCloseNotify(String how) {
            return point(Kind.OUR_CLOSE_NOTIFY, how);
        }

        synchronized long closeNotify() {
            return point(Kind.CLOSE_NOTIFY, null);
        }

        synchronized long sent(long bytes) {
            return run(Kind.SENT, bytes);
        }

        synchronized long sendFailed(String why) {
            return point(Kind.SEND_FAILED, why);
        }

        synchronized long ourFin(String how) {
            return point(Kind.OUR_FIN, how);
        }

        synchronized long ourReset(String how) {
            return point(Kind.OUR_RST, how);
        }

        /** Response bytes from one read; the first ever also records {@link Kind#FIRST_BYTE}. */
        synchronized long received(long bytes) {
            if (firstByteAt < 0) {
                firstByteAt = point(Kind.FIRST_BYTE, null);
                return run(Kind.RECEIVED, bytes, firstByteAt);
            }
            return run(Kind.RECEIVED, bytes);
        }

        synchronized void serverFin() {
            end(Kind.SERVER_FIN, null);
        }

        /** The server's FIN, with what TLS says of it (see {@link Kind#SERVER_FIN}); null on plain TCP. */
        synchronized void serverFin(String detail) {
            end(Kind.SERVER_FIN, detail);
        }

        synchronized void rst(String why) {
            end(Kind.RST, why);
        }

        synchronized void timeout(String why) {
            end(Kind.TIMEOUT, why);
        }

        /** Whether the stream's end (FIN, RST, timeout) or a failed connect was recorded. */
        synchronized boolean ended() {
            return ended;
        }

        /** Offsets from the start of connect, or -1 where it did not happen. */
        synchronized long connectedAt() {
            return connectedAt;
        }

        synchronized long firstByteAt() {
            return firstByteAt;
        }

        /** The timeline so far (an open run included); the recorder may go on recording. */
        synchronized Timeline done() {
            flush();
            return new Timeline(Collections.unmodifiableList(new ArrayList<>(events)));
        }

        private void end(Kind kind, String detail) {
            if (!ended) {
                ended = true;
                point(kind, detail);
            }
        }

        private long point(Kind kind, String detail) {
            flush();
            long t = now();
            events.add(new Event(t, kind, 0, detail, 1, t));
            return t;
        }

        private long run(Kind kind, long bytes) {
            return run(kind, bytes, now());
        }

        private long now() {
            return clock.getAsLong() - origin;
        }

        private long run(Kind kind, long bytes, long t) {
            if (runKind != kind) {
                flush();
                runKind = kind;
                runSince = t;
            }
            runUntil = t;
            runBytes += bytes;
            runPieces++;
            return t;
        }

        private void flush() {
            if (runKind != null) {
                events.add(new Event(runUntil, runKind, runBytes, null, runPieces, runSince));
                runKind = null;
                runBytes = 0;
                runPieces = 0;
            }
        }
    }
}
