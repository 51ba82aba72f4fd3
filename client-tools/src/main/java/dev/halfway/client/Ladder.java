package dev.halfway.client;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Draws a {@link Timeline} as the sequence diagram from the TCP textbooks: a client column and a
 * server column, time running downwards, one arrow per event the client observed, milliseconds
 * in the left margin. A pure function of its arguments: deterministic, ASCII only, and never
 * wider than {@link #WIDTH} columns.
 *
 * <pre>
 *           client                                          server
 *     0.0 ms  |-------- SYN (connect 127.0.0.1:8080) -------->|
 *     0.1 ms  |<------------------ SYN+ACK -------------------|
 *     0.1 ms  |--------------------- ACK -------------------->|
 *     0.2 ms  |------------ GET / HTTP/1.0 (18 B) ----------->|
 *     0.3 ms  |--------------------- FIN -------------------->|
 *     1.2 ms  |<-------------- HTTP/1.0 200 OK ---------------|
 *     1.9 ms  |<------------------ 4218 B --------------------|
 *     1.9 ms  |<-------------------- FIN ---------------------|
 * </pre>
 *
 * <p>A server's RST is drawn {@code <--X}, ours {@code X-->}; what only the client saw (a timeout,
 * a failed send) is a note in parentheses between the lifelines.
 *
 * <p>Over TLS the TLS handshake is one two-headed arrow when it completes (the version and the
 * ALPN protocol), with the cipher suite as a note under it; each close_notify is an arrow of its
 * own, and a FIN that came without one says so:
 *
 * <pre>
 *     0.1 ms  |--------------------- ACK -------------------->|
 *     9.8 ms  |<----- TLSv1.3 handshake, ALPN http/1.1 ------>|
 *     9.8 ms  |           (TLS_AES_256_GCM_SHA384)            |
 *    10.0 ms  |------------ GET / HTTP/1.0 (74 B) ----------->|
 *    10.1 ms  |---------------- close_notify ---------------->|
 *    10.1 ms  |--------------------- FIN -------------------->|
 *    11.5 ms  |<-------------- HTTP/1.0 200 OK ---------------|
 *    11.5 ms  |<------------------ 4218 B --------------------|
 *    11.6 ms  |<--------------- close_notify -----------------|
 *    11.6 ms  |<-------------------- FIN ---------------------|
 * </pre>
 */
public final class Ladder {
    /** The widest line, in columns. */
    public static final int WIDTH = 64;

    /** Columns between the two lifelines. */
    private static final int INNER = 47;
    /** The margin: "%7.1f ms" and two spaces; the client's lifeline comes right after. */
    private static final int MARGIN = 12;
    private static final int MIN_DASHES = 2;

    private Ladder() {}

    /**
     * The diagram of one exchange.
     *
     * @param timeline    what the client observed
     * @param requestLine the request's first line, to label the request arrow (null: bytes only)
     * @param statusLine  the response's status line (null: none came, or an HTTP/0.9 response
     *                    with no status line, when response bytes did arrive)
     * @return lines ending in newlines
     */
    public static String render(Timeline timeline, String requestLine, String statusLine) {
        StringBuilder b = new StringBuilder();
        b.append(header());
        boolean requestLabelled = false;
        for (Timeline.Event e : timeline.events()) {
            double ms = e.millis();
            switch (e.kind()) {
                case CONNECT -> row(b, ms, right("SYN (connect " + e.detail() + ")", false));
                case CONNECTED -> {
                    row(b, ms, left(e.detail() == null ? "SYN+ACK" : "SYN+ACK from " + e.detail(), false));
                    row(b, ms, right("ACK", false));
                }
                case TLS_HANDSHAKE -> {
                    // detail: "PROTOCOL, CIPHER, ALPN NAME" (see Timeline.Kind.TLS_HANDSHAKE)
                    String[] parts = e.detail() == null ? new String[0] : e.detail().split(", ", 3);
                    String label = (parts.length > 0 ? parts[0] + " handshake" : "TLS handshake")
                            + (parts.length > 2 ? ", " + parts[2] : "");
                    row(b, ms, arrow("<", label, ">"));
                    if (parts.length > 1) {
                        row(b, ms, note(parts[1]));
                    }
                }
                case TLS_FAILED -> {
                    row(b, ms, note("TLS handshake failed"));
                    row(b, ms, note(reason(e.detail())));
                }
                case TLS_ERROR -> {
                    String alert = "Received fatal alert: ";
                    if (e.detail() != null && e.detail().startsWith(alert)) {
                        row(b, ms, left("fatal alert: " + e.detail().substring(alert.length()), false));
                    } else {
                        row(b, ms, note("TLS error: " + e.detail()));
                    }
                }
                case OUR_CLOSE_NOTIFY -> row(b, ms, right(e.detail() == null ? "close_notify" : "close_notify (" + e.detail() + ")", false));
                case CLOSE_NOTIFY -> row(b, ms, left("close_notify", false));
                case CONNECT_FAILED -> {
                    String why = e.detail() == null ? "" : e.detail();
                    if (why.toLowerCase(Locale.ROOT).contains("refused")) {
                        row(b, ms, left("RST (connection refused)", true));
                    } else {
                        row(b, ms, note("connect failed: " + why));
                    }
                }
                case SENT -> {
                    String bytes = e.bytes() + " B";
                    if (!requestLabelled && requestLine != null && !requestLine.isEmpty()) {
                        String suffix = " (" + bytes + ")";
                        row(b, ms, right(fit(ascii(requestLine), labelRoom(false) - suffix.length()) + suffix, false));
                    } else {
                        row(b, ms, right(bytes, false));
                    }
                    requestLabelled = true;
                }
                case SEND_FAILED -> row(b, ms, note("send failed: " + e.detail()));
                case OUR_FIN -> row(b, ms, right(ourFin(e.detail()), false));
                case OUR_RST -> row(b, ms, right(e.detail() != null && e.detail().startsWith("reset")
                        ? "RST (reset)" : "RST (" + e.detail() + ")", true));
                case FIRST_BYTE -> row(b, ms, left(statusLine == null ? "HTTP/0.9: no status line" : ascii(statusLine), false));
                case RECEIVED -> row(b, ms, left(e.bytes() + " B", false));
                case SERVER_FIN -> row(b, ms, left("no close_notify".equals(e.detail()) ? "FIN (no close_notify)" : "FIN", false));
                case RST -> row(b, ms, left("RST", true));
                case TIMEOUT -> row(b, ms, note("timeout: no FIN, no RST came"));
            }
        }
        return b.toString();
    }

    /** The first line of a request, up to CR or LF (at most 200 bytes), or null if it is empty. */
    public static String requestLine(byte[] request) {
        int end = 0;
        while (end < request.length && end < 200 && request[end] != '\r' && request[end] != '\n') {
            end++;
        }
        return end == 0 ? null : new String(request, 0, end, StandardCharsets.ISO_8859_1);
    }

    /** The status line the meter saw (perhaps unfinished), or null for none or an HTTP/0.9 response. */
    public static String statusLine(ResponseMeter meter) {
        if (meter.simpleResponse()) {
            return null;
        }
        String head = meter.headText();
        int end = 0;
        while (end < head.length() && head.charAt(end) != '\r' && head.charAt(end) != '\n') {
            end++;
        }
        return end == 0 ? null : head.substring(0, end);
    }

    /** The gist of a failure: its text up to the first colon or parenthesis (the report has the rest). */
    private static String reason(String why) {
        if (why == null) {
            return "";
        }
        int end = why.length();
        for (String stop : new String[] {":", " ("}) {
            int at = why.indexOf(stop);
            if (at > 0 && at < end) {
                end = at;
            }
        }
        return why.substring(0, end);
    }

    /** "FIN" for a half-close, "FIN (close)" for a full close; on TLS, a FIN with no close_notify before it says so. */
    private static String ourFin(String how) {
        if (how == null) {
            return "FIN";
        }
        int comma = how.indexOf(", ");
        String what = comma < 0 ? how : how.substring(0, comma);
        String more = comma < 0 ? null : how.substring(comma + 2);
        if (what.startsWith("shutdown")) {
            return more == null ? "FIN" : "FIN (" + more + ")";
        }
        return "FIN (" + how + ")";
    }

    private static String header() {
        char[] line = " ".repeat(WIDTH).toCharArray();
        put(line, MARGIN - 2, "client");
        put(line, MARGIN + INNER + 1 - 2, "server");
        return new String(line).stripTrailing() + "\n";
    }

    private static void put(char[] line, int at, String text) {
        int from = Math.max(0, Math.min(at, line.length - text.length()));
        text.getChars(0, text.length(), line, from);
    }

    private static void row(StringBuilder b, double ms, String inner) {
        b.append(String.format(Locale.ROOT, "%7.1f ms", ms)).append("  |").append(inner).append("|\n");
    }

    /** An arrow from the client to the server; an RST is marked with an X at its head. */
    private static String right(String label, boolean rst) {
        return arrow("", label, rst ? "X-->" : ">");
    }

    /** An arrow from the server to the client; an RST is marked with an X at its head. */
    private static String left(String label, boolean rst) {
        return arrow(rst ? "<--X" : "<", label, "");
    }

    private static int labelRoom(boolean rst) {
        return INNER - (rst ? 4 : 1) - 2 - 2 * MIN_DASHES;
    }

    private static String arrow(String leftHead, String label, String rightHead) {
        String text = fit(ascii(label), INNER - leftHead.length() - rightHead.length() - 2 - 2 * MIN_DASHES);
        int dashes = INNER - leftHead.length() - rightHead.length() - 2 - text.length();
        int centred = (INNER - text.length()) / 2 - 1 - leftHead.length();
        int before = Math.max(MIN_DASHES, Math.min(centred, dashes - MIN_DASHES));
        return leftHead + "-".repeat(before) + " " + text + " " + "-".repeat(dashes - before) + rightHead;
    }

    /** Something only the client saw (no packet): centred between the lifelines, in parentheses. */
    private static String note(String text) {
        String t = "(" + fit(ascii(text), INNER - 4) + ")";
        int before = (INNER - t.length()) / 2;
        return " ".repeat(before) + t + " ".repeat(INNER - before - t.length());
    }

    private static String fit(String text, int room) {
        return text.length() <= room ? text : text.substring(0, Math.max(0, room - 3)) + "...";
    }

    private static String ascii(String text) {
        StringBuilder b = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            b.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return b.toString();
    }
}
