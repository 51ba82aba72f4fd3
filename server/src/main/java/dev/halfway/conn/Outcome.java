package dev.halfway.conn;

/** How a connection ended. Exactly one per accepted connection, in its access-log line. */
public enum Outcome {
    /** Every byte of the response was handed to the kernel and our output was shut cleanly. */
    COMPLETE("complete"),
    /** A write failed: the client had fully closed (EPIPE) or reset (ECONNRESET) the connection. */
    RESET("reset"),
    /** The head did not arrive in time (408 was sent), or the client stopped reading. */
    TIMEOUT("timeout"),
    /** The request was refused as malformed or over a limit; the error response was sent in full. */
    BAD_REQUEST("bad-request"),
    /**
     * The TLS handshake failed or did not finish (no common protocol or cipher, plaintext that was
     * not HTTP, the input ended inside it): no request was read, nothing was owed.
     */
    HANDSHAKE_FAILED("handshake-failed"),
    /**
     * The client closed the session both ways before the response was written: a TLS 1.2
     * close_notify, which RFC 5246 §7.2.1 answers with our close_notify and the pending writes
     * discarded.
     */
    CLOSED("closed"),
    /** The server stopped before the exchange ended. */
    SHUTDOWN("shutdown"),
    /** The client's input ended before any request byte: nothing was owed, nothing was sent. */
    EMPTY("empty"),
    /** The server failed to produce the response (an I/O error on the file, a bug); see the reason. */
    ERROR("error");

    private final String label;

    Outcome(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
