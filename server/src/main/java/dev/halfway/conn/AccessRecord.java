package dev.halfway.conn;

import java.util.List;

/**
 * Everything the access log says about one connection. Built by name ({@link #builder()}): the
 * connection's {@link Lifecycle} makes exactly one per accepted connection.
 *
 * @param remoteHost  the client's address
 * @param remotePort  the client's port
 * @param startMillis when the connection was accepted (epoch milliseconds)
 * @param requestLine the request line as received, or null when none was read
 * @param status      the status sent, or 0 when no byte of a response reached the kernel (a 0.9
 *                    response has the status its body stands for)
 * @param bodyBytes   body bytes written
 * @param bodyOwed    body bytes the response promised (its Content-Length), or -1 when none
 * @param headBytes   bytes of response head written
 * @param durationMillis from accept to close
 * @param fin         when the client's end of input arrived
 * @param outcome     how the connection ended
 * @param linger      how the staged close ended
 * @param reason      a fixed text saying why, for refused requests and failures, or null
 * @param transport   plain TCP, TLS, or plaintext on the TLS port
 * @param tls         the negotiated TLS protocol ("TLSv1.3"), or null (plain, or no handshake completed)
 * @param inputEnd    how the client's input ended (close_notify or a bare FIN on TLS), or null when it did not
 * @param proxyHost   behind a PROXY protocol proxy: the proxy's own address (and remoteHost is the
 *                    client's, from the header); null when the connection came directly
 * @param proxyPort   the proxy's port, or 0
 * @param events      the connection's timeline when tracing, else null
 */
public record AccessRecord(
        String remoteHost,
        int remotePort,
        long startMillis,
        String requestLine,
        int status,
        long bodyBytes,
        long bodyOwed,
        long headBytes,
        long durationMillis,
        FinTiming fin,
        Outcome outcome,
        Linger linger,
        String reason,
        Transport transport,
        String tls,
        InputEnd inputEnd,
        String proxyHost,
        int proxyPort,
        List<TraceEvent> events) {

    public AccessRecord {
        if (fin == null || outcome == null || linger == null || transport == null) {
            throw new IllegalArgumentException("fin, outcome, linger and transport are required");
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The same record with the connection's timeline attached (--trace). */
    public AccessRecord withEvents(List<TraceEvent> timeline) {
        return new AccessRecord(remoteHost, remotePort, startMillis, requestLine, status, bodyBytes, bodyOwed,
                headBytes, durationMillis, fin, outcome, linger, reason, transport, tls, inputEnd, proxyHost, proxyPort,
                timeline == null ? null : List.copyOf(timeline));
    }

    /** Named construction; unset fields are "nothing happened": no request, no response, no FIN. */
    public static final class Builder {
        private String remoteHost = "-";
        private int remotePort;
        private long startMillis;
        private String requestLine;
        private int status;
        private long bodyBytes;
        private long bodyOwed = -1;
        private long headBytes;
        private long durationMillis;
        private FinTiming fin = FinTiming.NONE;
        private Outcome outcome;
        private Linger linger = Linger.NONE;
        private String reason;
        private Transport transport = Transport.TCP;
        private String tls;
        private InputEnd inputEnd;
        private String proxyHost;
        private int proxyPort;

        private Builder() {}

        public Builder remote(String host, int port) {
            this.remoteHost = host;
            this.remotePort = port;
            return this;
        }

        public Builder startMillis(long epochMillis) {
            this.startMillis = epochMillis;
            return this;
        }

        public Builder requestLine(String line) {
            this.requestLine = line;
            return this;
        }

        public Builder status(int code) {
            this.status = code;
            return this;
        }

        /** What was written: head and body bytes, and the body the response promised (-1: none). */
        public Builder written(long head, long body, long owed) {
            this.headBytes = head;
            this.bodyBytes = body;
            this.bodyOwed = owed;
            return this;
        }

        public Builder durationMillis(long millis) {
            this.durationMillis = millis;
            return this;
        }

        public Builder fin(FinTiming timing) {
            this.fin = timing;
            return this;
        }

        public Builder outcome(Outcome ended, String why) {
            this.outcome = ended;
            this.reason = why;
            return this;
        }

        public Builder linger(Linger ended) {
            this.linger = ended;
            return this;
        }

        /**
         * The connection came through a PROXY protocol proxy: the client is {@code host:port} (from
         * the header), and the address set so far (the peer's) becomes the proxy's.
         */
        public Builder proxiedFor(String host, int port) {
            this.proxyHost = remoteHost;
            this.proxyPort = remotePort;
            this.remoteHost = host;
            this.remotePort = port;
            return this;
        }

        /** The transport, the negotiated TLS protocol (or null) and how the input ended (or null). */
        public Builder transport(Transport on, String tlsProtocol, InputEnd end) {
            this.transport = on;
            this.tls = tlsProtocol;
            this.inputEnd = end;
            return this;
        }

        public AccessRecord build() {
            return new AccessRecord(remoteHost, remotePort, startMillis, requestLine, status, bodyBytes, bodyOwed,
                    headBytes, durationMillis, fin, outcome, linger, reason, transport, tls, inputEnd, proxyHost, proxyPort, null);
        }
    }
}
