package dev.halfway.http;

import java.nio.charset.StandardCharsets;

/**
 * A response head: an HTTP/1.0 status line and header fields (RFC 1945 §6), ending with an empty
 * line. Every response says {@code HTTP/1.0}, whatever the request's version (RFC 9110 §2.5), and
 * carries {@code Date}, {@code Server} and {@code Connection: close}: one request per connection.
 * Field values come from the server, never from request bytes.
 */
public final class ResponseHead {
    private final Status status;
    /** The fields after Date, each with its CRLF. */
    private final StringBuilder fields = new StringBuilder(192);

    public ResponseHead(Status status) {
        this.status = status;
        field("Server", Product.TOKEN);
        field("X-Content-Type-Options", "nosniff"); // the Content-Type we send is the one to use
    }

    public ResponseHead field(String name, String value) {
        fields.append(name).append(": ").append(value).append("\r\n");
        return this;
    }

    public ResponseHead field(String name, long value) {
        fields.append(name).append(": ").append(value).append("\r\n");
        return this;
    }

    public Status status() {
        return status;
    }

    /** The head's bytes, with the current {@code Date}, {@code Connection: close} and the empty line that ends it. */
    public byte[] encode() {
        return (statusLine() + "Date: " + HttpDate.now() + "\r\n" + fields + "Connection: close\r\n\r\n")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    /**
     * This head encoded once, all but its {@code Date}: {@link Preencoded#encode()} gives, at any
     * later second, the bytes {@link #encode()} would give then, with one copy and no formatting.
     */
    public Preencoded preencode() {
        return new Preencoded(status,
                (statusLine() + "Date: ").getBytes(StandardCharsets.ISO_8859_1),
                ("\r\n" + fields + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
    }

    private String statusLine() {
        return "HTTP/1.0 " + status.code() + ' ' + status.reasonPhrase() + "\r\n";
    }

    /** A head whose every byte is fixed but the current date's, spliced in by {@link #encode()}. */
    public static final class Preencoded {
        private final Status status;
        private final byte[] beforeDate;
        private final byte[] afterDate;

        private Preencoded(Status status, byte[] beforeDate, byte[] afterDate) {
            this.status = status;
            this.beforeDate = beforeDate;
            this.afterDate = afterDate;
        }

        public Status status() {
            return status;
        }

        /** The head's bytes with the current {@code Date}. */
        public byte[] encode() {
            byte[] date = HttpDate.nowAscii();
            byte[] head = new byte[beforeDate.length + date.length + afterDate.length];
            System.arraycopy(beforeDate, 0, head, 0, beforeDate.length);
            System.arraycopy(date, 0, head, beforeDate.length, date.length);
            System.arraycopy(afterDate, 0, head, beforeDate.length + date.length, afterDate.length);
            return head;
        }

        /** Bytes held: everything but the date. */
        public int heldBytes() {
            return beforeDate.length + afterDate.length;
        }
    }
}
