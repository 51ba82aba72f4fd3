package dev.halfway.client;

/**
 * What an exchange amounted to, with the exit status {@code send} returns for it. One place
 * decides it, so the report, the exit status and the regression runner always agree.
 */
public enum Verdict {
    /**
     * A whole response (as long as its Content-Length said), ended by the server's FIN. On TLS
     * too when no close_notify came before the FIN: the bytes say the response is whole, and the
     * report's close_notify field says the rest.
     */
    COMPLETE("complete", 0),
    /** We closed or reset on purpose ({@code --close}, {@code --reset}) or stopped reading after N bytes. */
    CLOSED_BY_US("closed-by-us", 0),
    /** Not a single response byte before the stream ended. */
    NO_RESPONSE("no-response", 3),
    /** Fewer body bytes than the Content-Length, or a head that never ended. */
    TRUNCATED("truncated", 4),
    /** The connection was reset after some bytes: the tail of the response may be lost. */
    RESET("reset", 5),
    /** Nothing ended the stream within the timeout. */
    TIMEOUT("timeout", 6),
    /** The connection could not be made. */
    CONNECT_FAILED("connect-failed", 7),
    /** The TLS handshake failed: an untrusted certificate, a plaintext server, an alert. */
    TLS_FAILED("tls-failed", 8);

    /** The exit status for a command-line error. */
    public static final int USAGE = 2;

    private final String label;
    private final int exitCode;

    Verdict(String label, int exitCode) {
        this.label = label;
        this.exitCode = exitCode;
    }

    public String label() {
        return label;
    }

    public int exitCode() {
        return exitCode;
    }

    public static Verdict of(Exchange.Result r) {
        if (r.connectError() != null) {
            return CONNECT_FAILED;
        }
        if (r.tls() != null && r.tls().handshakeFailure() != null) {
            return TLS_FAILED;
        }
        if (r.end() == StreamEnd.CLOSED) {
            return CLOSED_BY_US;
        }
        if (r.end() == StreamEnd.TIMEOUT) {
            return TIMEOUT;
        }
        ResponseMeter m = r.meter();
        if (m.totalBytes() == 0) {
            return NO_RESPONSE;
        }
        if (r.end() == StreamEnd.RST) {
            return RESET;
        }
        if (!m.headComplete()) {
            return TRUNCATED;
        }
        boolean bodyless = r.headRequest() || m.status() == 304 || m.status() == 204 || (m.status() >= 100 && m.status() < 200);
        if (!bodyless && m.contentLength() >= 0 && m.bodyBytes() < m.contentLength()) {
            return TRUNCATED;
        }
        return COMPLETE;
    }
}
