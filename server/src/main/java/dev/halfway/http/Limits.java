package dev.halfway.http;

/**
 * The parser's limits; each has exactly one status. The constructor is the one place they are
 * checked, for the parser and for any configuration that carries them.
 *
 * @param requestLine longest request line in bytes, without its line ending; longer → 414
 * @param headBytes   most bytes in the whole head, line endings included; more → 431
 * @param fields      most header fields; more → 431
 * @param body        largest Content-Length accepted (the body is read and discarded); larger → 413
 */
public record Limits(int requestLine, int headBytes, int fields, long body) {

    /** The defaults documented in the README: 8 KiB line, 16 KiB head, 100 fields, 1 MiB body. */
    public static final Limits DEFAULTS = new Limits(8 * 1024, 16 * 1024, 100, 1024 * 1024);

    /**
     * Each message names the limits it is about by their component names, so a caller (the
     * command line) can say them in its own terms.
     */
    public Limits {
        // The head holds the request line, so its limit cannot be the smaller one.
        if (requestLine < 16 || requestLine > headBytes) {
            throw new IllegalArgumentException("requestLine must be at least 16 and at most headBytes");
        }
        if (fields < 0) {
            throw new IllegalArgumentException("fields must not be negative");
        }
        if (body < 0) {
            throw new IllegalArgumentException("body must not be negative");
        }
    }
}
