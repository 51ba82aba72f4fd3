package dev.halfway.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Locale;

/**
 * The one-line account of an exchange: status, head bytes, body bytes against Content-Length,
 * time to first byte, time from our FIN to the first byte, how the server ended the stream, and
 * the verdict; on TLS also the version and whether the server's close_notify came. Rendered as
 * text for people or JSON (Jackson) for tools.
 *
 * @param tls               the negotiated TLS version; null on plain TCP and when no handshake completed
 * @param serverCloseNotify whether the server's close_notify arrived (before its FIN, when {@code end}
 *                          is FIN); null where {@code tls} is, and when we ended the connection first
 *                          ({@code end} CLOSED: we never read to the server's end)
 */
@JsonPropertyOrder({"verdict", "exit", "status", "simpleResponse", "headBytes", "bodyBytes", "contentLength",
        "bodySha256", "firstByteMs", "finToFirstByteMs", "end", "sentBytes", "durationMs", "error",
        "tls", "tlsCipher", "alpn", "serverCloseNotify"})
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Report(String verdict, int exit, Integer status, boolean simpleResponse, long headBytes, long bodyBytes,
                     Long contentLength, String bodySha256, Double firstByteMs, Double finToFirstByteMs, String end,
                     long sentBytes, double durationMs, String error, String tls, String tlsCipher, String alpn,
                     Boolean serverCloseNotify) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static Report of(Exchange.Result r) {
        Verdict v = Verdict.of(r);
        ResponseMeter m = r.meter();
        TlsOutcome t = r.tls();
        boolean handshaken = t != null && t.handshakeDone();
        return new Report(v.label(), v.exitCode(), m.status() < 0 ? null : m.status(), m.simpleResponse(),
                m.headBytes(), m.bodyBytes(), m.contentLength() < 0 ? null : m.contentLength(),
                m.totalBytes() == 0 ? null : m.bodySha256(),
                r.firstByteMillis() < 0 ? null : round(r.firstByteMillis()),
                Double.isNaN(r.finToFirstByteMillis()) ? null : round(r.finToFirstByteMillis()),
                r.end() == null ? null : r.end().name(), r.sentBytes(), round(r.durationMillis()), error(r),
                handshaken ? t.protocol() : null, handshaken ? t.cipher() : null, handshaken ? t.alpn() : null,
                handshaken && r.end() != StreamEnd.CLOSED ? t.serverCloseNotify() : null);
    }

    /** Whatever went wrong, most telling first: the connect, the TLS handshake, the send, a TLS error; null if nothing. */
    private static String error(Exchange.Result r) {
        if (r.connectError() != null) {
            return r.connectError();
        }
        TlsOutcome t = r.tls();
        if (t != null && t.handshakeFailure() != null) {
            return "TLS handshake failed: " + t.handshakeFailure();
        }
        String tlsError = t == null || t.error() == null ? null : "TLS: " + t.error();
        if (r.sendError() != null) {
            return tlsError == null ? r.sendError() : r.sendError() + "; " + tlsError;
        }
        return tlsError;
    }

    private static double round(double millis) {
        return Math.round(millis * 10) / 10.0;
    }

    /**
     * e.g. {@code complete status=200 head=171B body=3947/3947B first-byte=1.2ms fin->first-byte=0.9ms end=FIN},
     * on TLS followed by {@code tls=TLSv1.3 close_notify=received} ({@code missing}: the server ended without
     * it; {@code -}: we ended the connection first).
     */
    public String text() {
        StringBuilder b = new StringBuilder(verdict);
        b.append(" status=").append(status == null ? (simpleResponse ? "0.9" : "-") : status);
        b.append(" head=").append(headBytes).append('B');
        b.append(" body=").append(bodyBytes).append('/').append(contentLength == null ? "?" : contentLength).append('B');
        b.append(" first-byte=").append(ms(firstByteMs));
        b.append(" fin->first-byte=").append(ms(finToFirstByteMs));
        b.append(" end=").append(end == null ? "-" : end);
        if (tls != null) {
            b.append(" tls=").append(tls).append(" close_notify=")
                    .append(serverCloseNotify == null ? "-" : serverCloseNotify ? "received" : "missing");
        }
        if (error != null) {
            b.append(" (").append(error).append(')');
        }
        return b.toString();
    }

    public String json() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String ms(Double v) {
        return v == null ? "-" : String.format(Locale.ROOT, "%.1fms", v);
    }
}
