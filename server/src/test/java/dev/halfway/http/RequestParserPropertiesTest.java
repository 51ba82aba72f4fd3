package dev.halfway.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;
import net.jqwik.api.statistics.Statistics;

/**
 * Property-based tests of {@link RequestParser} (issue 4, "Fuzzing"): valid requests, mutations of
 * valid requests and plain random bytes, fed whole, in random pieces and byte by byte, under the
 * default limits and under small random limits (so that 413/414/431 are reached by short inputs).
 *
 * <ul>
 *   <li>(a) {@code parse} never throws; it says NeedMore (having consumed everything), Complete or
 *       Failed with one of the parser's documented error statuses; {@code endOfInput} never throws
 *       and never says NeedMore.</li>
 *   <li>(b) the outcome (request line, fields, body length, bytes consumed; or the failure status)
 *       is the same whatever the split.</li>
 *   <li>(c) a generated valid request parses to exactly what was generated, with CRLF, bare LF or
 *       mixed line endings.</li>
 *   <li>(d) Complete leaves the buffer exactly at the end of the request; the bytes after it are
 *       neither consumed nor changed.</li>
 * </ul>
 *
 * <p><b>How many tries.</b> {@code @Property(tries = ...)} is a compile-time constant and
 * {@code jqwik.tries.default} is a JUnit Platform configuration parameter, not something a Maven
 * profile sets per run. So each property declares the small default-build count, and the class
 * registers {@link HeavyTries}, an {@link AroundPropertyHook} that runs before the property starts
 * and, when the system property {@code halfway.heavy} is "true" (surefire sets it from the
 * {@code heavy} profile), raises the tries through {@link PropertyLifecycleContext#attributes()}.
 * jqwik then generates, shrinks and reports exactly as for the default run (the report printed for
 * each property shows {@code tries = ...}). {@code -Dhalfway.fuzz.tries=N} overrides the heavy count.
 * A failure is reported with its seed; jqwik re-runs the failing sample first on the next run.
 */
@AddLifecycleHook(value = RequestParserPropertiesTest.HeavyTries.class, propagateTo = PropagationMode.DIRECT_DESCENDANTS)
class RequestParserPropertiesTest {

    static final boolean HEAVY = Boolean.getBoolean("halfway.heavy");
    static final int HEAVY_TRIES = Integer.getInteger("halfway.fuzz.tries", 20_000);
    /** Per property in the default build; the whole class stays well under 10 s. */
    static final int TRIES = 400;

    /** Raises the tries of every property in this class for {@code -Pheavy}; see the class comment. */
    public static final class HeavyTries implements AroundPropertyHook {
        @Override
        public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
            if (HEAVY) {
                context.attributes().setTries(HEAVY_TRIES);
            }
            return property.execute();
        }

        @Override
        public int aroundPropertyProximity() {
            return -100; // outermost: before the property's generation starts
        }
    }

    /** Every status the parser may fail with (README, "Status codes"): nothing else, and never a 2xx/3xx. */
    static final Set<Integer> PARSER_STATUSES = Set.of(400, 411, 413, 414, 431, 501, 505);

    // ------------------------------------------------------------------------------------------
    // Properties
    // ------------------------------------------------------------------------------------------

    /** (a) Whatever the input and however it is cut, the parser answers and never throws. */
    @Property(tries = TRIES)
    void neverThrowsAndAlwaysEndsInAKnownResult(@ForAll("anyInput") Input input, @ForAll("cuts") List<Integer> cuts,
            @ForAll("limits") Limits limits) {
        RequestParser parser = new RequestParser(limits);
        Fed fed = feed(parser, input.bytes(), cutPoints(cuts, input.bytes().length));
        ParseResult last = fed.last();
        assertNotNull(last);
        assertTrue(last instanceof ParseResult.NeedMore || last instanceof ParseResult.Complete
                || last instanceof ParseResult.Failed, () -> "parse said " + last);
        checkFailureStatus(last);
        ParseResult atEof = parser.endOfInput();
        assertNotNull(atEof);
        assertTrue(!(atEof instanceof ParseResult.NeedMore), "endOfInput said NeedMore");
        if (last instanceof ParseResult.NeedMore) {
            // RFC 9112 §9.6: the end of input does not complete a request; nothing, or 400.
            assertTrue(atEof instanceof ParseResult.Empty
                    || atEof instanceof ParseResult.Failed f && f.status() == Status.BAD_REQUEST,
                    () -> "incomplete request at EOF became " + describe(atEof, -1));
            if (atEof instanceof ParseResult.Empty) {
                for (byte b : input.bytes()) {
                    assertTrue(b == '\r' || b == '\n', "Empty, but a request byte was offered");
                }
            }
        } else {
            assertSame(last, atEof, "endOfInput changed a final result");
        }
        assertEquals(atEof, parser.endOfInput(), "endOfInput is not idempotent");
        Statistics.label("result").collect(describe(atEof, -1).replaceAll("^(complete|fail \\d+|empty).*", "$1"));
    }

    /** (b) The outcome is a function of the bytes, not of how they arrived. */
    @Property(tries = TRIES)
    void parsesIdenticallyWhateverTheSplit(@ForAll("anyInput") Input input, @ForAll("cuts") List<Integer> cuts,
            @ForAll("limits") Limits limits) {
        byte[] bytes = input.bytes();
        String whole = outcome(limits, bytes, new int[0]);
        int[] split = cutPoints(cuts, bytes.length);
        assertEquals(whole, outcome(limits, bytes, split), "cut at " + Arrays.toString(split) + " (vs. whole)");
        assertEquals(whole, outcome(limits, bytes, everyByte(bytes.length)), "byte by byte (vs. whole)");
    }

    /** (c)+(d) A valid request parses to exactly what was generated and ends exactly where it ends. */
    @Property(tries = TRIES)
    void validRequestsParseToExactlyWhatWasGenerated(@ForAll("validRequests") ValidRequest request,
            @ForAll Eol eol, @ForAll("cuts") List<Integer> cuts, @ForAll("trailing") byte[] trailing) {
        byte[] head = request.encode(eol);
        byte[] bytes = concat(head, trailing);
        for (int[] split : List.of(new int[0], cutPoints(cuts, bytes.length), everyByte(bytes.length))) {
            byte[] copy = bytes.clone();
            RequestParser parser = RequestParser.withDefaults();
            Fed fed = feed(parser, copy, split);
            String where = "split " + Arrays.toString(split.length > 20 ? Arrays.copyOf(split, 20) : split);
            ParseResult.Complete complete = assertInstanceOf(ParseResult.Complete.class, fed.last(),
                    () -> where + ": " + describe(fed.last(), -1));
            Request r = complete.request();
            assertEquals(request.method(), r.method().name(), where);
            assertEquals(request.target(), r.line().target(), where);
            assertEquals(request.version(), r.version(), where);
            assertEquals(request.expectedFields(), r.fields(), where);
            assertEquals(request.body() == null ? 0 : request.body().length, r.bodyLength(), where);
            assertEquals(head.length, fed.consumed(), where + ": the request ends at byte " + head.length);
            assertArrayEquals(bytes, copy, "the parser wrote into its input");
            assertSame(complete, parser.endOfInput(), where + ": endOfInput after Complete");
        }
    }

    /**
     * (d) for any input: when it parses Complete having consumed k bytes, the first k bytes alone
     * are that same request, the first k-1 are not yet a request, and nothing after byte k was
     * touched.
     */
    @Property(tries = TRIES)
    void completeStopsExactlyAtTheEndOfTheRequest(@ForAll("anyInput") Input input, @ForAll("limits") Limits limits,
            @ForAll("trailing") byte[] trailing) {
        byte[] bytes = concat(input.bytes(), trailing);
        byte[] copy = bytes.clone();
        ByteBuffer buffer = ByteBuffer.wrap(copy);
        ParseResult result = new RequestParser(limits).parse(buffer);
        assertArrayEquals(bytes, copy, "the parser wrote into its input");
        if (!(result instanceof ParseResult.Complete)) {
            Statistics.label("complete").collect(false);
            return;
        }
        Statistics.label("complete").collect(true);
        int k = buffer.position();
        assertEquals(bytes.length, buffer.limit(), "limit moved");
        String expected = describe(result, k);
        ByteBuffer exact = ByteBuffer.wrap(bytes, 0, k);
        assertEquals(expected, describe(new RequestParser(limits).parse(exact), exact.position()), "the first " + k + " bytes alone");
        if (k > 0) {
            ByteBuffer shorter = ByteBuffer.wrap(bytes, 0, k - 1);
            assertEquals("need-more", describe(new RequestParser(limits).parse(shorter), shorter.position()),
                    "the first " + (k - 1) + " bytes already decided the request");
        }
    }

    // ------------------------------------------------------------------------------------------
    // Feeding and describing
    // ------------------------------------------------------------------------------------------

    /** The last result, and how many bytes the parser consumed in all. */
    record Fed(ParseResult last, int consumed) {}

    /**
     * Offers {@code bytes} in pieces cut at the ascending offsets {@code cuts} (an offset may
     * repeat: an empty piece), checking what every call must hold: NeedMore consumed everything
     * offered; after Complete or Failed, later calls consume nothing and return the same result.
     */
    static Fed feed(RequestParser parser, byte[] bytes, int[] cuts) {
        ParseResult last = ParseResult.NEED_MORE;
        int consumed = 0;
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : bytes.length;
            ByteBuffer piece = ByteBuffer.wrap(bytes, from, to - from);
            boolean wasFinal = !(last instanceof ParseResult.NeedMore);
            ParseResult before = last;
            last = parser.parse(piece);
            if (last == null) {
                fail("parse returned null");
            }
            if (last instanceof ParseResult.Empty) {
                fail("parse said Empty; only endOfInput may");
            }
            int took = piece.position() - from;
            assertTrue(took >= 0 && piece.limit() == to, "the parser moved its buffer's limit or position backwards");
            if (wasFinal) {
                assertSame(before, last, "a final result changed");
                assertEquals(0, took, "bytes consumed after a final result");
            } else if (last instanceof ParseResult.NeedMore) {
                assertEquals(to - from, took, "NeedMore, but not everything offered was consumed");
            }
            consumed += took;
            from = to;
        }
        return new Fed(last, consumed);
    }

    /** What a run ends in, as text: the request (and bytes consumed) or the failure status; then EOF's answer. */
    static String outcome(Limits limits, byte[] bytes, int[] cuts) {
        RequestParser parser = new RequestParser(limits);
        Fed fed = feed(parser, bytes, cuts);
        return describe(fed.last(), fed.consumed()) + " | at EOF: " + describe(parser.endOfInput(), fed.consumed());
    }

    static String describe(ParseResult result, int consumed) {
        if (result instanceof ParseResult.Failed f) {
            return "fail " + f.status().code();
        }
        if (result instanceof ParseResult.Complete c) {
            Request r = c.request();
            StringBuilder s = new StringBuilder("complete ").append(r.method()).append(' ')
                    .append(escape(r.line().target().getBytes(StandardCharsets.ISO_8859_1))).append(' ')
                    .append(r.version().text()).append(" body=").append(r.bodyLength()).append(" fields=[");
            for (Field field : r.fields()) {
                s.append(escape(field.name().getBytes(StandardCharsets.ISO_8859_1))).append(": ")
                        .append(escape(field.value().getBytes(StandardCharsets.ISO_8859_1))).append("; ");
            }
            s.append(']');
            if (consumed >= 0) {
                s.append(" consumed=").append(consumed);
            }
            return s.toString();
        }
        return result instanceof ParseResult.Empty ? "empty" : "need-more";
    }

    static void checkFailureStatus(ParseResult result) {
        if (result instanceof ParseResult.Failed f) {
            assertTrue(f.status().isError() && f.status().code() < 600, "not a 4xx/5xx: " + f.status());
            assertTrue(PARSER_STATUSES.contains(f.status().code()), "not a status the parser documents: " + f.status());
            assertNotNull(f.reason(), "a failure without a reason for the log");
        }
    }

    /** Maps arbitrary ints to sorted offsets in [0, length] (duplicates allowed: empty pieces). */
    static int[] cutPoints(List<Integer> raw, int length) {
        return raw.stream().mapToInt(i -> Math.floorMod(i, length + 1)).sorted().toArray();
    }

    static int[] everyByte(int length) {
        int[] cuts = new int[Math.max(0, length - 1)];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = i + 1;
        }
        return cuts;
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Printable text for a report: escapes, and runs of 8 or more equal bytes as {@code {b*n}}. */
    static String escape(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < bytes.length; ) {
            int run = 1;
            while (i + run < bytes.length && bytes[i + run] == bytes[i]) {
                run++;
            }
            if (run >= 8) {
                s.append('{').append(escapeByte(bytes[i] & 0xFF)).append('*').append(run).append('}');
                i += run;
            } else {
                s.append(escapeByte(bytes[i] & 0xFF));
                i++;
            }
        }
        return s.toString();
    }

    private static String escapeByte(int b) {
        return switch (b) {
            case '\r' -> "\\r";
            case '\n' -> "\\n";
            case '\t' -> "\\t";
            case '\\' -> "\\\\";
            case '{' -> "\\{";
            default -> b >= 0x20 && b < 0x7F ? String.valueOf((char) b) : String.format("\\x%02X", b);
        };
    }

    // ------------------------------------------------------------------------------------------
    // Generators
    // ------------------------------------------------------------------------------------------

    /** Line endings of a generated request: all CRLF, all bare LF, or alternating. */
    enum Eol { CRLF, LF, MIXED }

    /** A field as sent: {@code name ":" before value after}; the parser must give {@code value} without OWS. */
    record GenField(String name, String value, String before, String after) {
        Field expected() {
            int from = 0;
            int to = value.length();
            while (from < to && (value.charAt(from) == ' ' || value.charAt(from) == '\t')) {
                from++;
            }
            while (to > from && (value.charAt(to - 1) == ' ' || value.charAt(to - 1) == '\t')) {
                to--;
            }
            return new Field(name, value.substring(from, to));
        }
    }

    /**
     * A valid request: {@code leadingEmptyLines} empty lines, then the request line, then the
     * fields (Content-Length among them when there is a body), the empty line and the body. A
     * version of HTTP/0.9 is a Simple-Request: {@code GET SP target} and its line ending only.
     */
    record ValidRequest(int leadingEmptyLines, String method, String target, Version version, List<GenField> fields, byte[] body) {
        byte[] encode(Eol eol) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int[] lineNo = {0};
            Runnable end = () -> {
                boolean crlf = eol == Eol.CRLF || eol == Eol.MIXED && lineNo[0] % 2 == 0;
                out.writeBytes(crlf ? new byte[] {'\r', '\n'} : new byte[] {'\n'});
                lineNo[0]++;
            };
            for (int i = 0; i < leadingEmptyLines; i++) {
                end.run();
            }
            if (version == Version.HTTP_0_9) {
                out.writeBytes(("GET " + target).getBytes(StandardCharsets.ISO_8859_1));
                end.run();
                return out.toByteArray();
            }
            out.writeBytes((method + " " + target + " " + version.text()).getBytes(StandardCharsets.ISO_8859_1));
            end.run();
            for (GenField f : fields) {
                out.writeBytes((f.name() + ":" + f.before() + f.value() + f.after()).getBytes(StandardCharsets.ISO_8859_1));
                end.run();
            }
            end.run();
            if (body != null) {
                out.writeBytes(body);
            }
            return out.toByteArray();
        }

        List<Field> expectedFields() {
            return fields.stream().map(GenField::expected).toList();
        }

        @Override
        public String toString() {
            return "ValidRequest[" + escape(encode(Eol.CRLF)) + "]";
        }
    }

    /** An input and how it was made, printed in full (runs compressed) when a property fails. */
    record Input(String how, byte[] bytes) {
        @Override
        public String toString() {
            return how + " (" + bytes.length + " bytes) \"" + escape(bytes) + "\"";
        }
    }

    enum Kind { FLIP_BIT, REPLACE_BYTE, INSERT_BYTE, DELETE_RANGE, DUPLICATE_RANGE, TRUNCATE, INSERT_SPECIAL, LONG_RUN, SPLICE }

    /** Bytes that matter to the grammar, inserted by {@link Kind#INSERT_SPECIAL} and repeated by {@link Kind#LONG_RUN}. */
    static final byte[][] SPECIAL = {
        {'\r'}, {'\n'}, {'\r', '\n'}, {0}, {' '}, {'\t'}, {':'}, {0x7F}, {(byte) 0x80}, {(byte) 0xFF}, {(byte) 0xC0},
        {'/'}, {'0'}, {'a'}, {'\r', '\n', '\r', '\n'}, {'\n', ' '},
    };

    /**
     * One edit of a byte array. Positions are arbitrary ints taken modulo the current length, so
     * that a list of mutations always applies and shrinks towards position 0 and short lengths.
     */
    record Mutation(Kind kind, int at, int length, int value, byte[] other) {
        byte[] apply(byte[] in) {
            int n = in.length;
            int p = Math.floorMod(at, n + 1);
            return switch (kind) {
                case FLIP_BIT -> {
                    if (n == 0) {
                        yield in;
                    }
                    byte[] out = in.clone();
                    out[p % n] ^= (byte) (1 << (value & 7));
                    yield out;
                }
                case REPLACE_BYTE -> {
                    if (n == 0) {
                        yield in;
                    }
                    byte[] out = in.clone();
                    out[p % n] = (byte) value;
                    yield out;
                }
                case INSERT_BYTE -> insert(in, p, new byte[] {(byte) value});
                case DELETE_RANGE -> {
                    int len = Math.min(length, n - p);
                    byte[] out = new byte[n - len];
                    System.arraycopy(in, 0, out, 0, p);
                    System.arraycopy(in, p + len, out, p, n - p - len);
                    yield out;
                }
                case DUPLICATE_RANGE -> {
                    int len = Math.min(length, n - p);
                    yield insert(in, p + len, Arrays.copyOfRange(in, p, p + len));
                }
                case TRUNCATE -> Arrays.copyOf(in, p);
                case INSERT_SPECIAL -> insert(in, p, SPECIAL[Math.floorMod(value, SPECIAL.length)]);
                case LONG_RUN -> {
                    byte[] unit = value < 0 ? new byte[] {(byte) ~value} : SPECIAL[value % SPECIAL.length];
                    byte[] run = new byte[length * unit.length];
                    for (int i = 0; i < run.length; i++) {
                        run[i] = unit[i % unit.length];
                    }
                    yield insert(in, p, run);
                }
                case SPLICE -> {
                    // this input's first p bytes, then the other request from its byte `length` on
                    int q = Math.floorMod(length, other.length + 1);
                    yield concat(Arrays.copyOf(in, p), Arrays.copyOfRange(other, q, other.length));
                }
            };
        }

        private static byte[] insert(byte[] in, int p, byte[] what) {
            byte[] out = new byte[in.length + what.length];
            System.arraycopy(in, 0, out, 0, p);
            System.arraycopy(what, 0, out, p, what.length);
            System.arraycopy(in, p, out, p + what.length, in.length - p);
            return out;
        }

        @Override
        public String toString() {
            return kind + "@" + at + (kind == Kind.SPLICE ? "+other[" + length + "..]=\"" + escape(other) + "\"" : "/" + length + "/" + value);
        }
    }

    static final String TCHAR = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    static final String SAFE_PATH = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@/%?";

    /** The parser limits of a try: the defaults, or small ones that short inputs can exceed. */
    @Provide
    Arbitrary<Limits> limits() {
        Arbitrary<Limits> small = Arbitraries.integers().between(16, 80).flatMap(line -> Combinators.combine(
                Arbitraries.integers().between(line, line + 200),
                Arbitraries.integers().between(0, 6),
                Arbitraries.longs().between(0, 64)).as((head, fields, body) -> new Limits(line, head, fields, body)));
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(Limits.DEFAULTS)),
                Tuple.of(2, small));
    }

    @Provide
    Arbitrary<List<Integer>> cuts() {
        return Arbitraries.integers().between(0, Integer.MAX_VALUE).list().ofMaxSize(16);
    }

    @Provide
    Arbitrary<byte[]> trailing() {
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(new byte[0])),
                Tuple.of(2, Arbitraries.bytes().array(byte[].class).ofMaxSize(64)),
                Tuple.of(1, validRequestArbitrary().map(r -> r.encode(Eol.CRLF))));
    }

    static Arbitrary<String> tokens(int min, int max) {
        return Arbitraries.strings().withChars(TCHAR).ofMinLength(min).ofMaxLength(max);
    }

    static Arbitrary<String> fieldNames() {
        return Arbitraries.oneOf(tokens(1, 24),
                Arbitraries.of("Host", "User-Agent", "Accept", "If-Modified-Since", "Connection", "Referer", "X-Forwarded-For"))
                .filter(n -> !n.equalsIgnoreCase("Content-Length") && !n.equalsIgnoreCase("Transfer-Encoding"));
    }

    static Arbitrary<String> ows() {
        return Arbitraries.strings().withChars(" \t").ofMaxLength(3);
    }

    static Arbitrary<GenField> fields() {
        // field-value bytes: VCHAR, obs-text, SP and HTAB (RFC 9110 §5.5); OWS around it is dropped
        Arbitrary<String> value = Arbitraries.strings().withCharRange((char) 0x21, (char) 0x7E)
                .withCharRange((char) 0x80, (char) 0xFF).withChars(" \t").ofMaxLength(60);
        return Combinators.combine(fieldNames(), value, ows(), ows()).as(GenField::new);
    }

    static Arbitrary<String> targets() {
        Arbitrary<String> safe = Arbitraries.strings().withChars(SAFE_PATH).ofMaxLength(60).map(s -> "/" + s);
        Arbitrary<String> anyVisible = Arbitraries.strings().withCharRange((char) 0x21, (char) 0x7E).ofMinLength(1).ofMaxLength(60);
        Arbitrary<String> absolute = Combinators.combine(tokens(1, 12), Arbitraries.strings().withChars(SAFE_PATH).ofMaxLength(30))
                .as((host, path) -> "http://" + host + "/" + path);
        return Arbitraries.frequencyOf(
                Tuple.of(8, safe),
                Tuple.of(2, anyVisible),
                Tuple.of(1, absolute),
                Tuple.of(1, Arbitraries.of("*", "/", "/index.html", "/small.txt")));
    }

    /**
     * Targets of a Simple-Request: a Request-URI in form (RFC 1945 §5.1.2: "*", absoluteURI or
     * abs_path); any other second word makes the line a malformed Full-Request.
     */
    static Arbitrary<String> requestUris() {
        Arbitrary<String> anyPath = Arbitraries.strings().withCharRange((char) 0x21, (char) 0x7E).ofMaxLength(60).map(s -> "/" + s);
        return Arbitraries.frequencyOf(
                Tuple.of(10, targets().filter(t -> t.startsWith("/") || t.equals("*") || t.startsWith("http://"))),
                Tuple.of(2, anyPath));
    }

    @Provide
    Arbitrary<ValidRequest> validRequests() {
        return validRequestArbitrary();
    }

    static Arbitrary<ValidRequest> validRequestArbitrary() {
        Arbitrary<Integer> leading = Arbitraries.frequencyOf(
                Tuple.of(10, Arbitraries.just(0)),
                Tuple.of(1, Arbitraries.integers().between(1, 3)));
        Arbitrary<ValidRequest> simple = Combinators.combine(leading, requestUris())
                .as((lead, target) -> new ValidRequest(lead, "GET", target, Version.HTTP_0_9, List.of(), null));
        Arbitrary<ValidRequest> full = Arbitraries.of(Method.values()).flatMap(method -> {
            Arbitrary<byte[]> body = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
            Arbitrary<byte[]> maybeBody = method.requiresBody() ? body : body.injectNull(0.5);
            return Combinators.combine(leading, targets(), Arbitraries.of(Version.HTTP_1_0, Version.HTTP_1_1),
                    fields().list().ofMaxSize(20), maybeBody, contentLengthFields())
                    .as((lead, target, version, fs, b, cl) -> {
                        List<GenField> all = new ArrayList<>(fs);
                        if (b != null) {
                            // one or two Content-Length fields that agree, at positions chosen by cl.positions
                            for (int i = 0; i < cl.size(); i++) {
                                ClField c = cl.get(i);
                                String digits = "0".repeat(c.zeros()) + b.length;
                                all.add(Math.floorMod(c.position(), all.size() + 1), new GenField(c.name(), digits, c.before(), c.after()));
                            }
                        }
                        return new ValidRequest(lead, method.name(), target, version, all, b);
                    });
        });
        return Arbitraries.frequencyOf(Tuple.of(1, simple), Tuple.of(14, full));
    }

    /** A Content-Length field: its spelling, leading zeros, OWS, and where it goes among the fields. */
    record ClField(String name, int zeros, String before, String after, int position) {}

    static Arbitrary<List<ClField>> contentLengthFields() {
        Arbitrary<ClField> one = Combinators.combine(
                Arbitraries.of("Content-Length", "content-length", "CONTENT-LENGTH", "Content-length"),
                Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just(0)), Tuple.of(1, Arbitraries.integers().between(1, 3))),
                ows(), ows(), Arbitraries.integers().between(0, 1000)).as(ClField::new);
        return Arbitraries.frequencyOf(
                Tuple.of(6, one.list().ofSize(1)),
                Tuple.of(1, one.list().ofSize(2)));
    }

    static Arbitrary<Mutation> mutations() {
        Arbitrary<Integer> at = Arbitraries.integers().between(0, Integer.MAX_VALUE);
        Arbitrary<Integer> anyByte = Arbitraries.integers().between(0, 255);
        Arbitrary<Integer> shortLen = Arbitraries.integers().between(1, 16);
        Arbitrary<Integer> runLen = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.integers().between(1, 100)),
                Tuple.of(2, Arbitraries.integers().between(100, 1000)),
                Tuple.of(1, Arbitraries.integers().between(1000, 20_000)));
        // a run unit: one of SPECIAL (value >= 0), or any single byte b (value = ~b < 0)
        Arbitrary<Integer> runUnit = Arbitraries.oneOf(Arbitraries.integers().between(0, SPECIAL.length - 1),
                anyByte.map(b -> ~b));
        Arbitrary<Mutation> simple = Combinators.combine(
                Arbitraries.of(Kind.FLIP_BIT, Kind.REPLACE_BYTE, Kind.INSERT_BYTE, Kind.DELETE_RANGE, Kind.DUPLICATE_RANGE,
                        Kind.TRUNCATE, Kind.INSERT_SPECIAL),
                at, shortLen, anyByte).as((k, a, l, v) -> new Mutation(k, a, l, v, null));
        Arbitrary<Mutation> longRun = Combinators.combine(at, runLen, runUnit)
                .as((a, l, v) -> new Mutation(Kind.LONG_RUN, a, l, v, null));
        Arbitrary<Mutation> splice = Combinators.combine(at, Arbitraries.integers().between(0, Integer.MAX_VALUE),
                validRequestArbitrary(), Arbitraries.of(Eol.values()))
                .as((a, l, r, eol) -> new Mutation(Kind.SPLICE, a, l, 0, r.encode(eol)));
        return Arbitraries.frequencyOf(
                Tuple.of(12, simple),
                Tuple.of(2, longRun),
                Tuple.of(2, splice));
    }

    @Provide
    Arbitrary<Input> anyInput() {
        Arbitrary<Input> valid = Combinators.combine(validRequestArbitrary(), Arbitraries.of(Eol.values()))
                .as((r, eol) -> new Input("valid " + eol, r.encode(eol)));
        Arbitrary<Input> mutated = Combinators.combine(validRequestArbitrary(), Arbitraries.of(Eol.values()), mutations().list().ofMinSize(1).ofMaxSize(5))
                .as((r, eol, ms) -> {
                    byte[] b = r.encode(eol);
                    for (Mutation m : ms) {
                        b = m.apply(b);
                    }
                    return new Input("mutated " + ms, b);
                });
        Arbitrary<Input> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(600).map(b -> new Input("random", b));
        Arbitrary<Input> httpish = Arbitraries.strings()
                .withChars("GETHPOST /1.0\r\n\r\n:aC-Length: 0123456789\t\u0000\u0080\u00ff")
                .ofMaxLength(600).map(s -> new Input("http-ish", s.getBytes(StandardCharsets.ISO_8859_1)));
        return Arbitraries.frequencyOf(
                Tuple.of(6, mutated),
                Tuple.of(1, valid),
                Tuple.of(1, random),
                Tuple.of(2, httpish));
    }
}
