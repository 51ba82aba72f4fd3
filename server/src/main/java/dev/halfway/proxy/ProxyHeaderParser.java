package dev.halfway.proxy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * An incremental parser of the PROXY protocol header, versions 1 (text) and 2 (binary), as HAProxy's
 * {@code doc/proxy-protocol.txt} (2020/03/05) specifies them; section numbers below are that
 * document's. A pure function of the bytes offered so far: feed it with {@link #parse(ByteBuffer)}
 * as bytes arrive, and when the connection's input ends ask {@link #endOfInput()}. It consumes the
 * bytes of the header and never one past its end, so the request that follows stays in the buffer.
 * One instance parses one header; it is not thread-safe.
 *
 * <p><b>Which version.</b> The first byte decides (§2.2 "Identifying the protocol version"): "P" can
 * only begin {@code "PROXY "} (§2.1), CR only the v2 signature. Every later byte of either signature
 * is checked as it arrives, so input that is no PROXY header (an HTTP request, a TLS ClientHello)
 * fails at the first byte that cannot continue a signature, not after 107 bytes or a timeout.
 *
 * <p><b>Version 1</b> (§2.1). {@code "PROXY" SP ("TCP4" | "TCP6") SP source SP destination SP
 * source-port SP destination-port CRLF}, with exactly one space between fields; or {@code "PROXY"
 * SP "UNKNOWN"} followed by anything before the CRLF, which is ignored. At most {@link #V1_MAX}
 * bytes with the CRLF; a line that has not ended by then fails at its 107th byte. The line ends only
 * with CRLF: a bare LF, or a CR not followed by LF, fails at once ("must not tolerate a single CR or
 * LF"). The fields are decoded when the CRLF has arrived ("must wait for the CRLF sequence before
 * starting to decode the addresses"). Addresses must be of the family named (see {@code IpLiteral}
 * for the literal forms read); ports are 0..65535 in decimal without heading zeroes.
 *
 * <p><b>Version 2</b> (§2.2). The 12-byte signature; the 13th byte, version (high four bits, only
 * 2) and command (LOCAL 0 or PROXY 1, nothing else); the 14th, address family (UNSPEC, INET,
 * INET6, UNIX) and transport (UNSPEC, STREAM, DGRAM), checked only for PROXY since LOCAL "must ...
 * discard the protocol block including the family which is ignored"; the 15th and 16th, the length
 * of what follows, always skipped whole ("Receivers MUST always consider this field"). Each of these
 * is judged as its byte arrives. A header larger than the limit fails at its 16th byte, as does an
 * address block too short for the family and transport it claims (12 bytes for INET, 36 for INET6,
 * 216 for UNIX). The block is decoded once whole ("must not start to parse an address before the
 * whole address block is received"). INET or INET6 over STREAM is TCP: {@link ProxyResult.Proxied}.
 * UNSPEC in either half, AF_UNIX and DGRAM are {@link ProxyResult.Local}: this server serves TCP
 * only, and "a receiver is not required to implement other ones, provided that it automatically
 * falls back to the UNSPEC mode". Whatever follows a known address block is TLVs (§2.2, "type,
 * length_hi, length_lo, value"); they are skipped, but their framing is checked: a TLV that runs
 * past the length is Failed. CRC32C (§2.2.3) is not checked (a receiver that does not support it
 * need not). After UNSPEC the address block's size is unknown, so nothing in it is checked.
 *
 * <p><b>Tolerance.</b> §2.2 says a receiver "must also reject incoming connections containing
 * partial protocol headers", meaning one read that does not hold the whole header; §2 recommends
 * being tolerant of headers split across reads. This parser is tolerant: the result does not depend
 * on how the bytes were split. Only the end of input makes an incomplete header Failed.
 *
 * <p><b>Failures.</b> Each is decided by one byte (the end of the v1 line, the 16th byte, the last
 * byte of a v2 header, or a byte that cannot be there), which is consumed; later bytes are not.
 * The reasons, each fixed:
 * <ul>
 *   <li>{@value #NOT_PROXY}</li>
 *   <li>{@value #V1_TOO_LONG}</li>
 *   <li>{@value #V1_BARE_CR_LF}</li>
 *   <li>{@value #V1_PROTOCOL}</li>
 *   <li>{@value #V1_FIELDS}</li>
 *   <li>{@value #V1_SOURCE_ADDRESS}</li>
 *   <li>{@value #V1_DESTINATION_ADDRESS}</li>
 *   <li>{@value #V1_SOURCE_PORT}</li>
 *   <li>{@value #V1_DESTINATION_PORT}</li>
 *   <li>{@value #V2_VERSION}</li>
 *   <li>{@value #V2_COMMAND}</li>
 *   <li>{@value #V2_FAMILY}</li>
 *   <li>{@value #V2_TRANSPORT}</li>
 *   <li>{@value #V2_TOO_LONG}</li>
 *   <li>{@value #V2_SHORT_BLOCK}</li>
 *   <li>{@value #V2_TLV}</li>
 *   <li>{@value #INPUT_ENDED_BEFORE} (from {@link #endOfInput()} when no byte came)</li>
 *   <li>{@value #INPUT_ENDED_INSIDE} (from {@link #endOfInput()} after some)</li>
 * </ul>
 * The reasons of {@link ProxyResult.Local}: {@value #V1_UNKNOWN}, {@value #V2_LOCAL},
 * {@value #V2_UNSPEC_FAMILY}, {@value #V2_UNSPEC_TRANSPORT}, {@value #V2_UNIX}, {@value #V2_DGRAM}.
 */
public final class ProxyHeaderParser {

    /** §2.1: "PROXY UNKNOWN" with two full IPv6 addresses and two 5-digit ports, CRLF included, is the longest line. */
    public static final int V1_MAX = 107;

    // The reasons of Failed and the whys of Local, fixed texts (public, so that a caller can tell
    // them apart, e.g. a connection closed before sending anything from a broken header).

    public static final String NOT_PROXY = "not a PROXY protocol header";
    public static final String V1_TOO_LONG = "PROXY v1 line longer than 107 bytes";
    public static final String V1_BARE_CR_LF = "PROXY v1 line has a CR or LF that is not its CRLF end";
    public static final String V1_PROTOCOL = "PROXY v1 protocol is not TCP4, TCP6 or UNKNOWN";
    public static final String V1_FIELDS = "PROXY v1 line is not two addresses and two ports after single spaces";
    public static final String V1_SOURCE_ADDRESS = "PROXY v1 source address is not an address of its family";
    public static final String V1_DESTINATION_ADDRESS = "PROXY v1 destination address is not an address of its family";
    public static final String V1_SOURCE_PORT = "PROXY v1 source port is not 0..65535 without heading zeroes";
    public static final String V1_DESTINATION_PORT = "PROXY v1 destination port is not 0..65535 without heading zeroes";
    public static final String V2_VERSION = "unsupported PROXY v2 version";
    public static final String V2_COMMAND = "unsupported PROXY v2 command";
    public static final String V2_FAMILY = "unsupported PROXY v2 address family";
    public static final String V2_TRANSPORT = "unsupported PROXY v2 transport protocol";
    public static final String V2_TOO_LONG = "PROXY v2 header longer than the limit";
    public static final String V2_SHORT_BLOCK = "PROXY v2 address block shorter than its family's addresses";
    public static final String V2_TLV = "PROXY v2 TLV runs past the end of the header";
    public static final String INPUT_ENDED_BEFORE = "input ended before a PROXY protocol header";
    public static final String INPUT_ENDED_INSIDE = "input ended inside the PROXY protocol header";

    public static final String V1_UNKNOWN = "PROXY v1 UNKNOWN";
    public static final String V2_LOCAL = "PROXY v2 LOCAL command";
    public static final String V2_UNSPEC_FAMILY = "PROXY v2 UNSPEC address family";
    public static final String V2_UNSPEC_TRANSPORT = "PROXY v2 UNSPEC transport protocol";
    public static final String V2_UNIX = "PROXY v2 AF_UNIX addresses";
    public static final String V2_DGRAM = "PROXY v2 DGRAM (UDP) transport";

    /** §2.1: "PROXY" and exactly one space. */
    private static final byte[] V1_SIGNATURE = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    /** §2.2: the 12-byte block, with a NUL at its 5th byte. */
    private static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    /** §2.2: signature, ver_cmd, fam, len. */
    private static final int V2_FIXED = 16;

    // §2.2, the 13th and 14th bytes.
    private static final int COMMAND_LOCAL = 0x0;
    private static final int COMMAND_PROXY = 0x1;
    private static final int FAMILY_UNSPEC = 0x0;
    private static final int FAMILY_INET = 0x1;
    private static final int FAMILY_INET6 = 0x2;
    private static final int FAMILY_UNIX = 0x3;
    private static final int TRANSPORT_UNSPEC = 0x0;
    private static final int TRANSPORT_STREAM = 0x1;
    private static final int TRANSPORT_DGRAM = 0x2;

    /** Where the parser is, in the order of the grammar. */
    enum State {
        /** The bytes so far begin {@code "PROXY "} (§2.1) or the v2 signature (§2.2); the first byte chose which. */
        SIGNATURE,
        /** After {@code "PROXY "}, up to and including the CRLF (§2.1). */
        V1_LINE,
        /** The 13th byte: version and command (§2.2). */
        V2_VERSION_COMMAND,
        /** The 14th byte: address family and transport protocol (§2.2). */
        V2_FAMILY_TRANSPORT,
        /** The 15th and 16th bytes: the length of the rest, in network byte order (§2.2). */
        V2_LENGTH,
        /** The rest: addresses, ports, TLVs (§2.2). */
        V2_ADDRESS_BLOCK,
        /** A header was read: Proxied or Local. */
        DONE,
        FAILED
    }

    private final int maxV2Bytes;

    private State state = State.SIGNATURE;
    /** The header's bytes so far: at most 107 for v1 (§2.1's 108-byte buffer, less the NUL), at most maxV2Bytes for v2. */
    private byte[] header = new byte[V1_MAX];
    private int length;
    /** v1: the last byte was a CR, so this one must be LF. */
    private boolean afterCr;
    /** v2: 16 + the length field, once read. */
    private int v2Total;
    private ProxyResult result = ProxyResult.NEED_MORE;

    /**
     * A parser that refuses a v2 header of more than {@code maxV2Bytes} (16 + its length field).
     *
     * @param maxV2Bytes at least 52, so that TCP over IPv6 (16 + 36) fits; at most 65551 (16 + 65535),
     *                   beyond which the length field cannot go
     */
    public ProxyHeaderParser(int maxV2Bytes) {
        if (maxV2Bytes < V2_FIXED + 36 || maxV2Bytes > V2_FIXED + 0xFFFF) {
            throw new IllegalArgumentException("maxV2Bytes must be at least 52 (a TCP over IPv6 header) and at most 65551 (16 + the largest length)");
        }
        this.maxV2Bytes = maxV2Bytes;
    }

    /**
     * A parser with {@code maxV2Bytes} = 1024. §2 sizes headers to fit in 536 bytes, but that was
     * before TLVs: 1024 holds the largest address block (AF_UNIX, 16 + 216) with the TLVs a sender
     * adds in practice (§2.2.1-§2.2.6: an authority, that is an SNI name of up to 255 bytes; a unique
     * ID of up to 128; the SSL TLV with version, CN, cipher and algorithm names; CRC32C; ALPN), while
     * a header that a broken or hostile peer makes as large as it may costs at most 1 KiB of memory
     * per connection.
     */
    public static ProxyHeaderParser withDefaults() {
        return new ProxyHeaderParser(1024);
    }

    /**
     * Consumes bytes of the header from {@code in} (between its position and limit, advancing the
     * position) and never a byte past the header's end, so what follows (the HTTP request) stays in
     * the buffer. Says NeedMore having consumed everything, or the header's result. After Proxied,
     * Local or Failed it consumes nothing and returns the same result. It never writes into {@code in}.
     */
    public ProxyResult parse(ByteBuffer in) {
        while (in.hasRemaining() && (state != State.DONE && state != State.FAILED)) {
            if (state == State.V2_ADDRESS_BLOCK) {
                int n = Math.min(in.remaining(), v2Total - length);
                in.get(header, length, n);
                length += n;
                if (length == v2Total) {
                    addressBlock();
                }
            } else {
                next(in.get());
            }
        }
        return result;
    }

    /**
     * The connection's input ended: a header not yet complete never will be. Failed, with
     * {@value #INPUT_ENDED_BEFORE} when no byte came at all, else {@value #INPUT_ENDED_INSIDE}; a
     * result already reached stays.
     */
    public ProxyResult endOfInput() {
        if (state != State.DONE && state != State.FAILED) {
            fail(length == 0 ? INPUT_ENDED_BEFORE : INPUT_ENDED_INSIDE);
        }
        return result;
    }

    /** One byte of any state but the address block, which is copied in bulk. */
    private void next(byte b) {
        switch (state) {
            case SIGNATURE -> signature(b);
            case V1_LINE -> v1Line(b);
            case V2_VERSION_COMMAND -> {
                hold(b);
                // "The highest four bits contains the version ... the receiver must only accept this value."
                if ((b & 0xF0) != 0x20) {
                    fail(V2_VERSION);
                } else if ((b & 0x0F) != COMMAND_LOCAL && (b & 0x0F) != COMMAND_PROXY) {
                    fail(V2_COMMAND); // "Receivers must drop connections presenting unexpected values here."
                } else {
                    state = State.V2_FAMILY_TRANSPORT;
                }
            }
            case V2_FAMILY_TRANSPORT -> {
                hold(b);
                // "other values are unspecified ... and must be rejected as invalid by receivers";
                // for LOCAL the family "is ignored".
                if (command() == COMMAND_PROXY && family() > FAMILY_UNIX) {
                    fail(V2_FAMILY);
                } else if (command() == COMMAND_PROXY && transport() > TRANSPORT_DGRAM) {
                    fail(V2_TRANSPORT);
                } else {
                    state = State.V2_LENGTH;
                }
            }
            case V2_LENGTH -> {
                hold(b);
                if (length == V2_FIXED) {
                    v2Length();
                }
            }
            case V2_ADDRESS_BLOCK, DONE, FAILED -> throw new IllegalStateException(state.name());
        }
    }

    /** The first byte picks the signature; each byte must continue it. */
    private void signature(byte b) {
        byte first = length == 0 ? b : header[0];
        byte[] signature = first == V1_SIGNATURE[0] ? V1_SIGNATURE : V2_SIGNATURE;
        if (b != signature[length]) {
            fail(NOT_PROXY);
            return;
        }
        hold(b);
        if (length == signature.length) {
            state = signature == V1_SIGNATURE ? State.V1_LINE : State.V2_VERSION_COMMAND;
        }
    }

    /** §2.1: a byte of the line after "PROXY "; CRLF ends it, within 107 bytes. */
    private void v1Line(byte b) {
        hold(b);
        if (afterCr) {
            if (b == '\n') {
                v1Fields();
            } else {
                fail(V1_BARE_CR_LF);
            }
            return;
        }
        if (b == '\n') {
            fail(V1_BARE_CR_LF);
        } else if (length == V1_MAX) {
            fail(V1_TOO_LONG); // 107 bytes and not yet ended: "If the CRLF sequence is not found in the first 107 characters"
        } else {
            afterCr = b == '\r';
        }
    }

    /** §2.1: the line, CRLF and all, has arrived; decode it. */
    private void v1Fields() {
        String rest = new String(header, V1_SIGNATURE.length, length - V1_SIGNATURE.length - 2, StandardCharsets.ISO_8859_1);
        // "For "UNKNOWN", the rest of the line before the CRLF may be omitted by the sender, and the
        // receiver must ignore anything presented before the CRLF is found."
        if (rest.equals("UNKNOWN") || rest.startsWith("UNKNOWN ")) {
            done(new ProxyResult.Local(1, V1_UNKNOWN));
            return;
        }
        String[] fields = rest.split(" ", -1); // -1: an empty field (two spaces, a space at the end) is kept, and refused
        String family = fields[0];
        boolean tcp4 = family.equals("TCP4");
        if (!tcp4 && !family.equals("TCP6")) {
            fail(V1_PROTOCOL);
            return;
        }
        if (fields.length != 5) {
            fail(V1_FIELDS);
            return;
        }
        // "The advertised protocol family dictates what format to use."
        byte[] source = tcp4 ? IpLiteral.parseIpv4(fields[1]) : IpLiteral.parseIpv6(fields[1]);
        byte[] destination = tcp4 ? IpLiteral.parseIpv4(fields[2]) : IpLiteral.parseIpv6(fields[2]);
        int sourcePort = port(fields[3]);
        int destinationPort = port(fields[4]);
        if (source == null) {
            fail(V1_SOURCE_ADDRESS);
        } else if (destination == null) {
            fail(V1_DESTINATION_ADDRESS);
        } else if (sourcePort < 0) {
            fail(V1_SOURCE_PORT);
        } else if (destinationPort < 0) {
            fail(V1_DESTINATION_PORT);
        } else {
            done(new ProxyResult.Proxied(1, family, IpLiteral.hostText(source), sourcePort,
                    IpLiteral.hostText(destination), destinationPort));
        }
    }

    /** §2.1: "a decimal integer in the range [0..65535] inclusive. Heading zeroes are not permitted"; else -1. */
    private static int port(String text) {
        int n = text.length();
        if (n == 0 || n > 5 || n > 1 && text.charAt(0) == '0') {
            return -1;
        }
        int value = 0;
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value <= 0xFFFF ? value : -1;
    }

    /** §2.2: the 16 fixed bytes are in; the length field says how many follow. */
    private void v2Length() {
        int blockLength = (header[14] & 0xFF) << 8 | header[15] & 0xFF;
        v2Total = V2_FIXED + blockLength;
        if (v2Total > maxV2Bytes) {
            fail(V2_TOO_LONG);
            return;
        }
        if (blockLength < addressesLength()) {
            fail(V2_SHORT_BLOCK);
            return;
        }
        if (v2Total > header.length) {
            header = Arrays.copyOf(header, v2Total);
        }
        if (blockLength == 0) {
            addressBlock();
        } else {
            state = State.V2_ADDRESS_BLOCK;
        }
    }

    /**
     * How many bytes of the block the addresses and ports take (§2.2, "union proxy_addr"), or 0
     * when the header gives none to read: LOCAL, and UNSPEC in either half.
     */
    private int addressesLength() {
        if (command() != COMMAND_PROXY || transport() == TRANSPORT_UNSPEC) {
            return 0;
        }
        return switch (family()) {
            case FAMILY_INET -> 2 * 4 + 2 * 2;
            case FAMILY_INET6 -> 2 * 16 + 2 * 2;
            case FAMILY_UNIX -> 2 * 108;
            default -> 0;
        };
    }

    /** §2.2: the whole header is in; what does it say? */
    private void addressBlock() {
        if (command() == COMMAND_LOCAL) {
            // "The receiver must accept this connection as valid and must use the real connection
            // endpoints and discard the protocol block including the family which is ignored."
            done(new ProxyResult.Local(2, V2_LOCAL));
            return;
        }
        if (family() == FAMILY_UNSPEC) {
            done(new ProxyResult.Local(2, V2_UNSPEC_FAMILY)); // "The receiver should ignore address information."
            return;
        }
        if (transport() == TRANSPORT_UNSPEC) {
            done(new ProxyResult.Local(2, V2_UNSPEC_TRANSPORT));
            return;
        }
        if (!tlvsFit(V2_FIXED + addressesLength())) {
            fail(V2_TLV);
            return;
        }
        if (family() == FAMILY_UNIX) {
            done(new ProxyResult.Local(2, V2_UNIX));
        } else if (transport() == TRANSPORT_DGRAM) {
            done(new ProxyResult.Local(2, V2_DGRAM));
        } else if (family() == FAMILY_INET) {
            // src_addr, dst_addr (4 bytes each), src_port, dst_port, in network byte order
            done(new ProxyResult.Proxied(2, "TCP4", IpLiteral.hostText(Arrays.copyOfRange(header, 16, 20)), u16(24),
                    IpLiteral.hostText(Arrays.copyOfRange(header, 20, 24)), u16(26)));
        } else {
            done(new ProxyResult.Proxied(2, "TCP6", IpLiteral.hostText(Arrays.copyOfRange(header, 16, 32)), u16(48),
                    IpLiteral.hostText(Arrays.copyOfRange(header, 32, 48)), u16(50)));
        }
    }

    /** §2.2: from {@code at} to the end of the header, whole TLVs only: a type, a two-byte length, that many bytes. */
    private boolean tlvsFit(int at) {
        int i = at;
        while (i < v2Total) {
            if (v2Total - i < 3) {
                return false;
            }
            i += 3 + u16(i + 1);
        }
        return i == v2Total;
    }

    private void hold(byte b) {
        header[length++] = b;
    }

    private int command() {
        return header[12] & 0x0F;
    }

    private int family() {
        return (header[13] & 0xF0) >> 4;
    }

    private int transport() {
        return header[13] & 0x0F;
    }

    private int u16(int at) {
        return (header[at] & 0xFF) << 8 | header[at + 1] & 0xFF;
    }

    private void done(ProxyResult r) {
        state = State.DONE;
        result = r;
        header = null;
    }

    private void fail(String reason) {
        state = State.FAILED;
        result = new ProxyResult.Failed(reason);
        header = null;
    }
}
