package dev.halfway.conn;

/**
 * How the client's input ended, as far as the transport can tell. On plain TCP a read of -1 is all
 * there is: a half-close, a full close and a reset look the same. TLS tells more, because the
 * client can say it is done inside the session before its FIN.
 */
public enum InputEnd {
    /** Plain TCP: {@code read() == -1}. A FIN or a reset; no read can tell which. */
    EOF("eof"),
    /**
     * TLS: the client's close_notify. In TLS 1.3 it closes only the client's write side, and the
     * server may go on writing (RFC 8446 §6.1); in TLS 1.2 it closes the session both ways
     * (RFC 5246 §7.2.1), which the {@link Lifecycle} applies by the negotiated version.
     */
    CLOSE_NOTIFY("close_notify"),
    /**
     * TLS: the TCP input ended (FIN, or a reset) with no close_notify before it. The client's
     * data may have been cut by someone in the path: RFC 8446 §6.1 calls this a possible
     * truncation. The request, if complete, is still answered.
     */
    BARE_FIN("fin-without-close_notify");

    private final String label;

    InputEnd(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
