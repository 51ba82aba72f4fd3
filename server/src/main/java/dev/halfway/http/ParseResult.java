package dev.halfway.http;

/** What the parser says after each call: the request is incomplete, complete, failed, or never began. */
public sealed interface ParseResult {

    /** More bytes are needed; everything offered was consumed. */
    record NeedMore() implements ParseResult {}

    /** The request is complete; bytes after it were left in the buffer. */
    record Complete(Request request) implements ParseResult {}

    /**
     * The request cannot be served; {@code status} is owed to the client, {@code reason} is for the log.
     * It is always owed as a Full-Response, with an {@code HTTP/1.0} status line: a well-formed
     * Simple-Request is Complete at the end of its line, so what fails never was one (RFC 1945 §4.1;
     * see {@link RequestParser}).
     */
    record Failed(Status status, String reason) implements ParseResult {
        public Failed(HttpError error) {
            this(error.status(), error.reason());
        }
    }

    /** The input ended before any request byte arrived: nothing is owed (RFC 9112 §9.6 lets us close). */
    record Empty() implements ParseResult {}

    ParseResult NEED_MORE = new NeedMore();
    ParseResult EMPTY = new Empty();
}
