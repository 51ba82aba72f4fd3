package dev.halfway.conn;

import dev.halfway.http.ParseResult;

/**
 * What happens to a connection, as its {@link Lifecycle} hears it. Every event carries {@code now}
 * (a monotonic clock in nanoseconds, read by the caller: the machine never reads a clock), and the
 * events that can follow a write carry {@code flushed}, the bytes of the response handed to the
 * kernel so far.
 */
public sealed interface Event {

    long now();

    /**
     * {@code bytes} new bytes arrived. While the machine asks for the request
     * ({@link Lifecycle.Input#REQUEST}), {@code verdict} is the parser's after these bytes and
     * {@code requestLine} the request line it has read (or null); otherwise both are null and
     * the bytes were discarded.
     */
    record Received(long now, int bytes, ParseResult verdict, String requestLine) implements Event {}

    /**
     * The client's input ended ({@code read() == -1}: on TCP a half-close, a full close or a reset,
     * which no read can tell apart; on TLS {@code end} says whether close_notify came first). While
     * the request was still wanted, {@code verdict} is the parser's {@code endOfInput()}; otherwise
     * null.
     */
    record InputEnded(long now, long flushed, ParseResult verdict, String requestLine, InputEnd end) implements Event {
        /** The end of plain TCP input. */
        public InputEnded(long now, long flushed, ParseResult verdict, String requestLine) {
            this(now, flushed, verdict, requestLine, InputEnd.EOF);
        }
    }

    /**
     * On the TLS port, the client's first bytes were not a TLS record: it speaks plaintext (most
     * likely HTTP to an {@code https://} server). What it sends from here is read as plain HTTP.
     */
    record Plaintext(long now) implements Event {}

    /**
     * The PROXY protocol header was read (HAProxy's proxy-protocol.txt): {@code clientHost} and
     * {@code clientPort} are the client's, as the proxy saw it; a null host means the header
     * carried no usable address (v2 LOCAL, v1 UNKNOWN), so the connection's own peer stands.
     */
    record Proxied(long now, String clientHost, int clientPort) implements Event {}

    /**
     * The connection cannot be served as proxied: no valid PROXY header (bad, truncated, too
     * long), or the peer may not send one ({@code --proxy-from}). {@code reason} is a fixed text.
     */
    record ProxyRefused(long now, String reason) implements Event {}

    /** The TLS handshake completed: {@code protocol} as the JDK names it ("TLSv1.3"), and the cipher suite. */
    record Handshaken(long now, String protocol, String cipherSuite) implements Event {}

    /**
     * TLS failed: the handshake could not complete (no common protocol or cipher, a bad message, the
     * input ended inside it), or the session broke later (a bad record). Jetty has closed the
     * endpoint already. {@code reason} is the TLS stack's own description.
     */
    record TlsFailed(long now, long flushed, String reason) implements Event {}

    /** The response chosen for a {@link Action.Respond} is about to be written. */
    record Sending(long now, Reply reply) implements Event {}

    /** Every byte of the response was handed to the kernel. */
    record Written(long now, long flushed) implements Event {}

    /** A write failed; {@code failure} says whose fault, decided by exception type, never by message text. */
    record WriteFailed(long now, long flushed, Failure failure) implements Event {}

    /** Time passed: deadlines (head, write progress, linger, stop) are checked against {@code now}. */
    record Tick(long now, long flushed) implements Event {}

    /** The server is stopping: finish what is in flight by {@code deadline}, then cut it. */
    record Stop(long now, long flushed, long deadline) implements Event {}

    /** The endpoint closed without being asked to (Jetty closes it when both directions are shut). */
    record Closed(long now, long flushed) implements Event {}

    /** Why a write failed. */
    enum Failure {
        /** The peer had fully closed or reset the connection (EPIPE, ECONNRESET): the client is gone. */
        PEER_GONE,
        /** Our side failed: the file could not be read, or another local I/O error. */
        LOCAL_ERROR
    }
}
