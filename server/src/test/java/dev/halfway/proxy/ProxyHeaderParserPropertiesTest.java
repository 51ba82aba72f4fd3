package dev.halfway.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
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
 * Property-based tests of {@link ProxyHeaderParser}: random valid v1 and v2 headers (random
 * addresses written in every text form §2.1 and RFC 4291 allow, random ports, random TLVs, every
 * command, family and transport), followed by random trailing bytes and split at random points;
 * and arbitrary bytes, mutated headers and cut headers.
 *
 * <ul>
 *   <li>(a) a valid header gives exactly the fields it was made with, and exactly the trailing
 *       bytes are left, whatever the split; the hosts are what the JDK prints for those addresses
 *       ({@link InetSocketAddress}, as the access log does).</li>
 *   <li>(b) whatever the bytes, {@code parse} never throws, gives a known result, and the outcome
 *       (result and bytes consumed) does not depend on the split; {@code endOfInput} never says
 *       NeedMore.</li>
 *   <li>(c) every proper prefix of a valid header is NeedMore, all consumed, and Failed at the
 *       end of input.</li>
 *   <li>(d) bytes that leave both signatures fail at the first such byte, and a failure after k
 *       bytes was not decidable from the first k - 1.</li>
 *   <li>(e) a v2 header with a TLV past its end, an address block too short for its family, or a
 *       length over the limit fails with that reason at the byte that shows it.</li>
 * </ul>
 *
 * <p>Tries: as in {@code RequestParserPropertiesTest}, a small count by default, raised for
 * {@code -Pheavy} (system property {@code halfway.heavy}) or by {@code -Dhalfway.fuzz.tries=N}.
 */
@AddLifecycleHook(value = ProxyHeaderParserPropertiesTest.HeavyTries.class, propagateTo = PropagationMode.DIRECT_DESCENDANTS)
class ProxyHeaderParserPropertiesTest {

    static final boolean HEAVY = Boolean.getBoolean("halfway.heavy");
    static final int HEAVY_TRIES = Integer.getInteger("halfway.fuzz.tries", 20_000);
    static final int TRIES = 400;

    /** Raises the tries of every property in this class for {@code -Pheavy}. */
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
            return -100;
        }
    }

    static final Set<String> REASONS = Set.of(ProxyHeaderParser.NOT_PROXY, ProxyHeaderParser.V1_TOO_LONG,
            ProxyHeaderParser.V1_BARE_CR_LF, ProxyHeaderParser.V1_PROTOCOL, ProxyHeaderParser.V1_FIELDS,
            ProxyHeaderParser.V1_SOURCE_ADDRESS, ProxyHeaderParser.V1_DESTINATION_ADDRESS, ProxyHeaderParser.V1_SOURCE_PORT,
            ProxyHeaderParser.V1_DESTINATION_PORT, ProxyHeaderParser.V2_VERSION, ProxyHeaderParser.V2_COMMAND,
            ProxyHeaderParser.V2_FAMILY, ProxyHeaderParser.V2_TRANSPORT, ProxyHeaderParser.V2_TOO_LONG,
            ProxyHeaderParser.V2_SHORT_BLOCK, ProxyHeaderParser.V2_TLV, ProxyHeaderParser.INPUT_ENDED_BEFORE,
            ProxyHeaderParser.INPUT_ENDED_INSIDE);
    static final Set<String> WHYS = Set.of(ProxyHeaderParser.V1_UNKNOWN, ProxyHeaderParser.V2_LOCAL,
            ProxyHeaderParser.V2_UNSPEC_FAMILY, ProxyHeaderParser.V2_UNSPEC_TRANSPORT, ProxyHeaderParser.V2_UNIX,
            ProxyHeaderParser.V2_DGRAM);

    // ------------------------------------------------------------------------------------------
    // Properties
    // ------------------------------------------------------------------------------------------

    /** (a) A valid header gives its fields and leaves exactly the trailing bytes, however split. */
    @Property(tries = TRIES)
    void validHeadersGiveTheirFieldsAndLeaveTheRest(@ForAll("headers") Header header, @ForAll("trailing") byte[] trailing,
            @ForAll("cuts") List<Integer> cuts) {
        byte[] bytes = concat(header.bytes(), trailing);
        for (int[] split : List.of(new int[0], cutPoints(cuts, bytes.length), everyByte(bytes.length))) {
            byte[] copy = bytes.clone();
            ProxyHeaderParser parser = ProxyHeaderParser.withDefaults();
            Fed fed = feed(parser, copy, split);
            String where = header.text() + " split " + Arrays.toString(split.length > 20 ? Arrays.copyOf(split, 20) : split);
            assertEquals(header.expected(), fed.last(), where);
            assertEquals(header.bytes().length, fed.consumed(), where + ": the header ends at byte " + header.bytes().length);
            assertEquals(escape(trailing), escape(fed.left()), where + ": the bytes left");
            assertArrayEquals(bytes, copy, where + ": the parser wrote into its input");
            assertSame(fed.last(), parser.endOfInput(), where + ": endOfInput after the header");
        }
        Statistics.label("header").collect(header.kind());
    }

    /** (b) Whatever the bytes and however they are cut, the parser answers the same, and never throws. */
    @Property(tries = TRIES)
    void anyBytesGiveAKnownResultWhateverTheSplit(@ForAll("anyInput") byte[] input, @ForAll("cuts") List<Integer> cuts) {
        String whole = outcome(input, new int[0]);
        assertEquals(whole, outcome(input, cutPoints(cuts, input.length)), "split vs. whole");
        assertEquals(whole, outcome(input, everyByte(input.length)), "byte by byte vs. whole");
        ProxyHeaderParser parser = ProxyHeaderParser.withDefaults();
        parser.parse(ByteBuffer.wrap(input));
        Statistics.label("outcome").collect(label(parser.endOfInput()));
    }

    /** A result without its addresses, for the statistics. */
    static String label(ProxyResult r) {
        if (r instanceof ProxyResult.Proxied p) {
            return "Proxied v" + p.version() + " " + p.family();
        }
        if (r instanceof ProxyResult.Local l) {
            return "Local: " + l.why();
        }
        return r instanceof ProxyResult.Failed f ? "Failed: " + f.reason() : "NeedMore";
    }

    /** (c) A header cut anywhere before its end needs more, and fails when the input ends there. */
    @Property(tries = TRIES)
    void everyProperPrefixNeedsMore(@ForAll("headers") Header header, @ForAll("cuts") List<Integer> cuts) {
        int n = Math.floorMod(cuts.isEmpty() ? 0 : cuts.get(0), header.bytes().length);
        byte[] prefix = Arrays.copyOf(header.bytes(), n);
        ProxyHeaderParser parser = ProxyHeaderParser.withDefaults();
        Fed fed = feed(parser, prefix, cutPoints(cuts, n));
        assertSame(ProxyResult.NEED_MORE, fed.last(), header.text() + ": the first " + n + " bytes");
        assertEquals(n, fed.consumed());
        String reason = n == 0 ? ProxyHeaderParser.INPUT_ENDED_BEFORE : ProxyHeaderParser.INPUT_ENDED_INSIDE;
        assertEquals(new ProxyResult.Failed(reason), parser.endOfInput(), header.text() + ": the first " + n + " bytes, then the end");
    }

    /**
     * (d) Bytes that cannot continue either signature fail at the first that cannot, with "not a
     * PROXY protocol header"; and any failure after k bytes was NeedMore after k - 1.
     */
    @Property(tries = TRIES)
    void failuresAreDecidedByTheirLastByte(@ForAll("anyInput") byte[] input) {
        Fed fed = feed(ProxyHeaderParser.withDefaults(), input.clone(), new int[0]);
        int diverges = divergence(input);
        if (diverges >= 0) {
            assertEquals(new ProxyResult.Failed(ProxyHeaderParser.NOT_PROXY), fed.last(), "leaves the signatures at byte " + (diverges + 1));
            assertEquals(diverges + 1, fed.consumed(), "fails at the byte that leaves the signatures");
        }
        if (fed.last() instanceof ProxyResult.Failed) {
            int k = fed.consumed();
            assertTrue(k >= 1, "Failed having consumed nothing");
            Fed shorter = feed(ProxyHeaderParser.withDefaults(), Arrays.copyOf(input, k - 1), new int[0]);
            assertSame(ProxyResult.NEED_MORE, shorter.last(), "already decided by the first " + (k - 1) + " bytes");
        }
        Statistics.label("leaves a signature").collect(diverges >= 0);
    }

    /**
     * (e) A v2 header broken in one of the ways only the length field shows (a TLV past the end, a
     * block too short for its family, a header over the limit) fails with that reason, at the byte
     * that shows it, and leaves what follows.
     */
    @Property(tries = TRIES)
    void brokenV2HeadersFailWithTheirReason(@ForAll("brokenV2") Broken broken, @ForAll("trailing") byte[] trailing,
            @ForAll("cuts") List<Integer> cuts) {
        byte[] bytes = concat(broken.bytes(), trailing);
        for (int[] split : List.of(new int[0], cutPoints(cuts, bytes.length), everyByte(bytes.length))) {
            Fed fed = feed(ProxyHeaderParser.withDefaults(), bytes.clone(), split);
            String where = broken + " split " + Arrays.toString(split.length > 20 ? Arrays.copyOf(split, 20) : split);
            assertEquals(new ProxyResult.Failed(broken.reason()), fed.last(), where);
            assertEquals(broken.decidedAt(), fed.consumed(), where);
            assertEquals(escape(Arrays.copyOfRange(bytes, broken.decidedAt(), bytes.length)), escape(fed.left()), where);
        }
        Statistics.label("broken").collect(broken.reason());
    }

    // ------------------------------------------------------------------------------------------
    // Feeding
    // ------------------------------------------------------------------------------------------

    /** The last result, how many bytes the parser consumed, and the bytes left in all the pieces. */
    record Fed(ProxyResult last, int consumed, byte[] left) {}

    /**
     * Offers {@code bytes} in pieces cut at the ascending offsets {@code cuts} (repeats are empty
     * pieces), checking what every call must hold: NeedMore consumed everything offered; after a
     * final result later calls consume nothing and return the same result; the limit never moves.
     */
    static Fed feed(ProxyHeaderParser parser, byte[] bytes, int[] cuts) {
        ProxyResult last = ProxyResult.NEED_MORE;
        ByteArrayOutputStream left = new ByteArrayOutputStream();
        int consumed = 0;
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : bytes.length;
            ByteBuffer piece = ByteBuffer.wrap(bytes, from, to - from);
            ProxyResult before = last;
            last = parser.parse(piece);
            assertNotNull(last, "parse returned null");
            assertEquals(to, piece.limit(), "the parser moved the limit");
            int took = piece.position() - from;
            assertTrue(took >= 0, "the parser moved the position back");
            if (!(before instanceof ProxyResult.NeedMore)) {
                assertSame(before, last, "a final result changed");
                assertEquals(0, took, "bytes consumed after a final result");
            } else if (last instanceof ProxyResult.NeedMore) {
                assertSame(ProxyResult.NEED_MORE, last, "a NeedMore that is not the constant");
                assertEquals(to - from, took, "NeedMore, but not everything offered was consumed");
            }
            checkKnown(last);
            consumed += took;
            left.write(bytes, piece.position(), to - piece.position());
            from = to;
        }
        return new Fed(last, consumed, left.toByteArray());
    }

    /** The result and bytes consumed, then what the end of input makes of it. */
    static String outcome(byte[] input, int[] cuts) {
        ProxyHeaderParser parser = ProxyHeaderParser.withDefaults();
        byte[] copy = input.clone();
        Fed fed = feed(parser, copy, cuts);
        assertArrayEquals(input, copy, "the parser wrote into its input");
        ProxyResult atEof = parser.endOfInput();
        assertTrue(!(atEof instanceof ProxyResult.NeedMore), "endOfInput said NeedMore");
        checkKnown(atEof);
        if (!(fed.last() instanceof ProxyResult.NeedMore)) {
            assertSame(fed.last(), atEof, "endOfInput changed a final result");
        }
        return fed.last() + " consumed " + fed.consumed() + " | at EOF: " + atEof;
    }

    /** One of the four results, with a documented reason or why, and Proxied fields in range. */
    static void checkKnown(ProxyResult r) {
        if (r instanceof ProxyResult.Failed f) {
            assertTrue(REASONS.contains(f.reason()), () -> "an undocumented reason: " + f.reason());
        } else if (r instanceof ProxyResult.Local l) {
            assertTrue(WHYS.contains(l.why()), () -> "an undocumented why: " + l.why());
            assertTrue(l.version() == 1 || l.version() == 2);
        } else if (r instanceof ProxyResult.Proxied p) {
            assertTrue(p.family().equals("TCP4") || p.family().equals("TCP6"), p.family());
            assertTrue(p.sourcePort() >= 0 && p.sourcePort() <= 0xFFFF && p.destinationPort() >= 0 && p.destinationPort() <= 0xFFFF);
            assertTrue(p.version() == 1 || p.version() == 2);
        } else {
            assertTrue(r instanceof ProxyResult.NeedMore, () -> "an unknown result " + r);
        }
    }

    static final byte[] V1_SIGNATURE = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    static final byte[] V2_SIGNATURE = ProxyHeaderParserTest.SIGNATURE;

    /** The index of the first byte at which {@code input} is a prefix of neither signature, or -1. */
    static int divergence(byte[] input) {
        if (input.length == 0) {
            return -1;
        }
        byte[] signature = input[0] == 'P' ? V1_SIGNATURE : V2_SIGNATURE;
        for (int i = 0; i < Math.min(input.length, signature.length); i++) {
            if (input[i] != signature[i]) {
                return i;
            }
        }
        return -1;
    }

    static int[] cutPoints(List<Integer> raw, int length) {
        return raw.stream().mapToInt(i -> Math.floorMod(i, length + 1)).sorted().toArray();
    }

    static int[] everyByte(int length) {
        return ProxyHeaderParserTest.everyByte(length);
    }

    static byte[] concat(byte[]... parts) {
        return ProxyHeaderParserTest.concat(parts);
    }

    static String escape(byte[] bytes) {
        return ProxyHeaderParserTest.escape(bytes);
    }

    // ------------------------------------------------------------------------------------------
    // Generators
    // ------------------------------------------------------------------------------------------

    /**
     * A header as generated: its bytes, and the result it must give. {@code text} describes it for
     * a failure report; {@code kind} labels the statistics.
     */
    record Header(String kind, String text, byte[] bytes, ProxyResult expected) {
        @Override
        public String toString() {
            return kind + " " + text;
        }
    }

    @Provide
    Arbitrary<Header> headers() {
        // Weighted towards the forms with the most ways to be written: IPv6 text, and TLVs.
        return Arbitraries.frequencyOf(Tuple.of(2, v1Tcp4()), Tuple.of(4, v1Tcp6()), Tuple.of(1, v1Unknown()), Tuple.of(3, v2Tcp()),
                Tuple.of(1, v2Local()), Tuple.of(2, v2WithoutTcpAddress()));
    }

    @Provide
    Arbitrary<byte[]> trailing() {
        return Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(64),
                Arbitraries.just(ProxyHeaderParserTest.REQUEST),
                // The trailing bytes may be a header themselves; they are still the request's.
                headers().map(Header::bytes));
    }

    @Provide
    Arbitrary<List<Integer>> cuts() {
        return Arbitraries.integers().between(0, 4096).list().ofMaxSize(12);
    }

    /** Arbitrary bytes, bytes that begin like a header, and valid headers mutated or cut. */
    @Provide
    Arbitrary<byte[]> anyInput() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
        Arbitrary<byte[]> v1ish = Combinators.combine(Arbitraries.strings().withChars("PROXY TCP46UNKWN0123456789abcdef.:\r\n ").ofMaxLength(120),
                Arbitraries.integers().between(0, 6)).as((s, n) -> concat(Arrays.copyOf(V1_SIGNATURE, n), s.getBytes(StandardCharsets.US_ASCII)));
        Arbitrary<byte[]> v2ish = Combinators.combine(Arbitraries.integers().between(0, 12), Arbitraries.bytes().array(byte[].class).ofMaxSize(80),
                Arbitraries.of(0x20, 0x21, 0x11, 0x22, 0x2F), Arbitraries.of(0x00, 0x11, 0x21, 0x12, 0x31, 0x41, 0x13),
                Arbitraries.integers().between(0, 80))
                .as((n, rest, verCmd, famTr, len) -> n < 12 ? concat(Arrays.copyOf(V2_SIGNATURE, n), rest)
                        : concat(V2_SIGNATURE, new byte[] {(byte) (int) verCmd, (byte) (int) famTr, 0, (byte) (int) len}, rest));
        Arbitrary<byte[]> mutated = Combinators.combine(headers(), Arbitraries.integers().between(0, 100_000),
                Arbitraries.bytes(), Arbitraries.of(Mutation.values()))
                .as((h, at, value, mutation) -> mutation.apply(h.bytes(), at, value));
        return Arbitraries.frequencyOf(Tuple.of(2, random), Tuple.of(2, v1ish), Tuple.of(2, v2ish), Tuple.of(4, mutated),
                Tuple.of(1, headers().map(Header::bytes)));
    }

    enum Mutation {
        REPLACE, INSERT, DELETE, CUT;

        byte[] apply(byte[] bytes, int at, byte value) {
            int i = Math.floorMod(at, bytes.length);
            return switch (this) {
                case REPLACE -> ProxyHeaderParserTest.patch(bytes, i, value);
                case INSERT -> concat(Arrays.copyOf(bytes, i), new byte[] {value}, Arrays.copyOfRange(bytes, i, bytes.length));
                case DELETE -> concat(Arrays.copyOf(bytes, i), Arrays.copyOfRange(bytes, i + 1, bytes.length));
                case CUT -> Arrays.copyOf(bytes, i);
            };
        }
    }

    // Addresses and ports

    static Arbitrary<byte[]> ipv4() {
        return Arbitraries.bytes().array(byte[].class).ofSize(4);
    }

    /** Random, sparse (so that there are zero runs to compress), IPv4-mapped, and the all-zero and loopback addresses. */
    static Arbitrary<byte[]> ipv6() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofSize(16);
        Arbitrary<byte[]> sparse = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(0)), Tuple.of(2, Arbitraries.integers().between(0, 0xFFFF)))
                .list().ofSize(8).map(groups -> {
                    byte[] b = new byte[16];
                    for (int g = 0; g < 8; g++) {
                        b[2 * g] = (byte) (groups.get(g) >> 8);
                        b[2 * g + 1] = (byte) (int) groups.get(g);
                    }
                    return b;
                });
        Arbitrary<byte[]> mapped = ipv4().map(v4 -> {
            byte[] b = new byte[16];
            b[10] = (byte) 0xFF;
            b[11] = (byte) 0xFF;
            System.arraycopy(v4, 0, b, 12, 4);
            return b;
        });
        byte[] loopback = new byte[16];
        loopback[15] = 1;
        return Arbitraries.frequencyOf(Tuple.of(3, random), Tuple.of(4, sparse), Tuple.of(2, mapped),
                Tuple.of(1, Arbitraries.of(new byte[16], loopback)));
    }

    static Arbitrary<Integer> ports() {
        return Arbitraries.integers().between(0, 0xFFFF);
    }

    /** The host the JDK prints for these bytes, as {@code InetSocketAddress} in the access log: the contract. */
    static String jdkHost(byte[] address) {
        try {
            return new InetSocketAddress(InetAddress.getByAddress(address), 0).getAddress().getHostAddress();
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** The JDK's reading of an address literal (a literal: no lookup), for a second opinion on the text. */
    static String jdkHostOfLiteral(String literal) {
        try {
            return InetAddress.getByName(literal).getHostAddress();
        } catch (UnknownHostException e) {
            throw new AssertionError(literal, e);
        }
    }

    static String dotted(byte[] b, int at) {
        return (b[at] & 0xFF) + "." + (b[at + 1] & 0xFF) + "." + (b[at + 2] & 0xFF) + "." + (b[at + 3] & 0xFF);
    }

    /** How to write an IPv6 address: heading zeroes to four digits, upper case, the last 32 bits dotted, which zero run "::" replaces. */
    record Ipv6Form(boolean pad, boolean upper, boolean dottedTail, int run) {}

    static Arbitrary<Ipv6Form> ipv6Forms() {
        return Combinators.combine(Arbitraries.of(true, false), Arbitraries.of(true, false), Arbitraries.of(true, false),
                Arbitraries.integers().between(0, 8)).as(Ipv6Form::new);
    }

    /**
     * The address in that form (RFC 4291 §2.2): each group in hex; optionally a dotted quad for the
     * last two; one maximal run of zero groups, chosen by {@code run} (or none), written "::".
     */
    static String ipv6Text(byte[] b, Ipv6Form form) {
        int hexGroups = form.dottedTail() ? 6 : 8;
        List<String> tokens = new ArrayList<>();
        for (int g = 0; g < hexGroups; g++) {
            String hex = Integer.toHexString((b[2 * g] & 0xFF) << 8 | b[2 * g + 1] & 0xFF);
            hex = form.pad() ? "0".repeat(4 - hex.length()) + hex : hex;
            tokens.add(form.upper() ? hex.toUpperCase() : hex);
        }
        if (form.dottedTail()) {
            tokens.add(dotted(b, 12));
        }
        List<int[]> runs = new ArrayList<>();
        for (int g = 0; g < hexGroups; ) {
            if (b[2 * g] == 0 && b[2 * g + 1] == 0) {
                int start = g;
                while (g < hexGroups && b[2 * g] == 0 && b[2 * g + 1] == 0) {
                    g++;
                }
                runs.add(new int[] {start, g - start});
            } else {
                g++;
            }
        }
        int choice = form.run() % (runs.size() + 1);
        if (choice == runs.size()) {
            return String.join(":", tokens);
        }
        int[] run = runs.get(choice);
        return String.join(":", tokens.subList(0, run[0])) + "::" + String.join(":", tokens.subList(run[0] + run[1], tokens.size()));
    }

    // Version 1 (§2.1)

    static Arbitrary<Header> v1Tcp4() {
        return Combinators.combine(ipv4(), ipv4(), ports(), ports()).as((s, d, sp, dp) -> {
            String line = "PROXY TCP4 " + dotted(s, 0) + " " + dotted(d, 0) + " " + sp + " " + dp + "\r\n";
            return new Header("v1 TCP4", line, ascii(line), new ProxyResult.Proxied(1, "TCP4", jdkHost(s), sp, jdkHost(d), dp));
        });
    }

    static Arbitrary<Header> v1Tcp6() {
        return Combinators.combine(ipv6(), ipv6(), ports(), ports(), ipv6Forms(), ipv6Forms()).as((s, d, sp, dp, sf, df) -> {
            String source = ipv6Text(s, sf);
            String destination = ipv6Text(d, df);
            String line = "PROXY TCP6 " + source + " " + destination + " " + sp + " " + dp + "\r\n";
            if (line.length() > ProxyHeaderParser.V1_MAX) { // a dotted tail with four-digit groups is longer than §2.1's 39 characters
                Ipv6Form plain = new Ipv6Form(false, false, false, 0);
                source = ipv6Text(s, plain);
                destination = ipv6Text(d, plain);
                line = "PROXY TCP6 " + source + " " + destination + " " + sp + " " + dp + "\r\n";
            }
            assertEquals(jdkHost(s), jdkHostOfLiteral(source), "the generator wrote " + source + " for another address");
            assertEquals(jdkHost(d), jdkHostOfLiteral(destination), "the generator wrote " + destination + " for another address");
            return new Header("v1 TCP6", line, ascii(line), new ProxyResult.Proxied(1, "TCP6", jdkHost(s), sp, jdkHost(d), dp));
        });
    }

    /** {@code "PROXY UNKNOWN"}, then nothing or a space and any bytes but CR and LF, up to 107 bytes in all. */
    static Arbitrary<Header> v1Unknown() {
        Arbitrary<byte[]> rest = Arbitraries.bytes().filter(b -> b != '\r' && b != '\n').array(byte[].class).ofMaxSize(107 - 16 - 2);
        return Combinators.combine(Arbitraries.of(true, false), rest).as((bare, tail) -> {
            byte[] line = bare ? ascii("PROXY UNKNOWN\r\n") : concat(ascii("PROXY UNKNOWN "), tail, ascii("\r\n"));
            return new Header("v1 UNKNOWN", escape(line), line, new ProxyResult.Local(1, ProxyHeaderParser.V1_UNKNOWN));
        });
    }

    // Version 2 (§2.2)

    static byte[] v2(int versionCommand, int familyTransport, byte[]... block) {
        return ProxyHeaderParserTest.v2(versionCommand, familyTransport, block);
    }

    /** Up to eight TLVs of any type, each up to 100 bytes: at most 824 bytes, so that any header stays within 1024. */
    static Arbitrary<byte[]> tlvs() {
        Arbitrary<byte[]> one = Combinators.combine(Arbitraries.integers().between(0, 255), Arbitraries.bytes().array(byte[].class).ofMaxSize(100))
                .as(ProxyHeaderParserTest::tlv);
        return one.list().ofMaxSize(8).map(list -> concat(list.toArray(new byte[0][])));
    }

    static byte[] ports(int source, int destination) {
        return concat(ProxyHeaderParserTest.port(source), ProxyHeaderParserTest.port(destination));
    }

    static Arbitrary<Header> v2Tcp() {
        Arbitrary<Header> tcp4 = Combinators.combine(ipv4(), ipv4(), ports(), ports(), tlvs()).as((s, d, sp, dp, t) ->
                new Header("v2 TCP4", jdkHost(s) + ":" + sp + " -> " + jdkHost(d) + ":" + dp + " TLVs " + t.length,
                        v2(0x21, 0x11, s, d, ports(sp, dp), t), new ProxyResult.Proxied(2, "TCP4", jdkHost(s), sp, jdkHost(d), dp)));
        Arbitrary<Header> tcp6 = Combinators.combine(ipv6(), ipv6(), ports(), ports(), tlvs()).as((s, d, sp, dp, t) ->
                new Header("v2 TCP6", jdkHost(s) + " " + sp + " -> " + jdkHost(d) + " " + dp + " TLVs " + t.length,
                        v2(0x21, 0x21, s, d, ports(sp, dp), t), new ProxyResult.Proxied(2, "TCP6", jdkHost(s), sp, jdkHost(d), dp)));
        return Arbitraries.oneOf(tcp4, tcp6);
    }

    /** LOCAL: any family byte, any block (§2.2: "discard the protocol block including the family"). */
    static Arbitrary<Header> v2Local() {
        return Combinators.combine(Arbitraries.integers().between(0, 255), Arbitraries.bytes().array(byte[].class).ofMaxSize(300))
                .as((famTr, block) -> new Header("v2 LOCAL", "family " + Integer.toHexString(famTr) + ", " + block.length + " bytes",
                        v2(0x20, famTr, block), new ProxyResult.Local(2, ProxyHeaderParser.V2_LOCAL)));
    }

    /** PROXY with UNSPEC in either half (any block), or AF_UNIX, or DGRAM (a whole address block, then TLVs). */
    static Arbitrary<Header> v2WithoutTcpAddress() {
        return Combinators.combine(Arbitraries.of(0x00, 0x01, 0x02, 0x10, 0x20, 0x30, 0x31, 0x32, 0x12, 0x22),
                Arbitraries.bytes().array(byte[].class).ofSize(216), tlvs(), Arbitraries.integers().between(0, 100)).as((famTr, addresses, t, n) -> {
                    int family = famTr >> 4;
                    int transport = famTr & 0xF;
                    String why;
                    byte[] block;
                    if (family == 0 || transport == 0) {
                        why = family == 0 ? ProxyHeaderParser.V2_UNSPEC_FAMILY : ProxyHeaderParser.V2_UNSPEC_TRANSPORT;
                        block = Arrays.copyOf(addresses, Math.min(n, addresses.length)); // anything: "should ignore address information"
                    } else {
                        why = family == 3 ? ProxyHeaderParser.V2_UNIX : ProxyHeaderParser.V2_DGRAM;
                        int length = family == 1 ? 12 : family == 2 ? 36 : 216;
                        block = concat(Arrays.copyOf(addresses, length), t);
                    }
                    return new Header("v2 " + why, "family/transport " + Integer.toHexString(famTr) + ", " + block.length + " bytes",
                            v2(0x21, famTr, block), new ProxyResult.Local(2, why));
                });
    }

    /** A broken v2 header, the reason it must fail with, and after how many bytes. */
    record Broken(String text, byte[] bytes, String reason, int decidedAt) {
        @Override
        public String toString() {
            return reason + ": " + text;
        }
    }

    enum Breakage { TLV_PAST_THE_END, SHORT_BLOCK, OVER_THE_LIMIT }

    @Provide
    Arbitrary<Broken> brokenV2() {
        return Combinators.combine(Arbitraries.of(Breakage.values()), Arbitraries.of(0x11, 0x21, 0x12, 0x22, 0x31, 0x32), tlvs(),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(40), Arbitraries.integers().between(1, 0xFFFF),
                Arbitraries.bytes().array(byte[].class).ofSize(216)).as((breakage, famTr, t, value, n, addresses) -> {
                    int family = famTr >> 4;
                    int addressesLength = family == 1 ? 12 : family == 2 ? 36 : 216;
                    byte[] block = concat(Arrays.copyOf(addresses, addressesLength), t);
                    return switch (breakage) {
                        case TLV_PAST_THE_END -> {
                            // A last TLV that says it holds more than the header has left: from 1 more byte to 65535.
                            int declared = Math.min(0xFFFF, value.length + 1 + n % 300);
                            byte[] last = concat(new byte[] {(byte) (int) n, (byte) (declared >> 8), (byte) declared}, value);
                            int cut = n % 3; // or only part of its type and length
                            byte[] tail = cut == 0 ? last : Arrays.copyOf(last, cut);
                            byte[] header = v2(0x21, famTr, block, tail);
                            if (header.length > 1024) { // within the limit, so that only the TLV is wrong
                                header = v2(0x21, famTr, Arrays.copyOf(addresses, addressesLength), tail);
                            }
                            yield new Broken("family/transport " + Integer.toHexString(famTr) + ", last TLV " + escape(tail), header,
                                    ProxyHeaderParser.V2_TLV, header.length);
                        }
                        case SHORT_BLOCK -> {
                            int length = n % addressesLength;
                            byte[] header = v2(0x21, famTr, Arrays.copyOf(block, length));
                            yield new Broken("family/transport " + Integer.toHexString(famTr) + ", " + length + " bytes", header,
                                    ProxyHeaderParser.V2_SHORT_BLOCK, 16);
                        }
                        case OVER_THE_LIMIT -> {
                            int length = 1024 - 16 + 1 + n % (0xFFFF - 1024 + 16);
                            byte[] header = ProxyHeaderParserTest.v2WithLength(0x21, famTr, length, block);
                            yield new Broken("length " + length, header, ProxyHeaderParser.V2_TOO_LONG, 16);
                        }
                    };
                });
    }

    static byte[] ascii(String s) {
        return ProxyHeaderParserTest.ascii(s);
    }
}
