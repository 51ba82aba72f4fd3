package dev.halfway.client;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Watches response bytes go by and measures them: where the head ends, the status code, the
 * Content-Length, how many body bytes came, and the body's SHA-256. A response that does not
 * begin with "HTTP/" is an HTTP/0.9 Simple-Response: all body (RFC 1945 §6).
 */
public final class ResponseMeter {
    private static final int MAX_HEAD = 64 * 1024;

    /** Receives the bytes sorted into head and body. */
    public interface Sink {
        void head(byte[] bytes, int offset, int length);

        void body(byte[] bytes, int offset, int length);

        Sink NONE = new Sink() {
            @Override
            public void head(byte[] bytes, int offset, int length) {}

            @Override
            public void body(byte[] bytes, int offset, int length) {}
        };
    }

    private final Sink sink;
    private final MessageDigest sha;
    private final byte[] head = new byte[MAX_HEAD];
    private int headLength;
    private boolean inBody;
    private boolean simple;
    private long bodyBytes;
    private int status = -1;
    private long contentLength = -1;
    private long total;

    public ResponseMeter(Sink sink) {
        this.sink = sink;
        try {
            this.sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public void accept(byte[] bytes, int offset, int length) {
        total += length;
        int i = offset;
        int end = offset + length;
        while (!inBody && i < end) {
            if (headLength == MAX_HEAD) {
                releaseAsBody(); // no head ends this soon: not a head we can read, count it as body
                break;
            }
            byte b = bytes[i++];
            head[headLength++] = b;
            if (headLength == 5 && !startsWithHttp()) {
                releaseAsBody(); // no status line: a Simple-Response, everything is body
            } else if (headLength > 5 && b == '\n' && headEnded()) {
                inBody = true;
                parseHead();
                sink.head(head, 0, headLength);
            }
        }
        if (inBody && i < end) {
            countBody(bytes, i, end - i);
        }
    }

    /** At the end of the stream: a few bytes that never became a head are a (short) Simple-Response. */
    public void finish() {
        if (!inBody && headLength > 0 && !startsWithHttp()) {
            releaseAsBody();
        }
    }

    private void releaseAsBody() {
        simple = true;
        inBody = true;
        int n = headLength;
        headLength = 0;
        countBody(head, 0, n);
    }

    private void countBody(byte[] bytes, int offset, int length) {
        bodyBytes += length;
        sha.update(bytes, offset, length);
        sink.body(bytes, offset, length);
    }

    private boolean startsWithHttp() {
        byte[] http = "HTTP/".getBytes(StandardCharsets.US_ASCII);
        for (int k = 0; k < Math.min(headLength, 5); k++) {
            if (head[k] != http[k]) {
                return false;
            }
        }
        return true;
    }

    private boolean headEnded() {
        int n = headLength;
        return n >= 2 && head[n - 2] == '\n'
                || n >= 4 && head[n - 4] == '\r' && head[n - 3] == '\n' && head[n - 2] == '\r';
    }

    private void parseHead() {
        String text = new String(head, 0, headLength, StandardCharsets.ISO_8859_1);
        String[] lines = text.split("\r?\n");
        if (lines.length == 0) {
            return;
        }
        String[] statusLine = lines[0].split(" ", 3);
        if (statusLine.length >= 2 && statusLine[1].matches("\\d{3}")) {
            status = Integer.parseInt(statusLine[1]);
        }
        for (int k = 1; k < lines.length; k++) {
            int colon = lines[k].indexOf(':');
            if (colon > 0 && lines[k].substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                try {
                    contentLength = Long.parseLong(lines[k].substring(colon + 1).trim());
                } catch (NumberFormatException e) {
                    contentLength = -1;
                }
            }
        }
    }

    /** The status code, or -1 for a Simple-Response or an incomplete head. */
    public int status() {
        return status;
    }

    public boolean simpleResponse() {
        return simple;
    }

    public boolean headComplete() {
        return inBody;
    }

    public long headBytes() {
        return headLength;
    }

    public long bodyBytes() {
        return bodyBytes;
    }

    /** The Content-Length the head promised, or -1. */
    public long contentLength() {
        return contentLength;
    }

    public long totalBytes() {
        return total;
    }

    /** The head as text (ISO-8859-1), for reports and checks. */
    public String headText() {
        return new String(head, 0, headLength, StandardCharsets.ISO_8859_1);
    }

    public String bodySha256() {
        try {
            return HexFormat.of().formatHex(((MessageDigest) sha.clone()).digest());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(e);
        }
    }
}
