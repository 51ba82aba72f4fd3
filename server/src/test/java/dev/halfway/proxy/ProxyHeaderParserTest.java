package dev.halfway.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.halfway.http.ParseResult;
import dev.halfway.http.RequestParser;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Named rows of raw bytes → what the parser says once they are all in, what it says when the input
 * then ends, and which bytes it left in the buffer: the request after the header, untouched, or,
 * for a failure, everything after the byte that decided it. Every row also runs split at every
 * byte offset, and one byte at a time.
 */
class ProxyHeaderParserTest {

    /**
     * A row: the parser must consume exactly {@code consumed} and leave exactly {@code left}; it
     * says {@code expected} after both are offered, and {@code atEof} once the input then ends.
     */
    record Row(String name, byte[] consumed, byte[] left, String expected, String atEof) {
        byte[] input() {
            return concat(consumed, left);
        }
    }

    static final String NEED = "need-more";
    static final byte[] REQUEST = ascii("GET / HTTP/1.0\r\nUser-Agent: t\r\n\r\n");
    static final byte[] NOTHING = new byte[0];

    /** A whole header, the request after it. */
    static Row ok(String name, byte[] header, String expected) {
        return new Row(name, header, REQUEST, expected, expected);
    }

    /** The first {@code decidedAt} bytes of {@code input} decide the failure; the rest is left. */
    static Row fails(String name, byte[] input, int decidedAt, String reason) {
        return new Row(name, Arrays.copyOf(input, decidedAt), Arrays.copyOfRange(input, decidedAt, input.length),
                "fail " + reason, "fail " + reason);
    }

    /** A header that fails at its last byte, the request after it. */
    static Row failsAtEnd(String name, byte[] header, String reason) {
        return new Row(name, header, REQUEST, "fail " + reason, "fail " + reason);
    }

    /** A header cut short: all consumed, NeedMore, then Failed at the end of input. */
    static Row truncated(String name, byte[] partial) {
        String atEof = "fail " + (partial.length == 0 ? ProxyHeaderParser.INPUT_ENDED_BEFORE : ProxyHeaderParser.INPUT_ENDED_INSIDE);
        return new Row(name, partial, NOTHING, NEED, atEof);
    }

    static String proxied(int version, String family, String source, int sourcePort, String destination, int destinationPort) {
        return "proxied v" + version + " " + family + " " + source + " " + sourcePort + " -> " + destination + " " + destinationPort;
    }

    static String local(int version, String why) {
        return "local v" + version + " " + why;
    }

    static List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        rows.addAll(v1Rows());
        rows.addAll(v2Rows());
        rows.addAll(truncatedRows());
        rows.addAll(garbageRows());
        return rows;
    }

    // ------------------------------------------------------------------------------------------
    // Version 1 (§2.1)
    // ------------------------------------------------------------------------------------------

    static List<Row> v1Rows() {
        String ffff = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        String worst = "PROXY UNKNOWN " + ffff + " " + ffff + " 65535 65535\r\n";
        String tooLong = "PROXY UNKNOWN " + "x".repeat(106 - 14) + "\r\n"; // 108 bytes
        String good4 = "PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n";
        String badSource = ProxyHeaderParser.V1_SOURCE_ADDRESS;
        String badDestination = ProxyHeaderParser.V1_DESTINATION_ADDRESS;
        String badSourcePort = ProxyHeaderParser.V1_SOURCE_PORT;
        String badDestinationPort = ProxyHeaderParser.V1_DESTINATION_PORT;
        String unknown = local(1, ProxyHeaderParser.V1_UNKNOWN);
        List<Row> rows = new ArrayList<>(List.of(
                // TCP4 and TCP6
                ok("v1 TCP4, the spec's example", ascii("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"),
                        proxied(1, "TCP4", "192.168.0.1", 56324, "192.168.0.11", 443)),
                ok("v1 TCP4, the longest (56 bytes)", ascii("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n"),
                        proxied(1, "TCP4", "255.255.255.255", 65535, "255.255.255.255", 65535)),
                ok("v1 TCP4, zeros", ascii("PROXY TCP4 0.0.0.0 0.0.0.0 0 0\r\n"), proxied(1, "TCP4", "0.0.0.0", 0, "0.0.0.0", 0)),
                ok("v1 TCP4, zero octets inside", ascii("PROXY TCP4 10.0.0.1 10.200.0.9 1 65534\r\n"),
                        proxied(1, "TCP4", "10.0.0.1", 1, "10.200.0.9", 65534)),
                ok("v1 TCP6, compressed", ascii("PROXY TCP6 2001:db8::1 ::1 51000 8080\r\n"),
                        proxied(1, "TCP6", "2001:db8:0:0:0:0:0:1", 51000, "0:0:0:0:0:0:0:1", 8080)),
                ok("v1 TCP6, the longest (104 bytes), upper case", ascii("PROXY TCP6 " + ffff.toUpperCase() + " " + ffff + " 65535 65535\r\n"),
                        proxied(1, "TCP6", ffff, 65535, ffff, 65535)),
                ok("v1 TCP6, four-digit groups with heading zeroes", ascii("PROXY TCP6 2001:0db8:0000:0000:0000:0000:0000:0001 fe80:0:0:0:0:0:0:a 443 1\r\n"),
                        proxied(1, "TCP6", "2001:db8:0:0:0:0:0:1", 443, "fe80:0:0:0:0:0:0:a", 1)),
                ok("v1 TCP6, :: alone", ascii("PROXY TCP6 :: :: 0 0\r\n"), proxied(1, "TCP6", "0:0:0:0:0:0:0:0", 0, "0:0:0:0:0:0:0:0", 0)),
                ok("v1 TCP6, :: at the end", ascii("PROXY TCP6 2001:db8:: 1:2:3:4:5:6:7:8 1 2\r\n"),
                        proxied(1, "TCP6", "2001:db8:0:0:0:0:0:0", 1, "1:2:3:4:5:6:7:8", 2)),
                ok("v1 TCP6, IPv4-mapped addresses are printed as Java does, dotted", ascii("PROXY TCP6 ::ffff:192.0.2.1 ::ffff:c633:6407 1 2\r\n"),
                        proxied(1, "TCP6", "192.0.2.1", 1, "198.51.100.7", 2)),
                ok("v1 TCP6, IPv4-compatible address", ascii("PROXY TCP6 ::192.0.2.1 ::1 1 2\r\n"),
                        proxied(1, "TCP6", "0:0:0:0:0:0:c000:201", 1, "0:0:0:0:0:0:0:1", 2)),
                // UNKNOWN: "the receiver must ignore anything presented before the CRLF"
                ok("v1 UNKNOWN, short form", ascii("PROXY UNKNOWN\r\n"), unknown),
                ok("v1 UNKNOWN with addresses", ascii("PROXY UNKNOWN 192.0.2.1 192.0.2.2 1 2\r\n"), unknown),
                ok("v1 UNKNOWN, the longest line (107 bytes)", ascii(worst), unknown),
                ok("v1 UNKNOWN, anything before the CRLF is ignored", latin1("PROXY UNKNOWN not addresses\t\u0000\u00ff  \r\n"), unknown),
                ok("v1 UNKNOWN with a space and nothing more", ascii("PROXY UNKNOWN \r\n"), unknown),
                // what follows
                new Row("v1, nothing after the header", ascii(good4), NOTHING,
                        proxied(1, "TCP4", "192.0.2.1", 56324, "198.51.100.7", 443), proxied(1, "TCP4", "192.0.2.1", 56324, "198.51.100.7", 443)),
                new Row("v1, a second PROXY line after the header is the request's", ascii(good4), ascii(good4 + "GET / HTTP/1.0\r\n\r\n"),
                        proxied(1, "TCP4", "192.0.2.1", 56324, "198.51.100.7", 443), proxied(1, "TCP4", "192.0.2.1", 56324, "198.51.100.7", 443)),
                // line ends and length
                fails("v1, 108 bytes: fails at the 107th", ascii(tooLong + "GET / HTTP/1.0\r\n\r\n"), 107, ProxyHeaderParser.V1_TOO_LONG),
                fails("v1, no CRLF in 107 bytes, more to come", ascii("PROXY " + "a".repeat(300)), 107, ProxyHeaderParser.V1_TOO_LONG),
                fails("v1, a TCP4 line padded with spaces to 107 bytes", ascii(good4.replace("\r\n", "") + " ".repeat(100) + "\r\n"), 107,
                        ProxyHeaderParser.V1_TOO_LONG),
                failsAtEnd("v1, bare LF", ascii(good4.replace("\r\n", "\n")), ProxyHeaderParser.V1_BARE_CR_LF),
                fails("v1, bare CR", ascii("PROXY UNKNOWN\rx\r\n"), 15, ProxyHeaderParser.V1_BARE_CR_LF),
                fails("v1, CR CR LF", ascii("PROXY UNKNOWN\r\r\n"), 15, ProxyHeaderParser.V1_BARE_CR_LF),
                fails("v1, LF inside UNKNOWN's ignored part", ascii("PROXY UNKNOWN a\nb\r\n"), 16, ProxyHeaderParser.V1_BARE_CR_LF),
                fails("v1, bare LF at the 107th byte", ascii("PROXY UNKNOWN " + "x".repeat(92) + "\n"), 107, ProxyHeaderParser.V1_BARE_CR_LF),
                // the signature and the protocol
                fails("v1, lower-case proxy", ascii("proxy TCP4 192.0.2.1 192.0.2.2 1 2\r\n"), 1, ProxyHeaderParser.NOT_PROXY),
                fails("v1, PROXY without its space", ascii("PROXY\r\n"), 6, ProxyHeaderParser.NOT_PROXY),
                fails("v1, PROXYTCP4", ascii("PROXYTCP4 192.0.2.1 192.0.2.2 1 2\r\n"), 6, ProxyHeaderParser.NOT_PROXY),
                fails("v1, PROXY then a tab", ascii("PROXY\tTCP4 192.0.2.1 192.0.2.2 1 2\r\n"), 6, ProxyHeaderParser.NOT_PROXY),
                fails("v1, PROXX", ascii("PROXX TCP4"), 5, ProxyHeaderParser.NOT_PROXY),
                failsAtEnd("v1, two spaces after PROXY", ascii("PROXY  TCP4 192.0.2.1 192.0.2.2 1 2\r\n"), ProxyHeaderParser.V1_PROTOCOL),
                failsAtEnd("v1, no protocol", ascii("PROXY \r\n"), ProxyHeaderParser.V1_PROTOCOL),
                failsAtEnd("v1, UDP4", ascii("PROXY UDP4 192.0.2.1 192.0.2.2 1 2\r\n"), ProxyHeaderParser.V1_PROTOCOL),
                failsAtEnd("v1, TCP5", ascii("PROXY TCP5 192.0.2.1 192.0.2.2 1 2\r\n"), ProxyHeaderParser.V1_PROTOCOL),
                failsAtEnd("v1, lower-case tcp4", ascii("PROXY tcp4 192.0.2.1 192.0.2.2 1 2\r\n"), ProxyHeaderParser.V1_PROTOCOL),
                failsAtEnd("v1, TCP4 and a tab", ascii("PROXY TCP4\t192.0.2.1 192.0.2.2 1 2\r\n"), ProxyHeaderParser.V1_PROTOCOL),
                failsAtEnd("v1, UNKNOWNX", ascii("PROXY UNKNOWNX\r\n"), ProxyHeaderParser.V1_PROTOCOL),
                failsAtEnd("v1, lower-case unknown", ascii("PROXY unknown\r\n"), ProxyHeaderParser.V1_PROTOCOL),
                failsAtEnd("v1, UNKNOWN and a tab", ascii("PROXY UNKNOWN\t\r\n"), ProxyHeaderParser.V1_PROTOCOL),
                // fields
                failsAtEnd("v1, TCP4 alone", ascii("PROXY TCP4\r\n"), ProxyHeaderParser.V1_FIELDS),
                failsAtEnd("v1, TCP4 and a space", ascii("PROXY TCP4 \r\n"), ProxyHeaderParser.V1_FIELDS),
                failsAtEnd("v1, a port missing", ascii("PROXY TCP4 192.0.2.1 192.0.2.2 1\r\n"), ProxyHeaderParser.V1_FIELDS),
                failsAtEnd("v1, a field too many", ascii("PROXY TCP4 192.0.2.1 192.0.2.2 1 2 3\r\n"), ProxyHeaderParser.V1_FIELDS),
                failsAtEnd("v1, two spaces between the addresses", ascii("PROXY TCP4 192.0.2.1  192.0.2.2 1 2\r\n"), ProxyHeaderParser.V1_FIELDS),
                failsAtEnd("v1, a space at the end", ascii("PROXY TCP4 192.0.2.1 192.0.2.2 1 2 \r\n"), ProxyHeaderParser.V1_FIELDS),
                failsAtEnd("v1, a tab between the ports", ascii("PROXY TCP6 ::1 ::1 1\t2\r\n"), ProxyHeaderParser.V1_FIELDS),
                failsAtEnd("v1, an empty source address", ascii("PROXY TCP4  192.0.2.2 1 2\r\n"), badSource),
                // addresses, per family
                failsAtEnd("v1, TCP4 with IPv6 addresses", ascii("PROXY TCP4 ::1 ::1 1 2\r\n"), badSource),
                failsAtEnd("v1, TCP6 with IPv4 addresses", ascii("PROXY TCP6 192.0.2.1 192.0.2.2 1 2\r\n"), badSource),
                failsAtEnd("v1, TCP4 with an IPv6 destination", ascii("PROXY TCP4 192.0.2.1 ::1 1 2\r\n"), badDestination),
                failsAtEnd("v1, an octet over 255", ascii("PROXY TCP4 256.0.0.1 192.0.2.2 1 2\r\n"), badSource),
                failsAtEnd("v1, a heading zero in an octet", ascii("PROXY TCP4 192.0.2.1 192.168.0.01 1 2\r\n"), badDestination),
                failsAtEnd("v1, an octet 00", ascii("PROXY TCP4 192.0.2.1 10.00.0.1 1 2\r\n"), badDestination),
                failsAtEnd("v1, three octets", ascii("PROXY TCP4 192.0.2 192.0.2.2 1 2\r\n"), badSource),
                failsAtEnd("v1, five octets", ascii("PROXY TCP4 192.0.2.1.5 192.0.2.2 1 2\r\n"), badSource),
                failsAtEnd("v1, an empty octet", ascii("PROXY TCP4 192..2.1 192.0.2.2 1 2\r\n"), badSource),
                failsAtEnd("v1, a dot at the end", ascii("PROXY TCP4 192.0.2.1. 192.0.2.2 1 2\r\n"), badSource),
                failsAtEnd("v1, a host name", ascii("PROXY TCP4 localhost 192.0.2.2 1 2\r\n"), badSource),
                failsAtEnd("v1, a sign", ascii("PROXY TCP4 +192.0.2.1 192.0.2.2 1 2\r\n"), badSource),
                failsAtEnd("v1, a single number", ascii("PROXY TCP4 3221225985 192.0.2.2 1 2\r\n"), badSource),
                failsAtEnd("v1, NUL in an address", latin1("PROXY TCP4 192.0.2.1\u0000 192.0.2.2 1 2\r\n"), badSource),
                failsAtEnd("v1, non-ASCII digit in an address", latin1("PROXY TCP4 192.0.2.\u00b9 192.0.2.2 1 2\r\n"), badSource),
                failsAtEnd("v1, seven groups", ascii("PROXY TCP6 1:2:3:4:5:6:7 ::1 1 2\r\n"), badSource),
                failsAtEnd("v1, nine groups", ascii("PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n"), badSource),
                failsAtEnd("v1, two ::", ascii("PROXY TCP6 1::2::3 ::1 1 2\r\n"), badSource),
                failsAtEnd("v1, :::", ascii("PROXY TCP6 :::1 ::1 1 2\r\n"), badSource),
                failsAtEnd("v1, a five-digit group", ascii("PROXY TCP6 12345::1 ::1 1 2\r\n"), badSource),
                failsAtEnd("v1, a group that is not hex", ascii("PROXY TCP6 2001:db8::g ::1 1 2\r\n"), badSource),
                failsAtEnd("v1, a colon at the start", ascii("PROXY TCP6 :1:2:3:4:5:6:7 ::1 1 2\r\n"), badSource),
                failsAtEnd("v1, a colon at the end", ascii("PROXY TCP6 ::1 1:2:3:4:5:6:7: 1 2\r\n"), badDestination),
                failsAtEnd("v1, a zone", ascii("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n"), badSource),
                failsAtEnd("v1, brackets", ascii("PROXY TCP6 [::1] ::1 1 2\r\n"), badSource),
                failsAtEnd("v1, a dotted quad in the middle", ascii("PROXY TCP6 1.2.3.4::1 ::1 1 2\r\n"), badSource),
                failsAtEnd("v1, a short dotted tail", ascii("PROXY TCP6 ::ffff:1.2.3 ::1 1 2\r\n"), badSource),
                failsAtEnd("v1, both addresses bad: the source is named", ascii("PROXY TCP4 1 2 3 4\r\n"), badSource),
                // ports
                failsAtEnd("v1, port 65536", ascii("PROXY TCP4 192.0.2.1 192.0.2.2 65536 2\r\n"), badSourcePort),
                failsAtEnd("v1, port 99999", ascii("PROXY TCP4 192.0.2.1 192.0.2.2 1 99999\r\n"), badDestinationPort),
                failsAtEnd("v1, port 123456", ascii("PROXY TCP4 192.0.2.1 192.0.2.2 123456 2\r\n"), badSourcePort),
                failsAtEnd("v1, a heading zero in a port", ascii("PROXY TCP4 192.0.2.1 192.0.2.2 1 0443\r\n"), badDestinationPort),
                failsAtEnd("v1, port 00", ascii("PROXY TCP4 192.0.2.1 192.0.2.2 00 2\r\n"), badSourcePort),
                failsAtEnd("v1, a negative port", ascii("PROXY TCP4 192.0.2.1 192.0.2.2 -1 2\r\n"), badSourcePort),
                failsAtEnd("v1, a signed port", ascii("PROXY TCP4 192.0.2.1 192.0.2.2 1 +80\r\n"), badDestinationPort),
                failsAtEnd("v1, a hex port", ascii("PROXY TCP4 192.0.2.1 192.0.2.2 0x50 2\r\n"), badSourcePort),
                failsAtEnd("v1, a port with a letter", ascii("PROXY TCP4 192.0.2.1 192.0.2.2 80a 2\r\n"), badSourcePort),
                failsAtEnd("v1, an empty port", ascii("PROXY TCP4 192.0.2.1 192.0.2.2 1 \r\n"), badDestinationPort)));
        return rows;
    }

    // ------------------------------------------------------------------------------------------
    // Version 2 (§2.2)
    // ------------------------------------------------------------------------------------------

    static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    /** A v2 header: signature, version/command, family/transport, the block's length, the block. */
    static byte[] v2(int versionCommand, int familyTransport, byte[]... block) {
        byte[] b = concat(block);
        return v2WithLength(versionCommand, familyTransport, b.length, b);
    }

    static byte[] v2WithLength(int versionCommand, int familyTransport, int length, byte[] block) {
        byte[] fixed = Arrays.copyOf(SIGNATURE, 16);
        fixed[12] = (byte) versionCommand;
        fixed[13] = (byte) familyTransport;
        fixed[14] = (byte) (length >> 8);
        fixed[15] = (byte) length;
        return concat(fixed, block);
    }

    static byte[] inet4(String source, String destination, int sourcePort, int destinationPort) {
        return concat(CidrTest.bytes(source), CidrTest.bytes(destination), port(sourcePort), port(destinationPort));
    }

    static byte[] inet6(String source, String destination, int sourcePort, int destinationPort) {
        return concat(sixteen(source), sixteen(destination), port(sourcePort), port(destinationPort));
    }

    static byte[] sixteen(String literal) {
        byte[] b = CidrTest.bytes(literal);
        assertEquals(16, b.length, literal);
        return b;
    }

    static byte[] port(int p) {
        return new byte[] {(byte) (p >> 8), (byte) p};
    }

    static byte[] tlv(int type, byte[] value) {
        return concat(new byte[] {(byte) type, (byte) (value.length >> 8), (byte) value.length}, value);
    }

    static byte[] unixPaths() {
        byte[] block = new byte[216];
        byte[] source = ascii("/run/haproxy/client.sock");
        byte[] destination = ascii("/run/halfway.sock");
        System.arraycopy(source, 0, block, 0, source.length);
        System.arraycopy(destination, 0, block, 108, destination.length);
        return block;
    }

    static byte[] filled(int n, int value) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) value);
        return b;
    }

    static List<Row> v2Rows() {
        byte[] tcp4 = inet4("192.0.2.1", "198.51.100.7", 56324, 443);
        String tcp4Proxied = proxied(2, "TCP4", "192.0.2.1", 56324, "198.51.100.7", 443);
        byte[] tcp6 = inet6("2001:db8::1", "2001:db8::2", 1234, 80);
        String tcp6Proxied = proxied(2, "TCP6", "2001:db8:0:0:0:0:0:1", 1234, "2001:db8:0:0:0:0:0:2", 80);
        byte[] ssl = tlv(0x20, concat(new byte[] {0x07, 0, 0, 0, 0}, tlv(0x21, ascii("TLSv1.3")), tlv(0x22, ascii("client.example")),
                tlv(0x23, ascii("TLS_AES_128_GCM_SHA256"))));
        byte[] atLimit = v2(0x21, 0x11, tcp4, tlv(0xEE, new byte[1024 - 16 - 12 - 3]));
        byte[] overLimit = v2(0x21, 0x11, tcp4, tlv(0xEE, new byte[1024 - 16 - 12 - 2]));
        byte[] noTcp4 = v2(0x21, 0x11, tcp4);
        String local = local(2, ProxyHeaderParser.V2_LOCAL);
        return List.of(
                // PROXY over TCP
                ok("v2 PROXY TCP4", v2(0x21, 0x11, tcp4), tcp4Proxied),
                ok("v2 PROXY TCP6", v2(0x21, 0x21, tcp6), tcp6Proxied),
                ok("v2 PROXY TCP4, zeros and all ones", v2(0x21, 0x11, inet4("0.0.0.0", "255.255.255.255", 0, 65535)),
                        proxied(2, "TCP4", "0.0.0.0", 0, "255.255.255.255", 65535)),
                ok("v2 PROXY TCP6, loopback and ::", v2(0x21, 0x21, inet6("::1", "::", 65535, 0)),
                        proxied(2, "TCP6", "0:0:0:0:0:0:0:1", 65535, "0:0:0:0:0:0:0:0", 0)),
                ok("v2 PROXY TCP6, an IPv4-mapped source is printed as Java does, dotted", v2(0x21, 0x21, inet6("::ffff:192.0.2.1", "2001:db8::2", 1, 2)),
                        proxied(2, "TCP6", "192.0.2.1", 1, "2001:db8:0:0:0:0:0:2", 2)),
                ok("v2 PROXY TCP4 with TLVs: ALPN, authority, NOOP, unique ID, CRC32C (not checked)",
                        v2(0x21, 0x11, tcp4, tlv(0x01, ascii("h2")), tlv(0x02, ascii("example.com")), tlv(0x04, NOTHING),
                                tlv(0x05, filled(128, 0x5A)), tlv(0x03, new byte[] {1, 2, 3, 4})), tcp4Proxied),
                ok("v2 PROXY TCP6 with an SSL TLV and its sub-TLVs", v2(0x21, 0x21, tcp6, ssl), tcp6Proxied),
                ok("v2 PROXY TCP4 with an empty TLV last", v2(0x21, 0x11, tcp4, tlv(0x04, ascii("pad")), tlv(0xF0, NOTHING)), tcp4Proxied),
                ok("v2 PROXY TCP4 with a TLV holding the signature", v2(0x21, 0x11, tcp4, tlv(0xE0, concat(SIGNATURE, ascii("PROXY ")))), tcp4Proxied),
                ok("v2 PROXY TCP4 at the limit (1024 bytes)", atLimit, tcp4Proxied),
                new Row("v2 PROXY TCP4, nothing after the header", noTcp4, NOTHING, tcp4Proxied, tcp4Proxied),
                new Row("v2 PROXY TCP4, then a second header, which is the request's", noTcp4, concat(noTcp4, REQUEST), tcp4Proxied, tcp4Proxied),
                // LOCAL: "discard the protocol block including the family which is ignored"
                ok("v2 LOCAL, UNSPEC, no block", v2(0x20, 0x00), local),
                ok("v2 LOCAL with a TCP4 block", v2(0x20, 0x11, tcp4), local),
                ok("v2 LOCAL with a TCP6 block and TLVs", v2(0x20, 0x21, tcp6, ssl), local),
                ok("v2 LOCAL with an unassigned family byte (ignored)", v2(0x20, 0xFF, ascii("abc")), local),
                ok("v2 LOCAL, a block too short for its family (ignored)", v2(0x20, 0x11, new byte[3]), local),
                ok("v2 LOCAL, the block is not read as TLVs", v2(0x20, 0x11, tcp4, new byte[] {0x01, 0x00}), local),
                fails("v2 LOCAL, longer than the limit", v2(0x20, 0x00, new byte[2000]), 16, ProxyHeaderParser.V2_TOO_LONG),
                // families and transports that give no TCP client address
                ok("v2 PROXY UNSPEC", v2(0x21, 0x00), local(2, ProxyHeaderParser.V2_UNSPEC_FAMILY)),
                ok("v2 PROXY UNSPEC with address bytes (ignored)", v2(0x21, 0x00, ascii("12345")), local(2, ProxyHeaderParser.V2_UNSPEC_FAMILY)),
                ok("v2 PROXY UNSPEC family over STREAM", v2(0x21, 0x01, tcp4), local(2, ProxyHeaderParser.V2_UNSPEC_FAMILY)),
                ok("v2 PROXY UNSPEC family over DGRAM", v2(0x21, 0x02), local(2, ProxyHeaderParser.V2_UNSPEC_FAMILY)),
                ok("v2 PROXY INET over UNSPEC, a block that is no TLVs", v2(0x21, 0x10, new byte[] {1, 2}), local(2, ProxyHeaderParser.V2_UNSPEC_TRANSPORT)),
                ok("v2 PROXY INET6 over UNSPEC, no block", v2(0x21, 0x20), local(2, ProxyHeaderParser.V2_UNSPEC_TRANSPORT)),
                ok("v2 PROXY UNIX stream", v2(0x21, 0x31, unixPaths()), local(2, ProxyHeaderParser.V2_UNIX)),
                ok("v2 PROXY UNIX datagram", v2(0x21, 0x32, unixPaths()), local(2, ProxyHeaderParser.V2_UNIX)),
                ok("v2 PROXY UNIX stream with a TLV", v2(0x21, 0x31, unixPaths(), tlv(0x30, ascii("netns"))), local(2, ProxyHeaderParser.V2_UNIX)),
                ok("v2 PROXY UDP4", v2(0x21, 0x12, tcp4), local(2, ProxyHeaderParser.V2_DGRAM)),
                ok("v2 PROXY UDP6 with a TLV", v2(0x21, 0x22, tcp6, tlv(0x01, ascii("h3"))), local(2, ProxyHeaderParser.V2_DGRAM)),
                // the 13th byte
                fails("v2 version 1", v2(0x11, 0x11, tcp4), 13, ProxyHeaderParser.V2_VERSION),
                fails("v2 version 0", v2(0x01, 0x11, tcp4), 13, ProxyHeaderParser.V2_VERSION),
                fails("v2 version 3", v2(0x31, 0x11, tcp4), 13, ProxyHeaderParser.V2_VERSION),
                fails("v2 version 15", v2(0xF1, 0x11, tcp4), 13, ProxyHeaderParser.V2_VERSION),
                fails("v2 version 1 and an unassigned command: the version is named", v2(0x1F, 0x11, tcp4), 13, ProxyHeaderParser.V2_VERSION),
                fails("v2 command 2", v2(0x22, 0x11, tcp4), 13, ProxyHeaderParser.V2_COMMAND),
                fails("v2 command 15", v2(0x2F, 0x11, tcp4), 13, ProxyHeaderParser.V2_COMMAND),
                // the 14th byte
                fails("v2 PROXY, family 4", v2(0x21, 0x41, tcp4), 14, ProxyHeaderParser.V2_FAMILY),
                fails("v2 PROXY, family 15", v2(0x21, 0xF1, tcp4), 14, ProxyHeaderParser.V2_FAMILY),
                fails("v2 PROXY, family and transport unassigned: the family is named", v2(0x21, 0xFF, tcp4), 14, ProxyHeaderParser.V2_FAMILY),
                fails("v2 PROXY, transport 3", v2(0x21, 0x13, tcp4), 14, ProxyHeaderParser.V2_TRANSPORT),
                fails("v2 PROXY UNSPEC, transport 15", v2(0x21, 0x0F), 14, ProxyHeaderParser.V2_TRANSPORT),
                // the length: decided at the 16th byte
                fails("v2, one byte over the limit (1025 bytes)", overLimit, 16, ProxyHeaderParser.V2_TOO_LONG),
                fails("v2, the largest length field", v2WithLength(0x21, 0x11, 0xFFFF, tcp4), 16, ProxyHeaderParser.V2_TOO_LONG),
                fails("v2 TCP4, an 11-byte block", v2(0x21, 0x11, Arrays.copyOf(tcp4, 11)), 16, ProxyHeaderParser.V2_SHORT_BLOCK),
                fails("v2 TCP4, no block", v2(0x21, 0x11), 16, ProxyHeaderParser.V2_SHORT_BLOCK),
                fails("v2 TCP6, a TCP4 block", v2(0x21, 0x21, tcp4), 16, ProxyHeaderParser.V2_SHORT_BLOCK),
                fails("v2 TCP6, a 35-byte block", v2(0x21, 0x21, Arrays.copyOf(tcp6, 35)), 16, ProxyHeaderParser.V2_SHORT_BLOCK),
                fails("v2 UNIX, a 215-byte block", v2(0x21, 0x31, Arrays.copyOf(unixPaths(), 215)), 16, ProxyHeaderParser.V2_SHORT_BLOCK),
                fails("v2 UDP4, an 11-byte block", v2(0x21, 0x12, Arrays.copyOf(tcp4, 11)), 16, ProxyHeaderParser.V2_SHORT_BLOCK),
                // TLV framing: decided at the last byte
                failsAtEnd("v2, a TLV runs past the end", v2(0x21, 0x11, tcp4, Arrays.copyOf(tlv(0x01, ascii("h2c")), 5)), ProxyHeaderParser.V2_TLV),
                failsAtEnd("v2, a TLV runs past the end after good ones", v2(0x21, 0x21, tcp6, tlv(0x04, NOTHING), ssl, new byte[] {0x02, 0x00, 0x09, 'x'}),
                        ProxyHeaderParser.V2_TLV),
                failsAtEnd("v2, a TLV with length 65535", v2(0x21, 0x11, tcp4, new byte[] {0x05, (byte) 0xFF, (byte) 0xFF, 1, 2, 3}), ProxyHeaderParser.V2_TLV),
                failsAtEnd("v2, a TLV cut inside its length", v2(0x21, 0x11, tcp4, tlv(0x04, NOTHING), new byte[] {0x01, 0x00}), ProxyHeaderParser.V2_TLV),
                failsAtEnd("v2, one stray byte after the addresses", v2(0x21, 0x11, tcp4, new byte[] {0}), ProxyHeaderParser.V2_TLV),
                failsAtEnd("v2 UNIX, a TLV past the end", v2(0x21, 0x31, unixPaths(), new byte[] {0x04, 0, 1}), ProxyHeaderParser.V2_TLV),
                failsAtEnd("v2 UDP6, a TLV past the end", v2(0x21, 0x22, tcp6, new byte[] {0x04, 0, 1}), ProxyHeaderParser.V2_TLV),
                // the signature: each byte judged as it arrives
                fails("v2, signature's 2nd byte wrong", patch(v2(0x21, 0x11, tcp4), 1, 0x0D), 2, ProxyHeaderParser.NOT_PROXY),
                fails("v2, signature's NUL (5th byte) wrong", patch(v2(0x21, 0x11, tcp4), 4, 0x20), 5, ProxyHeaderParser.NOT_PROXY),
                fails("v2, signature's 12th byte wrong", patch(v2(0x21, 0x11, tcp4), 11, 0x0D), 12, ProxyHeaderParser.NOT_PROXY),
                fails("v2, signature's QUIT in lower case", patch(v2(0x21, 0x11, tcp4), 7, 'q'), 8, ProxyHeaderParser.NOT_PROXY));
    }

    // ------------------------------------------------------------------------------------------
    // Cut short, and not PROXY at all
    // ------------------------------------------------------------------------------------------

    static List<Row> truncatedRows() {
        byte[] tcp4 = v2(0x21, 0x11, inet4("192.0.2.1", "198.51.100.7", 56324, 443));
        byte[] withTlv = v2(0x21, 0x11, inet4("192.0.2.1", "198.51.100.7", 56324, 443), tlv(0x02, ascii("example.com")));
        return List.of(
                truncated("nothing", NOTHING),
                truncated("v1, P", ascii("P")),
                truncated("v1, PROXY", ascii("PROXY")),
                truncated("v1, PROXY and its space", ascii("PROXY ")),
                truncated("v1, TCP4 without CRLF", ascii("PROXY TCP4 192.0.2.1 198.51.100.7 56324 443")),
                truncated("v1, a line ending in CR", ascii("PROXY UNKNOWN\r")),
                truncated("v1, 106 bytes without CRLF", ascii("PROXY " + "a".repeat(100))),
                truncated("v2, CR", new byte[] {0x0D}),
                truncated("v2, the signature", SIGNATURE),
                truncated("v2, 15 bytes", Arrays.copyOf(tcp4, 15)),
                truncated("v2, the 16 fixed bytes of TCP4", Arrays.copyOf(tcp4, 16)),
                truncated("v2, TCP4 less its last byte", Arrays.copyOf(tcp4, tcp4.length - 1)),
                truncated("v2, with a TLV, less the last byte", Arrays.copyOf(withTlv, withTlv.length - 1)),
                truncated("v2 LOCAL, less the last byte of its block", Arrays.copyOf(v2(0x20, 0x00, new byte[40]), 55)));
    }

    static List<Row> garbageRows() {
        byte[] clientHello = {0x16, 0x03, 0x01, 0x00, (byte) 0xA5, 0x01, 0x00, 0x00, (byte) 0xA1, 0x03, 0x03};
        return List.of(
                fails("an HTTP request", REQUEST, 1, ProxyHeaderParser.NOT_PROXY),
                fails("a TLS ClientHello", clientHello, 1, ProxyHeaderParser.NOT_PROXY),
                fails("the HTTP/2 preface fails at its 3rd byte", ascii("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 3, ProxyHeaderParser.NOT_PROXY),
                fails("an SSH banner", ascii("SSH-2.0-OpenSSH_9.6\r\n"), 1, ProxyHeaderParser.NOT_PROXY),
                fails("empty lines, then a request, fail at the 5th byte", concat(ascii("\r\n\r\n"), REQUEST), 5, ProxyHeaderParser.NOT_PROXY),
                fails("CR LF then a request", concat(ascii("\r\n"), REQUEST), 3, ProxyHeaderParser.NOT_PROXY),
                fails("a NUL", new byte[] {0, 0, 0}, 1, ProxyHeaderParser.NOT_PROXY),
                fails("a lone LF", ascii("\nPROXY UNKNOWN\r\n"), 1, ProxyHeaderParser.NOT_PROXY),
                fails("a space, then PROXY", ascii(" PROXY UNKNOWN\r\n"), 1, ProxyHeaderParser.NOT_PROXY),
                fails("P, then the v2 signature", concat(ascii("P"), SIGNATURE), 2, ProxyHeaderParser.NOT_PROXY),
                fails("CR, then PROXY", ascii("\rPROXY UNKNOWN\r\n"), 2, ProxyHeaderParser.NOT_PROXY),
                fails("high bytes", filled(200, 0xFF), 1, ProxyHeaderParser.NOT_PROXY));
    }

    // ------------------------------------------------------------------------------------------
    // Running the rows
    // ------------------------------------------------------------------------------------------

    @TestFactory
    Stream<DynamicTest> whole() {
        return rows().stream().map(r -> DynamicTest.dynamicTest(r.name(), () -> check(r, new int[0])));
    }

    @TestFactory
    Stream<DynamicTest> splitAtEveryByte() {
        return rows().stream().map(r -> DynamicTest.dynamicTest(r.name(), () -> {
            for (int i = 0; i <= r.input().length; i++) {
                check(r, new int[] {i});
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> byteByByte() {
        return rows().stream().map(r -> DynamicTest.dynamicTest(r.name(), () -> check(r, everyByte(r.input().length))));
    }

    /** Also with an empty piece before every byte (a read that returned nothing). */
    @TestFactory
    Stream<DynamicTest> byteByByteWithEmptyPieces() {
        return rows().stream().map(r -> DynamicTest.dynamicTest(r.name(), () -> {
            int n = r.input().length;
            int[] cuts = new int[2 * n];
            for (int i = 0; i < n; i++) {
                cuts[2 * i] = i;
                cuts[2 * i + 1] = i;
            }
            check(r, cuts);
        }));
    }

    /**
     * Feeds the row's bytes in pieces cut at {@code cuts} (ascending, repeats allowed), each piece
     * a buffer over a shared array with its own position and limit. Checks what every call must
     * hold, then that the bytes left in the pieces are exactly the row's {@code left}.
     */
    static void check(Row r, int[] cuts) {
        byte[] bytes = r.input();
        byte[] copy = bytes.clone();
        ProxyHeaderParser parser = ProxyHeaderParser.withDefaults();
        ByteArrayOutputStream left = new ByteArrayOutputStream();
        ProxyResult last = ProxyResult.NEED_MORE;
        String where = r.name() + ", cut at " + (cuts.length > 12 ? cuts.length + " points" : Arrays.toString(cuts));
        int from = 0;
        for (int i = 0; i <= cuts.length; i++) {
            int to = i < cuts.length ? cuts[i] : bytes.length;
            ByteBuffer piece = ByteBuffer.wrap(copy, from, to - from);
            ProxyResult before = last;
            last = parser.parse(piece);
            assertEquals(to, piece.limit(), where + ": the parser moved the limit");
            assertTrue(piece.position() >= from, where + ": the parser moved the position back");
            if (!(before instanceof ProxyResult.NeedMore)) {
                assertSame(before, last, where + ": a final result changed");
                assertEquals(from, piece.position(), where + ": bytes consumed after a final result");
            } else if (last instanceof ProxyResult.NeedMore) {
                assertEquals(to, piece.position(), where + ": NeedMore, but not everything offered was consumed");
            }
            left.write(copy, piece.position(), to - piece.position());
            from = to;
        }
        assertEquals(r.expected(), describe(last), where);
        assertEquals(escape(r.left()), escape(left.toByteArray()), where + ": the bytes left after the header");
        assertArrayEquals(bytes, copy, where + ": the parser wrote into its input");
        ProxyResult atEof = parser.endOfInput();
        assertEquals(r.atEof(), describe(atEof), where + ", then the end of input");
        if (!(last instanceof ProxyResult.NeedMore)) {
            assertSame(last, atEof, where + ": endOfInput changed a final result");
        }
        assertSame(atEof, parser.endOfInput(), where + ": endOfInput twice");
        assertSame(atEof, parser.parse(ByteBuffer.wrap(REQUEST)), where + ": parse after endOfInput");
    }

    static String describe(ProxyResult result) {
        if (result instanceof ProxyResult.Proxied p) {
            return proxied(p.version(), p.family(), p.sourceHost(), p.sourcePort(), p.destinationHost(), p.destinationPort());
        }
        if (result instanceof ProxyResult.Local l) {
            return local(l.version(), l.why());
        }
        if (result instanceof ProxyResult.Failed f) {
            return "fail " + f.reason();
        }
        assertSame(ProxyResult.NEED_MORE, result, "a NeedMore that is not the constant");
        return NEED;
    }

    // ------------------------------------------------------------------------------------------
    // Beyond the rows
    // ------------------------------------------------------------------------------------------

    /** Only "P" and CR may begin a header; any other first byte fails alone, at once. */
    @Test
    void everyFirstByteButPAndCrFailsAtOnce() {
        for (int b = 0; b < 256; b++) {
            ByteBuffer in = ByteBuffer.wrap(new byte[] {(byte) b, 'x'});
            ProxyResult r = ProxyHeaderParser.withDefaults().parse(in);
            if (b == 'P' || b == '\r') {
                assertEquals("fail " + ProxyHeaderParser.NOT_PROXY, describe(r), "byte " + b + " then x");
                assertEquals(2, in.position());
            } else {
                assertEquals("fail " + ProxyHeaderParser.NOT_PROXY, describe(r), "byte " + b);
                assertEquals(1, in.position(), "byte " + b + ": consumed past the byte that decided");
            }
        }
    }

    /** Every proper prefix of a valid header is NeedMore, consumed whole, and Failed at the end of input. */
    @Test
    void everyPrefixOfAHeaderNeedsMore() {
        for (Row r : rows()) {
            if (r.expected().startsWith("fail") || r.expected().equals(NEED)) {
                continue;
            }
            for (int n = 0; n < r.consumed().length; n++) {
                ProxyHeaderParser parser = ProxyHeaderParser.withDefaults();
                ByteBuffer in = ByteBuffer.wrap(r.consumed(), 0, n);
                assertSame(ProxyResult.NEED_MORE, parser.parse(in), r.name() + ": the first " + n + " bytes");
                assertEquals(n, in.position());
                String reason = n == 0 ? ProxyHeaderParser.INPUT_ENDED_BEFORE : ProxyHeaderParser.INPUT_ENDED_INSIDE;
                assertEquals("fail " + reason, describe(parser.endOfInput()), r.name() + ": the first " + n + " bytes, then the end");
            }
        }
    }

    /** Read-only and direct buffers, as a connection may hand them over. */
    @Test
    void readsReadOnlyAndDirectBuffers() {
        for (Row r : List.of(v1Rows().get(0), v2Rows().get(0), v2Rows().get(1))) {
            ByteBuffer direct = ByteBuffer.allocateDirect(r.input().length + 10);
            direct.position(10);
            direct.put(r.input()).flip().position(10);
            for (ByteBuffer in : List.of(ByteBuffer.wrap(r.input()).asReadOnlyBuffer(), direct, direct.duplicate().asReadOnlyBuffer())) {
                in.position(in.isDirect() ? 10 : 0);
                assertEquals(r.expected(), describe(ProxyHeaderParser.withDefaults().parse(in)), r.name() + " " + in);
                byte[] rest = new byte[in.remaining()];
                in.get(rest);
                assertArrayEquals(REQUEST, rest, r.name());
            }
        }
    }

    /** The request after the header is whole for the HTTP parser, in the same buffer. */
    @Test
    void theRequestAfterTheHeaderParses() {
        byte[] header = v2(0x21, 0x21, inet6("2001:db8::7", "2001:db8::1", 40000, 80), tlv(0x02, ascii("example.com")));
        ByteBuffer in = ByteBuffer.wrap(concat(header, ascii("GET /index.html HTTP/1.0\r\nContent-Length: 2\r\n\r\nok")));
        ProxyResult.Proxied p = assertInstanceOf(ProxyResult.Proxied.class, ProxyHeaderParser.withDefaults().parse(in));
        assertEquals(new ProxyResult.Proxied(2, "TCP6", "2001:db8:0:0:0:0:0:7", 40000, "2001:db8:0:0:0:0:0:1", 80), p);
        ParseResult.Complete c = assertInstanceOf(ParseResult.Complete.class, RequestParser.withDefaults().parse(in));
        assertEquals("/index.html", c.request().line().target());
        assertEquals(2, c.request().bodyLength());
        assertEquals(0, in.remaining());
    }

    @Test
    void theV2LimitIsAParameter() {
        assertThrows(IllegalArgumentException.class, () -> new ProxyHeaderParser(51));
        assertThrows(IllegalArgumentException.class, () -> new ProxyHeaderParser(65552));
        assertThrows(IllegalArgumentException.class, () -> new ProxyHeaderParser(-1));
        byte[] tcp6 = v2(0x21, 0x21, inet6("::1", "::1", 1, 2));
        assertEquals(52, tcp6.length);
        assertEquals(proxied(2, "TCP6", "0:0:0:0:0:0:0:1", 1, "0:0:0:0:0:0:0:1", 2), describe(new ProxyHeaderParser(52).parse(ByteBuffer.wrap(tcp6))));
        byte[] withTlv = v2(0x21, 0x21, inet6("::1", "::1", 1, 2), tlv(0x04, NOTHING));
        ByteBuffer in = ByteBuffer.wrap(withTlv);
        assertEquals("fail " + ProxyHeaderParser.V2_TOO_LONG, describe(new ProxyHeaderParser(54).parse(in)));
        assertEquals(16, in.position());
        assertEquals(proxied(2, "TCP6", "0:0:0:0:0:0:0:1", 1, "0:0:0:0:0:0:0:1", 2), describe(new ProxyHeaderParser(55).parse(ByteBuffer.wrap(withTlv))));
        // The largest: a length field of 65535, all of it one TLV.
        byte[] largest = v2(0x21, 0x11, inet4("192.0.2.1", "192.0.2.2", 1, 2), tlv(0xE1, new byte[0xFFFF - 12 - 3]));
        assertEquals(65551, largest.length);
        ProxyHeaderParser parser = new ProxyHeaderParser(65551);
        assertEquals(proxied(2, "TCP4", "192.0.2.1", 1, "192.0.2.2", 2), describe(parser.parse(ByteBuffer.wrap(largest))));
        assertEquals("fail " + ProxyHeaderParser.V2_TOO_LONG, describe(new ProxyHeaderParser(65550).parse(ByteBuffer.wrap(largest))));
    }

    /** The v1 limit is the spec's and not the v2 limit: a parser with the smallest v2 limit still reads 107-byte lines. */
    @Test
    void theV1LimitIs107WhateverTheV2Limit() {
        assertEquals(107, ProxyHeaderParser.V1_MAX);
        String ffff = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
        byte[] worst = ascii("PROXY UNKNOWN " + ffff + " " + ffff + " 65535 65535\r\n");
        assertEquals(107, worst.length);
        assertEquals(local(1, ProxyHeaderParser.V1_UNKNOWN), describe(new ProxyHeaderParser(52).parse(ByteBuffer.wrap(worst))));
    }

    // ------------------------------------------------------------------------------------------
    // Bytes
    // ------------------------------------------------------------------------------------------

    static byte[] ascii(String s) {
        for (int i = 0; i < s.length(); i++) {
            assertTrue(s.charAt(i) < 0x80, "not ASCII: " + s);
        }
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] patch(byte[] bytes, int at, int value) {
        byte[] b = bytes.clone();
        b[at] = (byte) value;
        return b;
    }

    static int[] everyByte(int length) {
        int[] cuts = new int[Math.max(0, length - 1)];
        for (int i = 0; i < cuts.length; i++) {
            cuts[i] = i + 1;
        }
        return cuts;
    }

    /** Printable text for a report: escapes, and runs of 8 or more equal bytes as {@code {b*n}}. */
    static String escape(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < bytes.length; ) {
            int run = 1;
            while (i + run < bytes.length && bytes[i + run] == bytes[i]) {
                run++;
            }
            int b = bytes[i] & 0xFF;
            String one = b >= 0x20 && b < 0x7F && b != '\\' && b != '{' ? String.valueOf((char) b) : String.format("\\x%02X", b);
            if (run >= 8) {
                s.append('{').append(one).append('*').append(run).append('}');
                i += run;
            } else {
                s.append(one);
                i++;
            }
        }
        return s.toString();
    }
}
