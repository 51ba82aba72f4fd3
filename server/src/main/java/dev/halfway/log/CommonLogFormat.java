package dev.halfway.log;

import dev.halfway.conn.AccessRecord;
import dev.halfway.conn.Transport;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * Common Log Format followed by halfway's fields:
 * {@code host - - [time] "request" status bytes owed=N ms=N fin=F outcome=O linger=L}, and on the
 * TLS port {@code tls=P end=E}: the negotiated protocol (or {@code -} when no handshake completed,
 * {@code plaintext} for plain HTTP sent there) and how the client's input ended. Behind a PROXY
 * protocol proxy, {@code host} is the client's (from the header), and {@code proxy=HOST:PORT}
 * (the proxy's own address) comes before the TLS fields.
 * The request line is escaped (quotes, backslashes and non-printable bytes as \xHH) so a client
 * cannot forge log lines.
 */
final class CommonLogFormat implements AccessLog {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);
    private final Lines out;

    CommonLogFormat(Lines out) {
        this.out = out;
    }

    @Override
    public void log(AccessRecord r) {
        StringBuilder line = new StringBuilder(160);
        line.append(r.remoteHost()).append(" - - [").append(TIME.format(Instant.ofEpochMilli(r.startMillis()))).append("] \"");
        if (r.requestLine() == null) {
            line.append('-');
        } else {
            escape(r.requestLine(), line);
        }
        line.append("\" ").append(r.status() == 0 ? "-" : Integer.toString(r.status()))
                .append(' ').append(r.bodyBytes() == 0 ? "-" : Long.toString(r.bodyBytes()))
                .append(" owed=").append(r.bodyOwed() < 0 ? "-" : Long.toString(r.bodyOwed()))
                .append(" ms=").append(r.durationMillis())
                .append(" fin=").append(r.fin().label())
                .append(" outcome=").append(r.outcome().label())
                .append(" linger=").append(r.linger().label());
        if (r.proxyHost() != null) {
            line.append(" proxy=").append(r.proxyHost().indexOf(':') >= 0 ? "[" + r.proxyHost() + "]" : r.proxyHost())
                    .append(':').append(r.proxyPort());
        }
        if (r.transport() != Transport.TCP) {
            line.append(" tls=").append(r.transport() == Transport.TCP_ON_TLS_PORT ? "plaintext" : r.tls() == null ? "-" : r.tls())
                    .append(" end=").append(r.inputEnd() == null ? "-" : r.inputEnd().label());
        }
        out.println(line.toString());
    }

    static void escape(String s, StringBuilder into) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7F) {
                into.append(String.format("\\x%02x", (int) c & 0xFF));
            } else {
                into.append(c);
            }
        }
    }

    @Override
    public void flush() {
        out.flush();
    }
}
