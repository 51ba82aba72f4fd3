package dev.halfway.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Locale;

/**
 * The one-line account of an exchange: status, head bytes, body bytes against Content-Length,
 * time to first byte, time from our FIN to the first byte, how the server ended the stream, and
 * the verdict. Rendered as text for people or JSON (Jackson) for tools.
 */
@JsonPropertyOrder({"verdict", "exit", "status", "simpleResponse", "headBytes", "bodyBytes", "contentLength",
        "bodySha256", "firstByteMs", "finToFirstByteMs", "end", "sentBytes", "durationMs", "error"})
@JsonInclude(JsonInclude.Include.ALWAYS)
public record Report(String verdict, int exit, Integer status, boolean simpleResponse, long headBytes, long bodyBytes,
                     Long contentLength, String bodySha256, Double firstByteMs, Double finToFirstByteMs, String end,
                     long sentBytes, double durationMs, String error) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static Report of(Exchange.Result r) {
        Verdict v = Verdict.of(r);
        ResponseMeter m = r.meter();
        String error = r.connectError() != null ? r.connectError() : r.sendError();
        return new Report(v.label(), v.exitCode(), m.status() < 0 ? null : m.status(), m.simpleResponse(),
                m.headBytes(), m.bodyBytes(), m.contentLength() < 0 ? null : m.contentLength(),
                m.totalBytes() == 0 ? null : m.bodySha256(),
                r.firstByteMillis() < 0 ? null : round(r.firstByteMillis()),
                Double.isNaN(r.finToFirstByteMillis()) ? null : round(r.finToFirstByteMillis()),
                r.end() == null ? null : r.end().name(), r.sentBytes(), round(r.durationMillis()), error);
    }

    private static double round(double millis) {
        return Math.round(millis * 10) / 10.0;
    }

    /** e.g. {@code complete status=200 head=171B body=3947/3947B first-byte=1.2ms fin->first-byte=0.9ms end=FIN}. */
    public String text() {
        StringBuilder b = new StringBuilder(verdict);
        b.append(" status=").append(status == null ? (simpleResponse ? "0.9" : "-") : status);
        b.append(" head=").append(headBytes).append('B');
        b.append(" body=").append(bodyBytes).append('/').append(contentLength == null ? "?" : contentLength).append('B');
        b.append(" first-byte=").append(ms(firstByteMs));
        b.append(" fin->first-byte=").append(ms(finToFirstByteMs));
        b.append(" end=").append(end == null ? "-" : end);
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
