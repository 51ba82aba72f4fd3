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
    private final StringBuilder text = new StringBuilder(256);

    public ResponseHead(Status status) {
        this.status = status;
        text.append("HTTP/1.0 ").append(status.code()).append(' ').append(status.reasonPhrase()).append("\r\n");
        field("Date", HttpDate.now());
        field("Server", Product.TOKEN);
        field("X-Content-Type-Options", "nosniff"); // the Content-Type we send is the one to use
    }

    public ResponseHead field(String name, String value) {
        text.append(name).append(": ").append(value).append("\r\n");
        return this;
    }

    public ResponseHead field(String name, long value) {
        text.append(name).append(": ").append(value).append("\r\n");
        return this;
    }

    public Status status() {
        return status;
    }

    /** The head's bytes, with {@code Connection: close} and the empty line that ends it. */
    public byte[] encode() {
        return (text + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }
}
