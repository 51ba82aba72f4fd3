package dev.halfway.http;

import java.util.List;

/**
 * A complete request: its line, header fields in order, and the length of the body that was read
 * and discarded (0 when there was none). halfway serves files only, so it never keeps a body.
 */
public record Request(RequestLine line, List<Field> fields, long bodyLength) {
    public Request {
        fields = List.copyOf(fields);
    }

    /** The value of the first field named {@code name} (case-insensitive, RFC 9110 §5.1), or null. */
    public String field(String name) {
        for (Field f : fields) {
            if (f.name().equalsIgnoreCase(name)) {
                return f.value();
            }
        }
        return null;
    }

    public Method method() {
        return line.method();
    }

    public Version version() {
        return line.version();
    }
}
