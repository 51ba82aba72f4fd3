package dev.halfway.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An incremental HTTP/1.0 request parser: a pure function of the bytes offered so far. Feed it
 * with {@link #parse(ByteBuffer)} as bytes arrive; when the client's input ends, ask
 * {@link #endOfInput()} what the request has become. It consumes exactly the bytes of one request
 * and leaves whatever follows in the buffer. One instance parses one request; it is not thread-safe.
 *
 * <p>Grammar: RFC 1945 §4-§5 (Full-Request and the HTTP/0.9 Simple-Request), read with the
 * stricter rules of RFC 9112 §2-§6: CRLF ends a line and a bare LF is accepted (RFC 9112 §2.2), a
 * bare CR is an error, obsolete line folding is rejected (§5.2), a body exists only when
 * Content-Length says so (RFC 1945 §7.2.2, RFC 9112 §6.3). Each limit has exactly one status.
 *
 * <p>Simple or Full (RFC 1945 §4.1): a request is a Simple-Request (HTTP/0.9, answered by a
 * Simple-Response, the body alone) only when its line is exactly {@code "GET" SP Request-URI} and
 * its line end; such a line is Complete at once, so it is never Failed. Any other line (one with
 * a version token, well-formed or not, more than two words, a second SP, a tab, or a second word
 * that is no Request-URI, such as {@code GET HTTP/1.0}) is a Full-Request, or could still become
 * one when it is refused (a line over the limit, input ending inside it). Hence every
 * {@link ParseResult.Failed} is owed a Full-Response, with an {@code HTTP/1.0} status line.
 */
public final class RequestParser {

    /** Where the parser is, in the order of the grammar. */
    enum State {
        /** Before the request line; empty lines here are skipped (RFC 9112 §2.2). */
        REQUEST_LINE,
        /** After the request line, before the empty line that ends the head. */
        FIELD_LINE,
        /** Reading and discarding the Content-Length bytes of a body. */
        BODY,
        COMPLETE,
        FAILED
    }

    private final int maxRequestLine;
    private final int maxHeadBytes;
    private final int maxFields;
    private final long maxBody;

    private State state = State.REQUEST_LINE;
    private byte[] line = new byte[256];
    private int lineLength;
    private int headBytes;
    private String requestLineText;
    private RequestLine requestLine;
    private final List<Field> fields = new ArrayList<>();
    private long contentLength = -1;
    private long bodyRemaining;
    private ParseResult result = ParseResult.NEED_MORE;

    /** A parser held to {@code limits} (checked when they were made). */
    public RequestParser(Limits limits) {
        this.maxRequestLine = limits.requestLine();
        this.maxHeadBytes = limits.headBytes();
        this.maxFields = limits.fields();
        this.maxBody = limits.body();
    }

    /** The same as {@code new RequestParser(new Limits(...))}; see {@link Limits} for each limit. */
    public RequestParser(int maxRequestLine, int maxHeadBytes, int maxFields, long maxBody) {
        this(new Limits(maxRequestLine, maxHeadBytes, maxFields, maxBody));
    }

    /** A parser held to {@link Limits#DEFAULTS}, the defaults documented in the README. */
    public static RequestParser withDefaults() {
        return new RequestParser(Limits.DEFAULTS);
    }

    /**
     * Consumes bytes from {@code buffer} (between its position and limit) up to the end of the
     * request, and says where the request stands. After Complete or Failed it consumes nothing and
     * returns the same result.
     */
    public ParseResult parse(ByteBuffer buffer) {
        try {
            while (buffer.hasRemaining() && (state == State.REQUEST_LINE || state == State.FIELD_LINE)) {
                int pos = buffer.position();
                int end = buffer.limit();
                int lf = -1;
                for (int i = pos; i < end; i++) {
                    if (buffer.get(i) == '\n') {
                        lf = i;
                        break;
                    }
                }
                int take = (lf < 0 ? end : lf + 1) - pos;
                appendToLine(buffer, pos, take);
                buffer.position(pos + take);
                if (lf >= 0) {
                    endOfLine();
                }
            }
            if (state == State.BODY && buffer.hasRemaining()) {
                int n = (int) Math.min(bodyRemaining, buffer.remaining());
                buffer.position(buffer.position() + n);
                bodyRemaining -= n;
                if (bodyRemaining == 0) {
                    complete();
                }
            }
        } catch (HttpError e) {
            fail(e);
        }
        return result;
    }

    /**
     * What the request becomes now that the client's input has ended (a half-close, or a full
     * close that read cannot tell apart). RFC 9112 §9.6: the end of input does not delimit a
     * request, so a request that is not complete by now never will be.
     */
    public ParseResult endOfInput() {
        switch (state) {
            case REQUEST_LINE -> {
                if (lineLength == 0) {
                    result = ParseResult.EMPTY; // nothing, or only empty lines: no request was made
                } else {
                    fail(new HttpError(Status.BAD_REQUEST, "input ended inside the request line"));
                }
            }
            case FIELD_LINE -> fail(new HttpError(Status.BAD_REQUEST, "input ended before the end of the head"));
            case BODY -> fail(new HttpError(Status.BAD_REQUEST, "input ended before Content-Length bytes of body"));
            case COMPLETE, FAILED -> { }
        }
        return result;
    }

    /** The request line as received once it has been read (even if it was then refused), else null. */
    public String requestLine() {
        return requestLineText;
    }

    private void appendToLine(ByteBuffer buffer, int pos, int take) {
        if (take == 0) {
            return;
        }
        // Each state checks one limit, on how many bytes it has seen in all, so the status cannot
        // depend on how the bytes were split into reads: the request line is held to its own
        // limit (→ 414) and the head limit (→ 431) applies from the first field line on.
        if (state == State.REQUEST_LINE) {
            if (lineLength + take > maxRequestLine + 2) {
                // Keep the start of the line, so the log can say what was refused.
                byte[] start = new byte[256];
                int fromLine = Math.min(lineLength, start.length);
                System.arraycopy(line, 0, start, 0, fromLine);
                int fromBuffer = Math.min(take, start.length - fromLine);
                buffer.get(pos, start, fromLine, fromBuffer);
                requestLineText = new String(start, 0, fromLine + fromBuffer, StandardCharsets.ISO_8859_1) + "...";
                throw new HttpError(Status.URI_TOO_LONG, "request line longer than the limit");
            }
        } else if (headBytes + take > maxHeadBytes) {
            throw new HttpError(Status.FIELDS_TOO_LARGE, "head larger than the limit");
        }
        if (lineLength + take > line.length) {
            byte[] bigger = new byte[Math.max(line.length * 2, lineLength + take)];
            System.arraycopy(line, 0, bigger, 0, lineLength);
            line = bigger;
        }
        buffer.get(pos, line, lineLength, take);
        lineLength += take;
        headBytes += take;
    }

    /** The line buffer ends with LF: strip the line ending, reject a bare CR, and interpret it. */
    private void endOfLine() {
        int end = lineLength - 1; // at the LF
        if (end > 0 && line[end - 1] == '\r') {
            end--;
        }
        for (int i = 0; i < end; i++) {
            if (line[i] == '\r') {
                throw new HttpError(Status.BAD_REQUEST, "bare CR in the head");
            }
        }
        int length = end;
        lineLength = 0;
        if (state == State.REQUEST_LINE) {
            if (length == 0) {
                return; // an empty line before the request line is ignored (RFC 9112 §2.2)
            }
            requestLine(length);
        } else if (length == 0) {
            endOfHead();
        } else {
            fieldLine(length);
        }
    }

    /** method SP request-target SP HTTP-version, or the Simple-Request {@code GET SP target}. */
    private void requestLine(int length) {
        requestLineText = new String(line, 0, length, StandardCharsets.ISO_8859_1);
        if (length > maxRequestLine) {
            throw new HttpError(Status.URI_TOO_LONG, "request line longer than the limit");
        }
        int sp1 = indexOf(line, 0, length, (byte) ' ');
        if (sp1 <= 0) {
            throw new HttpError(Status.BAD_REQUEST, "request line is not method SP target SP version");
        }
        int sp2 = indexOf(line, sp1 + 1, length, (byte) ' ');
        int targetEnd = sp2 < 0 ? length : sp2;
        if (!ByteClass.all(line, 0, sp1, ByteClass.TOKEN)) {
            throw new HttpError(Status.BAD_REQUEST, "method is not a token");
        }
        if (!ByteClass.all(line, sp1 + 1, targetEnd, ByteClass.VISIBLE)) {
            throw new HttpError(Status.BAD_REQUEST, "request-target is empty or has a byte outside VCHAR");
        }
        String methodName = new String(line, 0, sp1, StandardCharsets.US_ASCII);
        String target = new String(line, sp1 + 1, targetEnd - sp1 - 1, StandardCharsets.US_ASCII);
        if (sp2 < 0) {
            // RFC 1945 §4.1: Simple-Request = "GET" SP Request-URI CRLF. Nothing follows it.
            if (!methodName.equals("GET")) {
                throw new HttpError(Status.BAD_REQUEST, "request line has no version");
            }
            if (!isRequestUriForm(sp1 + 1, length)) {
                // Not a Simple-Request, so a Full-Request line that lacks a part: answered with a status line.
                throw new HttpError(Status.BAD_REQUEST, startsWithHttpSlash(sp1 + 1, length)
                        ? "request line has a version but no target"
                        : "Simple-Request target is not a Request-URI");
            }
            requestLine = new RequestLine(Method.GET, target, Version.HTTP_0_9, requestLineText);
            complete();
            return;
        }
        if (requestLineText.equals("PRI * HTTP/2.0")) {
            // RFC 9113 §3.4: the HTTP/2 connection preface. Say plainly that this is HTTP/1.0.
            throw new HttpError(Status.VERSION_NOT_SUPPORTED, "HTTP/2 connection preface; this server speaks HTTP/1.0");
        }
        Version version = version(sp2 + 1, length);
        Method method = Method.byName(methodName);
        if (method == null) {
            throw new HttpError(Status.NOT_IMPLEMENTED, "unknown method");
        }
        requestLine = new RequestLine(method, target, version, requestLineText);
        state = State.FIELD_LINE;
    }

    /** HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3); only 1.0 and 1.1 are served. */
    private Version version(int from, int to) {
        boolean wellFormed = to - from == 8
                && line[from] == 'H' && line[from + 1] == 'T' && line[from + 2] == 'T' && line[from + 3] == 'P'
                && line[from + 4] == '/' && isDigit(line[from + 5]) && line[from + 6] == '.' && isDigit(line[from + 7]);
        if (!wellFormed) {
            throw new HttpError(Status.BAD_REQUEST, "malformed HTTP-version");
        }
        if (line[from + 5] == '1' && line[from + 7] == '0') {
            return Version.HTTP_1_0;
        }
        if (line[from + 5] == '1' && line[from + 7] == '1') {
            return Version.HTTP_1_1;
        }
        throw new HttpError(Status.VERSION_NOT_SUPPORTED, "HTTP version not supported");
    }

    /**
     * Whether {@code line[from, to)} has the form of a Request-URI, RFC 1945 §5.1.2:
     * {@code "*" | absoluteURI | abs_path}, that is exactly "*", or "/" first, or a scheme and ":"
     * first (§3.2.1: {@code absoluteURI = scheme ":" ...}, {@code scheme = 1*( ALPHA | DIGIT | "+"
     * | "-" | "." )}). Only the form, which decides Simple or Full: the rest of the path (escapes,
     * dot segments) is the responder's, and its refusal of a Simple-Request is a Simple-Response.
     * An HTTP-version ({@code "HTTP" "/" 1*DIGIT "." 1*DIGIT}, §3.1, in any case) is never a
     * Request-URI: it has a "/" before any ":".
     */
    private boolean isRequestUriForm(int from, int to) {
        if (line[from] == '/' || to - from == 1 && line[from] == '*') {
            return true;
        }
        for (int i = from; i < to; i++) {
            byte b = line[i];
            if (b == ':') {
                return i > from;
            }
            boolean schemeByte = b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || isDigit(b) || b == '+' || b == '-' || b == '.';
            if (!schemeByte) {
                return false;
            }
        }
        return false;
    }

    /** {@code "HTTP/"} in any case (RFC 1945 §2.1: its literals are case-insensitive), for the log's reason. */
    private boolean startsWithHttpSlash(int from, int to) {
        return to - from >= 5 && (line[from] | 0x20) == 'h' && (line[from + 1] | 0x20) == 't'
                && (line[from + 2] | 0x20) == 't' && (line[from + 3] | 0x20) == 'p' && line[from + 4] == '/';
    }

    /** field-line = field-name ":" OWS field-value OWS (RFC 9112 §5). */
    private void fieldLine(int length) {
        if (ByteClass.is(line[0], ByteClass.WHITESPACE)) {
            throw new HttpError(Status.BAD_REQUEST, "obsolete line folding");
        }
        int colon = indexOf(line, 0, length, (byte) ':');
        if (colon < 0) {
            throw new HttpError(Status.BAD_REQUEST, "header line without a colon");
        }
        if (!ByteClass.all(line, 0, colon, ByteClass.TOKEN)) {
            throw new HttpError(Status.BAD_REQUEST, "field name is not a token");
        }
        int from = colon + 1;
        int to = length;
        while (from < to && ByteClass.is(line[from], ByteClass.WHITESPACE)) {
            from++;
        }
        while (to > from && ByteClass.is(line[to - 1], ByteClass.WHITESPACE)) {
            to--;
        }
        if (from < to && !ByteClass.all(line, from, to, ByteClass.FIELD_VALUE)) {
            throw new HttpError(Status.BAD_REQUEST, "control character in a field value");
        }
        if (fields.size() == maxFields) {
            throw new HttpError(Status.FIELDS_TOO_LARGE, "more header fields than the limit");
        }
        String name = new String(line, 0, colon, StandardCharsets.US_ASCII);
        String value = new String(line, from, to - from, StandardCharsets.ISO_8859_1);
        fields.add(new Field(name, value));
        if (name.equalsIgnoreCase("Content-Length")) {
            contentLength(value);
        } else if (name.equalsIgnoreCase("Transfer-Encoding")) {
            // HTTP/1.0 has no transfer codings; never guess the framing (RFC 9112 §6.1, §6.3).
            throw new HttpError(Status.NOT_IMPLEMENTED, "Transfer-Encoding in a request");
        }
    }

    /** Content-Length = 1*DIGIT (RFC 9110 §8.6); repeated fields must agree. */
    private void contentLength(String value) {
        long n = 0;
        if (value.isEmpty()) {
            throw new HttpError(Status.BAD_REQUEST, "invalid Content-Length");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                throw new HttpError(Status.BAD_REQUEST, "invalid Content-Length");
            }
            if (n > (Long.MAX_VALUE - 9) / 10) {
                throw new HttpError(Status.BAD_REQUEST, "Content-Length overflows");
            }
            n = n * 10 + (c - '0');
        }
        if (contentLength >= 0 && contentLength != n) {
            throw new HttpError(Status.BAD_REQUEST, "conflicting Content-Length fields");
        }
        contentLength = n;
    }

    private void endOfHead() {
        if (contentLength > maxBody) {
            throw new HttpError(Status.CONTENT_TOO_LARGE, "Content-Length larger than the body limit");
        }
        if (contentLength > 0) {
            bodyRemaining = contentLength;
            state = State.BODY;
            return;
        }
        if (contentLength < 0 && requestLine.method().requiresBody()) {
            throw new HttpError(Status.LENGTH_REQUIRED, "body without Content-Length");
        }
        complete();
    }

    private void complete() {
        state = State.COMPLETE;
        result = new ParseResult.Complete(new Request(requestLine, fields, Math.max(contentLength, 0)));
        line = null;
    }

    private void fail(HttpError e) {
        state = State.FAILED;
        result = new ParseResult.Failed(e);
        line = null;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    private static int indexOf(byte[] a, int from, int to, byte b) {
        for (int i = from; i < to; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
