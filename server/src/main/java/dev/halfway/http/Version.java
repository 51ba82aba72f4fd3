package dev.halfway.http;

/** Protocol versions a request may carry. Responses are always HTTP/1.0 (or bare, for 0.9). */
public enum Version {
    /** A Simple-Request: {@code GET SP Request-URI CRLF}, answered by a bare body (RFC 1945 §4.1, §6). */
    HTTP_0_9("HTTP/0.9"),
    HTTP_1_0("HTTP/1.0"),
    /** Accepted and answered in HTTP/1.0 (RFC 9110 §2.5: a server sends its highest minor version it conforms to, below the client's). */
    HTTP_1_1("HTTP/1.1");

    private final String text;

    Version(String text) {
        this.text = text;
    }

    public String text() {
        return text;
    }
}
