package dev.halfway.tls;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** An HTTP/1.0 response as a peer printed it: the head (up to its empty line) and the body bytes after it. */
record Reply(String head, byte[] body) {
    /** Splits {@code bytes} at the first CRLF CRLF; a response without one fails the test. */
    static Reply of(byte[] bytes) {
        for (int i = 0; i + 3 < bytes.length; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n' && bytes[i + 2] == '\r' && bytes[i + 3] == '\n') {
                return new Reply(new String(bytes, 0, i + 2, StandardCharsets.ISO_8859_1), Arrays.copyOfRange(bytes, i + 4, bytes.length));
            }
        }
        String start = new String(bytes, 0, Math.min(bytes.length, 300), StandardCharsets.ISO_8859_1);
        throw new AssertionError("no HTTP response head (CRLF CRLF) in " + bytes.length + " bytes: " + start);
    }

    String statusLine() {
        return head.substring(0, head.indexOf("\r\n"));
    }

    /** The value of header field {@code name}, or null. */
    String field(String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
                return line.substring(colon + 1).strip();
            }
        }
        return null;
    }

    String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }
}
