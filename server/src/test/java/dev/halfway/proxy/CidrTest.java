package dev.halfway.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** Named rows: a range, an address, whether the range contains it; then texts that are not ranges. */
class CidrTest {

    record Row(String name, String range, String address, boolean contains) {}

    static List<Row> rows() {
        return List.of(
                // IPv4
                new Row("IPv4 /8 inside", "10.0.0.0/8", "10.255.1.2", true),
                new Row("IPv4 /8 outside", "10.0.0.0/8", "11.0.0.0", false),
                new Row("IPv4 /8 just below", "10.0.0.0/8", "9.255.255.255", false),
                new Row("IPv4 /12 inside, prefix not on a byte", "172.16.0.0/12", "172.31.255.255", true),
                new Row("IPv4 /12 outside, prefix not on a byte", "172.16.0.0/12", "172.32.0.0", false),
                new Row("IPv4 /31", "192.0.2.2/31", "192.0.2.3", true),
                new Row("IPv4 /31 outside", "192.0.2.2/31", "192.0.2.4", false),
                new Row("IPv4 /32 itself", "192.0.2.1/32", "192.0.2.1", true),
                new Row("IPv4 /32 neighbour", "192.0.2.1/32", "192.0.2.0", false),
                new Row("IPv4 without prefix is /32", "192.0.2.1", "192.0.2.1", true),
                new Row("IPv4 without prefix, neighbour", "192.0.2.1", "192.0.2.2", false),
                new Row("IPv4 /0 contains everything IPv4", "0.0.0.0/0", "255.255.255.255", true),
                new Row("IPv4 /0 does not contain IPv6", "0.0.0.0/0", "2001:db8::1", false),
                new Row("IPv4 range does not contain IPv4-compatible IPv6", "1.2.3.0/24", "::1.2.3.4", false),
                new Row("loopback /8", "127.0.0.0/8", "127.1.2.3", true),
                // IPv6
                new Row("IPv6 /32 inside", "2001:db8::/32", "2001:db8:ffff::1", true),
                new Row("IPv6 /32 outside", "2001:db8::/32", "2001:db9::", false),
                new Row("IPv6 /56, prefix not on a group", "2001:db8:0:100::/56", "2001:db8:0:1ff::", true),
                new Row("IPv6 /56 outside", "2001:db8:0:100::/56", "2001:db8:0:200::", false),
                new Row("IPv6 /127", "fe80::/127", "fe80::1", true),
                new Row("IPv6 /127 outside", "fe80::/127", "fe80::2", false),
                new Row("IPv6 /128 itself", "::1/128", "::1", true),
                new Row("IPv6 /128 neighbour", "::1/128", "::2", false),
                new Row("IPv6 /128 is not ::", "::1/128", "::", false),
                new Row("IPv6 without prefix is /128", "2001:db8::5", "2001:db8:0:0:0:0:0:5", true),
                new Row("IPv6 upper case", "2001:DB8::/32", "2001:db8::abcd", true),
                new Row("IPv6 /0 contains IPv6", "::/0", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true),
                new Row("IPv6 range does not contain an unmapped IPv4", "2001:db8::/32", "192.0.2.1", false),
                // IPv4-mapped IPv6 addresses (RFC 4291 §2.5.5.2) are their IPv4 address
                new Row("mapped address in an IPv4 range", "10.0.0.0/8", "::ffff:10.1.2.3", true),
                new Row("mapped address in an IPv4 range, hex form", "10.0.0.0/8", "::ffff:a01:203", true),
                new Row("mapped address outside an IPv4 range", "10.0.0.0/8", "::ffff:11.1.2.3", false),
                new Row("mapped address in IPv4 /32", "192.0.2.1/32", "::ffff:192.0.2.1", true),
                new Row("mapped loopback in 127/8", "127.0.0.0/8", "::ffff:127.0.0.1", true),
                new Row("mapped address in IPv4 /0", "0.0.0.0/0", "::ffff:0.0.0.0", true),
                new Row("near-mapped (::fffe:) is not IPv4", "10.0.0.0/8", "::fffe:10.1.2.3", false),
                new Row("IPv4 address in a mapped IPv6 range", "::ffff:10.0.0.0/104", "10.9.9.9", true),
                new Row("IPv4 address outside a mapped IPv6 range", "::ffff:10.0.0.0/104", "11.9.9.9", false),
                new Row("IPv4 address in ::ffff:0:0/96", "::ffff:0:0/96", "8.8.8.8", true),
                new Row("IPv4 address in ::/0", "::/0", "8.8.8.8", true),
                new Row("IPv4 address is not ::1", "::1/128", "127.0.0.1", false));
    }

    @TestFactory
    Stream<DynamicTest> containment() {
        return rows().stream().map(r -> DynamicTest.dynamicTest(r.name(), () -> {
            Cidr cidr = Cidr.parse(r.range());
            assertEquals(r.contains(), cidr.contains(bytes(r.address())), r.range() + " contains " + r.address());
            // The same through a list, alone and after a range that contains nothing of it.
            assertEquals(r.contains(), CidrList.parse(r.range()).contains(bytes(r.address())));
            assertEquals(r.contains(), CidrList.parse("198.51.100.0/24, 3fff::/20 ," + r.range()).contains(bytes(r.address())));
        }));
    }

    /** Texts that are not ranges, and a piece of what the message must say besides the text itself. */
    record Bad(String text, String says) {}

    static List<Bad> bad() {
        return List.of(
                new Bad("", "is not an IPv4 address"),
                new Bad("/8", "is not an IPv4 address"),
                new Bad("10.0.0.0/", "prefix after / must be 0..32"),
                new Bad("10.0.0.0/33", "prefix after / must be 0..32"),
                new Bad("10.0.0.0/-1", "prefix after / must be 0..32"),
                new Bad("10.0.0.0/+8", "prefix after / must be 0..32"),
                new Bad("10.0.0.0/08", "without heading zeroes"),
                new Bad("10.0.0.0/8/8", "prefix after / must be 0..32"),
                new Bad("10.0.0.0/ 8", "prefix after / must be 0..32"),
                new Bad("::/129", "prefix after / must be 0..128"),
                new Bad("::/1000", "prefix after / must be 0..128"),
                new Bad("10.0.0", "is not an IPv4 address"),
                new Bad("10.0.0.0.0/8", "is not an IPv4 address"),
                new Bad("256.0.0.0/8", "is not an IPv4 address"),
                new Bad("010.0.0.0/8", "is not an IPv4 address"),
                new Bad("10.0.0.00/32", "is not an IPv4 address"),
                new Bad("10..0.0/8", "is not an IPv4 address"),
                new Bad(" 10.0.0.0/8", "is not an IPv4 address"),
                new Bad("10.0.0.0/8 ", "prefix after / must be 0..32"),
                new Bad("localhost", "is not an IPv4 address"),
                new Bad("1:2:3:4:5:6:7/128", "is not an IPv6 address"),
                new Bad("1:2:3:4:5:6:7:8:9", "is not an IPv6 address"),
                new Bad("1::2::3", "is not an IPv6 address"),
                new Bad(":::1", "is not an IPv6 address"),
                new Bad(":1::", "is not an IPv6 address"),
                new Bad("1::2:", "is not an IPv6 address"),
                new Bad("12345::", "is not an IPv6 address"),
                new Bad("g::", "is not an IPv6 address"),
                new Bad("1:2:3:4:5:6:7:8::", "is not an IPv6 address"),
                new Bad("::1%lo", "is not an IPv6 address"),
                new Bad("[::1]/128", "is not an IPv6 address"),
                new Bad("1.2.3.4::", "is not an IPv6 address"),
                new Bad("::ffff:1.2.3", "is not an IPv6 address"),
                new Bad("::ffff:01.2.3.4", "is not an IPv6 address"),
                new Bad("10.1.0.0/8", "bits set past its /8 prefix; the range is 10.0.0.0/8"),
                new Bad("192.0.2.1/31", "the range is 192.0.2.0/31"),
                new Bad("2001:db8::1/32", "the range is 2001:db8:0:0:0:0:0:0/32"),
                new Bad("::1/0", "the range is 0:0:0:0:0:0:0:0/0"));
    }

    @TestFactory
    Stream<DynamicTest> badTexts() {
        return bad().stream().map(b -> DynamicTest.dynamicTest("\"" + b.text() + "\"", () -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse(b.text()));
            assertTrue(e.getMessage().contains("\"" + b.text() + "\""), () -> "does not name the text: " + e.getMessage());
            assertTrue(e.getMessage().contains(b.says()), () -> "does not say \"" + b.says() + "\": " + e.getMessage());
            // A list names the bad range too (a list strips whitespace around its ranges, so those rows are not bad there).
            if (!b.text().isEmpty() && b.text().strip().equals(b.text())) {
                IllegalArgumentException inList = assertThrows(IllegalArgumentException.class, () -> CidrList.parse("127.0.0.1," + b.text()));
                assertTrue(inList.getMessage().contains("\"" + b.text() + "\""), inList::getMessage);
            }
        }));
    }

    @Test
    void listsRejectEmptyRanges() {
        for (String text : List.of("", " ", "10.0.0.0/8,", ",10.0.0.0/8", "10.0.0.0/8,,::1", "10.0.0.0/8, ,::1")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CidrList.parse(text), text);
            assertTrue(e.getMessage().contains("\"" + text + "\" has an empty range"), e.getMessage());
        }
    }

    @Test
    void listsIgnoreWhitespaceAroundRanges() {
        CidrList list = CidrList.parse(" 10.0.0.0/8 ,\t::1 ");
        assertEquals(List.of(Cidr.parse("10.0.0.0/8"), Cidr.parse("::1/128")), list.ranges());
        assertEquals("10.0.0.0/8,0:0:0:0:0:0:0:1/128", list.toString());
    }

    @Test
    void loopbackIs127Slash8AndColonColon1() {
        assertEquals(List.of(Cidr.parse("127.0.0.0/8"), Cidr.parse("::1/128")), CidrList.LOOPBACK.ranges());
        assertTrue(CidrList.LOOPBACK.contains(bytes("127.0.0.1")));
        assertTrue(CidrList.LOOPBACK.contains(bytes("127.255.255.255")));
        assertTrue(CidrList.LOOPBACK.contains(bytes("::1")));
        assertTrue(CidrList.LOOPBACK.contains(bytes("::ffff:127.0.0.1")));
        assertFalse(CidrList.LOOPBACK.contains(bytes("128.0.0.1")));
        assertFalse(CidrList.LOOPBACK.contains(bytes("::2")));
        assertFalse(CidrList.LOOPBACK.contains(bytes("10.0.0.1")));
    }

    /** Every prefix of an address contains it; with the first bit past the prefix flipped, only shorter prefixes do. */
    @Test
    void everyPrefixLengthOfAnAddress() throws Exception {
        for (String text : List.of("203.0.113.77", "2001:db8:85a3:8d3:1319:8a2e:370:7348")) {
            byte[] address = bytes(text);
            for (int prefix = 0; prefix <= address.length * 8; prefix++) {
                byte[] network = address.clone();
                for (int bit = prefix; bit < network.length * 8; bit++) {
                    network[bit / 8] &= (byte) ~(0x80 >> (bit % 8));
                }
                Cidr cidr = new Cidr(network, prefix);
                assertTrue(cidr.contains(address), cidr + " contains " + text);
                assertEquals(cidr, Cidr.parse(cidr.toString()), "toString reads back");
                if (prefix < address.length * 8) {
                    byte[] other = address.clone();
                    other[prefix / 8] ^= (byte) (0x80 >> (prefix % 8));
                    assertTrue(cidr.contains(other), cidr + " contains a change past its prefix");
                }
                if (prefix > 0) {
                    byte[] other = address.clone();
                    other[(prefix - 1) / 8] ^= (byte) (0x80 >> ((prefix - 1) % 8));
                    assertFalse(cidr.contains(other), cidr + " does not contain a change in its last prefix bit");
                }
            }
        }
    }

    @Test
    void theConstructorChecksAndCopies() {
        assertThrows(IllegalArgumentException.class, () -> new Cidr(new byte[5], 0));
        assertThrows(IllegalArgumentException.class, () -> new Cidr(new byte[4], 33));
        assertThrows(IllegalArgumentException.class, () -> new Cidr(new byte[16], -1));
        assertThrows(IllegalArgumentException.class, () -> new Cidr(new byte[] {10, 0, 0, 1}, 8));
        assertThrows(NullPointerException.class, () -> new Cidr(null, 0));
        byte[] network = {10, 0, 0, 0};
        Cidr cidr = new Cidr(network, 8);
        network[0] = 11;
        assertArrayEquals(new byte[] {10, 0, 0, 0}, cidr.network(), "the record kept the caller's array");
        cidr.network()[0] = 12;
        assertArrayEquals(new byte[] {10, 0, 0, 0}, cidr.network(), "the accessor handed out the record's array");
        assertEquals(new Cidr(new byte[] {10, 0, 0, 0}, 8), cidr);
        assertEquals(new Cidr(new byte[] {10, 0, 0, 0}, 8).hashCode(), cidr.hashCode());
        assertNotEquals(new Cidr(new byte[] {10, 0, 0, 0}, 9), cidr);
        assertThrows(IllegalArgumentException.class, () -> cidr.contains(new byte[5]));
        assertThrows(IllegalArgumentException.class, () -> CidrList.LOOPBACK.contains(new byte[0]));
    }

    @Test
    void ipv6TextFormsAreTheSameAddress() {
        byte[] full = bytes("2001:0db8:0000:0000:0000:ff00:0042:8329");
        for (String form : List.of("2001:db8:0:0:0:ff00:42:8329", "2001:db8::ff00:42:8329", "2001:DB8::FF00:42:8329",
                "2001:db8:0::0:ff00:42:8329")) {
            assertArrayEquals(full, IpLiteral.parseIpv6(form), form);
        }
        assertArrayEquals(new byte[16], IpLiteral.parseIpv6("::"));
        assertArrayEquals(bytes("1:0:0:0:0:0:0:0"), IpLiteral.parseIpv6("1::"));
        assertArrayEquals(bytes("1:2:3:4:5:6:0:8"), IpLiteral.parseIpv6("1:2:3:4:5:6::8"));
        assertArrayEquals(bytes("0:2:3:4:5:6:7:8"), IpLiteral.parseIpv6("::2:3:4:5:6:7:8"));
        assertArrayEquals(bytes("1:2:3:4:5:6:102:304"), IpLiteral.parseIpv6("1:2:3:4:5:6:1.2.3.4"));
    }

    /** The parser's address bytes, from the JDK's own literal parser (a literal: no lookup). */
    static byte[] bytes(String literal) {
        try {
            byte[] b = InetAddress.getByName(literal).getAddress();
            if (literal.contains(":") && b.length == 4) {
                // The JDK turns ::ffff:a.b.c.d into an Inet4Address; keep the sixteen bytes as written.
                byte[] mapped = new byte[16];
                mapped[10] = (byte) 0xFF;
                mapped[11] = (byte) 0xFF;
                System.arraycopy(b, 0, mapped, 12, 4);
                return mapped;
            }
            return b;
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(literal, e);
        }
    }
}
