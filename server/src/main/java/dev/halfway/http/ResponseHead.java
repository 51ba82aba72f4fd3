package dev.halfway.http;

import java.util.Arrays;

/**
 * A response head: an HTTP/1.0 status line and header fields (RFC 1945 §6), ending with an empty
 * line. Every response says {@code HTTP/1.0}, whatever the request's version (RFC 9110 §2.5), and
 * carries {@code Date}, {@code Server} and {@code Connection: close}: one request per connection.
 * Field values come from the server, never from request bytes.
 *
 * <p>The bytes are ISO-8859-1 (a character beyond it becomes {@code ?}), written straight into
 * one array: no string is built for the head.
 */
public final class ResponseHead {
    private static final String END = "Connection: close\r\n\r\n";

    private final Status status;
    private byte[] bytes = new byte[320];
    private int length;

    public ResponseHead(Status status) {
        this.status = status;
        append("HTTP/1.0 ").append(status.code()).append(" ").append(status.reasonPhrase()).append("\r\n");
        field("Date", HttpDate.now());
        field("Server", Product.TOKEN);
        field("X-Content-Type-Options", "nosniff"); // the Content-Type we send is the one to use
    }

    public ResponseHead field(String name, String value) {
        return append(name).append(": ").append(value).append("\r\n");
    }

    public ResponseHead field(String name, long value) {
        return append(name).append(": ").append(value).append("\r\n");
    }

    public Status status() {
        return status;
    }

    /** The head's bytes, with {@code Connection: close} and the empty line that ends it. */
    public byte[] encode() {
        byte[] out = Arrays.copyOf(bytes, length + END.length());
        for (int i = 0; i < END.length(); i++) {
            out[length + i] = (byte) END.charAt(i);
        }
        return out;
    }

    private ResponseHead append(String s) {
        int n = s.length();
        room(n);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            bytes[length++] = c <= 0xFF ? (byte) c : (byte) '?';
        }
        return this;
    }

    private ResponseHead append(long value) {
        if (value < 0) {
            return append(Long.toString(value)); // never, for a status or a length
        }
        int digits = 1;
        for (long v = value; v >= 10; v /= 10) {
            digits++;
        }
        room(digits);
        for (int i = length + digits - 1; i >= length; i--) {
            bytes[i] = (byte) ('0' + value % 10);
            value /= 10;
        }
        length += digits;
        return this;
    }

    private void room(int more) {
        if (length + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
        }
    }
}
