package dev.halfway.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * ResponseMeter must sort a byte stream into head and body the same way however the stream is cut
 * into reads: every 2-way and 3-way split of each sample, and one byte at a time.
 */
@Timeout(30)
class ResponseMeterTest {

    /**
     * One sample stream and what the meter must make of it.
     *
     * @param head          the bytes the sink must get as head (in order, once)
     * @param body          the bytes the sink must get as body
     * @param headComplete  whether a head (or a Simple-Response) was recognised by the end
     */
    record Sample(String name, String stream, int status, String head, String body, long contentLength,
                  boolean simple, boolean headComplete) {
        byte[] bytes() {
            return stream.getBytes(StandardCharsets.ISO_8859_1);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Sample> samples() {
        String okHead = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 12\r\n\r\n";
        String lfHead = "HTTP/1.0 404 Not Found\nContent-Length: 9\n\n";
        String noLenHead = "HTTP/1.0 200 OK\r\nServer: x\r\n\r\n";
        String headOnly = "HTTP/1.0 200 OK\r\nContent-Length: 1000\r\n\r\n";
        String oddLen = "HTTP/1.1 301 Moved\r\ncontent-LENGTH:   7  \r\nLocation: /d/\r\n\r\n";
        return Stream.of(
                new Sample("normal", okHead + "hello, world", 200, okHead, "hello, world", 12, false, true),
                // a body that itself contains CRLF CRLF and "HTTP/": it must not be taken for a second head
                new Sample("body with CRLFCRLF", okHead.replace("12", "14") + "a\r\n\r\nHTTP/1.0 b",
                        200, okHead.replace("12", "14"), "a\r\n\r\nHTTP/1.0 b", 14, false, true),
                new Sample("bare-LF head", lfHead + "not found", 404, lfHead, "not found", 9, false, true),
                new Sample("mixed CRLF then bare LF end", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\nab", 200,
                        "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\n", "ab", 2, false, true),
                new Sample("Simple-Response", "<html><body>halfway</body></html>\n", -1, "",
                        "<html><body>halfway</body></html>\n", -1, true, true),
                new Sample("Simple-Response that starts like HTTP", "HTTPS is not a status line\r\n\r\n", -1, "",
                        "HTTPS is not a status line\r\n\r\n", -1, true, true),
                new Sample("shorter than 5 bytes", "hi\n", -1, "", "hi\n", -1, true, true),
                new Sample("one byte", "x", -1, "", "x", -1, true, true),
                // RFC 1945 §6 as ResponseMeter's own javadoc puts it: not beginning with "HTTP/" means a
                // Simple-Response, all body -- even when it is short and contains an empty line.
                new Sample("short Simple-Response with an empty line", "a\n\n", -1, "", "a\n\n", -1, true, true),
                new Sample("Simple-Response starting with an empty line", "\r\n\r\nhello", -1, "", "\r\n\r\nhello",
                        -1, true, true),
                new Sample("HEAD-like: head only", headOnly, 200, headOnly, "", 1000, false, true),
                new Sample("missing Content-Length", noLenHead + "some body bytes", 200, noLenHead,
                        "some body bytes", -1, false, true),
                new Sample("odd-cased Content-Length with spaces", oddLen + "/d/ ...", 301, oddLen, "/d/ ...", 7,
                        false, true),
                new Sample("status line without reason", "HTTP/1.0 204\r\n\r\n", 204, "HTTP/1.0 204\r\n\r\n", "", -1,
                        false, true),
                // an unfinished head: nothing reaches the sink, all bytes are counted as head so far
                new Sample("incomplete head", "HTTP/1.0 200 OK\r\nContent-Le", -1, "", "", -1, false, false),
                new Sample("truncated status line", "HTT", -1, "", "", -1, false, false));
    }

    /** Collects what the sink receives, in order, and fails on a head after body bytes. */
    static final class Recorder implements ResponseMeter.Sink {
        final ByteArrayOutputStream head = new ByteArrayOutputStream();
        final ByteArrayOutputStream body = new ByteArrayOutputStream();
        final List<String> order = new ArrayList<>();

        @Override
        public void head(byte[] bytes, int offset, int length) {
            order.add("head");
            head.write(bytes, offset, length);
        }

        @Override
        public void body(byte[] bytes, int offset, int length) {
            if (length > 0) {
                order.add("body");
            }
            body.write(bytes, offset, length);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void everySplitGivesTheSameAnswer(Sample sample) throws Exception {
        byte[] bytes = sample.bytes();
        int n = bytes.length;
        check(sample, List.of(new int[0]), "whole");
        check(sample, everyByte(n), "byte by byte");
        for (int i = 0; i <= n; i++) {
            check(sample, List.of(new int[] {i}), "split at " + i);
            for (int j = i; j <= n; j++) {
                check(sample, List.of(new int[] {i, j}), "split at " + i + "," + j);
            }
        }
    }

    private static List<int[]> everyByte(int n) {
        int[] cuts = new int[Math.max(0, n - 1)];
        for (int k = 0; k < cuts.length; k++) {
            cuts[k] = k + 1;
        }
        return List.of(cuts);
    }

    private static void check(Sample s, List<int[]> cutList, String how) throws Exception {
        int[] cuts = cutList.get(0);
        byte[] bytes = s.bytes();
        Recorder sink = new Recorder();
        ResponseMeter meter = new ResponseMeter(sink);
        int from = 0;
        for (int cut : cuts) {
            feed(meter, bytes, from, cut);
            from = cut;
        }
        feed(meter, bytes, from, bytes.length);
        meter.finish();

        String where = s.name() + " (" + how + ")";
        assertEquals(s.status(), meter.status(), where + ": status");
        assertEquals(s.simple(), meter.simpleResponse(), where + ": simpleResponse");
        assertEquals(s.headComplete(), meter.headComplete(), where + ": headComplete");
        assertEquals(s.contentLength(), meter.contentLength(), where + ": contentLength");
        long expectedHeadBytes = s.headComplete() ? s.head().length() : bytes.length;
        assertEquals(expectedHeadBytes, meter.headBytes(), where + ": headBytes");
        assertEquals(s.body().length(), meter.bodyBytes(), where + ": bodyBytes");
        assertEquals(bytes.length, meter.totalBytes(), where + ": totalBytes");
        assertArrayEquals(s.head().getBytes(StandardCharsets.ISO_8859_1), sink.head.toByteArray(), where + ": head bytes sent to the sink");
        assertArrayEquals(s.body().getBytes(StandardCharsets.ISO_8859_1), sink.body.toByteArray(), where + ": body bytes sent to the sink");
        int firstBody = sink.order.indexOf("body");
        int heads = (int) sink.order.stream().filter("head"::equals).count();
        assertEquals(s.head().isEmpty() ? 0 : 1, heads, where + ": the head goes to the sink exactly once " + sink.order);
        if (firstBody >= 0 && heads > 0) {
            assertEquals(0, sink.order.indexOf("head"), where + ": head before body " + sink.order);
        }
        if (s.headComplete() && !s.simple()) {
            assertEquals(s.head(), meter.headText(), where + ": headText");
        }
        assertEquals(sha256(s.body().getBytes(StandardCharsets.ISO_8859_1)), meter.bodySha256(), where + ": bodySha256");
    }

    /** Feeds bytes[from, to) from inside a larger array, so offsets matter. */
    private static void feed(ResponseMeter meter, byte[] bytes, int from, int to) {
        byte[] padded = new byte[(to - from) + 6];
        Arrays.fill(padded, (byte) '#');
        System.arraycopy(bytes, from, padded, 3, to - from);
        meter.accept(padded, 3, to - from);
    }

    @Test
    void aHeadLongerThan64KiBIsCountedAsBodyNotLost() {
        StringBuilder b = new StringBuilder("HTTP/1.0 200 OK\r\n");
        while (b.length() < 70 * 1024) {
            b.append("X-Filler: ").append("f".repeat(100)).append("\r\n");
        }
        b.append("\r\nbody");
        byte[] bytes = b.toString().getBytes(StandardCharsets.ISO_8859_1);
        Recorder sink = new Recorder();
        ResponseMeter meter = new ResponseMeter(sink);
        for (int i = 0; i < bytes.length; i += 1000) {
            meter.accept(bytes, i, Math.min(1000, bytes.length - i));
        }
        meter.finish();
        assertEquals(bytes.length, meter.totalBytes());
        assertEquals(bytes.length, sink.head.size() + sink.body.size(), "every byte reaches the sink once");
        assertEquals(-1, meter.status());
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
