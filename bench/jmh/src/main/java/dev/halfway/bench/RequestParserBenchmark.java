package dev.halfway.bench;

import dev.halfway.http.ParseResult;
import dev.halfway.http.RequestParser;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How fast {@link RequestParser} parses a whole request head held in one buffer, as it does when a
 * request arrives in one segment. One operation = a new parser ({@code withDefaults()}, as the
 * server makes one per connection) + {@code parse(buffer)} to Complete.
 *
 * <p>Two figures per case: the primary result is requests/s (ops/s); the secondary one, named
 * {@code bytes}, is an {@link AuxCounters} counter bumped by the request's length on every
 * operation, which JMH reports as a rate: <b>bytes/s</b> (printed with the unit "ops/s", since
 * JMH has no other word for it). {@code bench/jmh/run} prints both, bytes/s also as MB/s.
 *
 * <p>Cases: {@code browser}, a typical ~500-byte Chrome navigation request (Host, User-Agent,
 * Accept, Accept-Language, Accept-Encoding, Connection, Upgrade-Insecure-Requests, Sec-Fetch-*),
 * and {@code minimal}, {@code GET / HTTP/1.0} and the empty line (18 bytes). Each from a heap
 * buffer and from a direct buffer (what a socket read into a pooled direct buffer gives).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RequestParserBenchmark {

    static final String BROWSER = "GET /docs/guide/index.html?lang=en&page=2 HTTP/1.1\r\n"
            + "Host: www.example.com\r\n"
            + "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8\r\n"
            + "Accept-Language: en-US,en;q=0.9,de;q=0.8\r\n"
            + "Accept-Encoding: gzip, deflate, br\r\n"
            + "Connection: keep-alive\r\n"
            + "Upgrade-Insecure-Requests: 1\r\n"
            + "Sec-Fetch-Dest: document\r\n"
            + "Sec-Fetch-Mode: navigate\r\n"
            + "Sec-Fetch-Site: none\r\n"
            + "Sec-Fetch-User: ?1\r\n"
            + "\r\n";

    static final String MINIMAL = "GET / HTTP/1.0\r\n\r\n";

    @Param({"browser", "minimal"})
    public String request;

    @Param({"heap", "direct"})
    public String buffer;

    private ByteBuffer bytes;
    private int length;

    /** Bytes parsed: JMH reports this counter per second, i.e. bytes/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes {
        public long bytes;

        @Setup(Level.Iteration)
        public void reset() {
            bytes = 0;
        }
    }

    @Setup
    public void setup() {
        byte[] b = (request.equals("browser") ? BROWSER : MINIMAL).getBytes(StandardCharsets.US_ASCII);
        length = b.length;
        bytes = buffer.equals("direct") ? ByteBuffer.allocateDirect(length) : ByteBuffer.allocate(length);
        bytes.put(b).flip();
        ParseResult r = RequestParser.withDefaults().parse(bytes.duplicate());
        if (!(r instanceof ParseResult.Complete)) {
            throw new IllegalStateException("the " + request + " request does not parse: " + r);
        }
    }

    @Benchmark
    public ParseResult parse(Bytes counter) {
        bytes.position(0);
        ParseResult r = RequestParser.withDefaults().parse(bytes);
        counter.bytes += length;
        return r;
    }
}
