package dev.halfway.proxy;

import java.util.Arrays;
import java.util.Objects;

/**
 * An IPv4 or IPv6 address range in CIDR notation (RFC 4632 §3.1, RFC 4291 §2.3): a network of
 * four or sixteen bytes and a prefix length. Meant for saying which peers may send a PROXY
 * header (proxy-protocol.txt §5: "accepting the header only from a number of known sources").
 *
 * <p>An IPv4 address and its IPv4-mapped IPv6 form ({@code ::ffff:a.b.c.d}, RFC 4291 §2.5.5.2)
 * are the same address here: an IPv4 range contains the mapped form of its addresses, and an IPv6
 * range that covers {@code ::ffff:0:0/96} (such as {@code ::/0}) contains the IPv4 addresses it
 * maps. A dual-stack socket may report an IPv4 peer either way.
 *
 * <p>The network is copied in and out; equality is by value.
 *
 * @param network four or sixteen bytes, with no bit set past the prefix
 * @param prefix  0..32 for IPv4, 0..128 for IPv6
 */
public record Cidr(byte[] network, int prefix) {

    public Cidr {
        Objects.requireNonNull(network, "network");
        if (network.length != 4 && network.length != 16) {
            throw new IllegalArgumentException("a network has 4 (IPv4) or 16 (IPv6) bytes, not " + network.length);
        }
        int bits = network.length * 8;
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("prefix " + prefix + " is not in 0.." + bits);
        }
        network = network.clone();
        if (!hostBitsZero(network, prefix)) {
            throw new IllegalArgumentException("network " + IpLiteral.ipv6OrIpv4Text(network) + " has bits set past its /" + prefix + " prefix");
        }
    }

    /**
     * Reads {@code address} or {@code address/prefix}; an address alone is a single host (/32 or
     * /128). The address is a literal as {@code IpLiteral} reads it (no heading zeroes in IPv4,
     * no zone in IPv6); the prefix is decimal without heading zeroes. No whitespace.
     *
     * @throws IllegalArgumentException naming {@code text} and what is wrong with it
     */
    public static Cidr parse(String text) {
        Objects.requireNonNull(text, "text");
        int slash = text.indexOf('/');
        String addressText = slash < 0 ? text : text.substring(0, slash);
        boolean ipv6 = addressText.indexOf(':') >= 0;
        byte[] address = ipv6 ? IpLiteral.parseIpv6(addressText) : IpLiteral.parseIpv4(addressText);
        if (address == null) {
            throw new IllegalArgumentException(quote(text) + " is not an IPv4 or IPv6 range: "
                    + quote(addressText) + " is not an " + (ipv6 ? "IPv6" : "IPv4") + " address");
        }
        int bits = address.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            prefix = prefix(text.substring(slash + 1), bits);
            if (prefix < 0) {
                throw new IllegalArgumentException(quote(text) + " is not an IPv4 or IPv6 range: the prefix after / must be 0.."
                        + bits + " in decimal, without heading zeroes");
            }
        }
        if (!hostBitsZero(address, prefix)) {
            byte[] masked = address.clone();
            mask(masked, prefix);
            throw new IllegalArgumentException(quote(text) + " has address bits set past its /" + prefix + " prefix; the range is "
                    + IpLiteral.ipv6OrIpv4Text(masked) + "/" + prefix);
        }
        return new Cidr(address, prefix);
    }

    /** The network's bytes (a copy). */
    @Override
    public byte[] network() {
        return network.clone();
    }

    /**
     * Whether {@code address} (four or sixteen bytes, as {@link java.net.InetAddress#getAddress()}
     * gives them) is in this range; an address is matched as IPv4 and as IPv4-mapped IPv6 alike.
     */
    public boolean contains(byte[] address) {
        Objects.requireNonNull(address, "address");
        byte[] form;
        if (address.length == network.length) {
            form = address;
        } else if (address.length == 16) { // an IPv6 address against an IPv4 range
            if (!IpLiteral.isIpv4Mapped(address)) {
                return false;
            }
            form = Arrays.copyOfRange(address, 12, 16);
        } else if (address.length == 4) { // an IPv4 address against an IPv6 range: its mapped form
            form = new byte[16];
            form[10] = (byte) 0xFF;
            form[11] = (byte) 0xFF;
            System.arraycopy(address, 0, form, 12, 4);
        } else {
            throw new IllegalArgumentException("an address has 4 (IPv4) or 16 (IPv6) bytes, not " + address.length);
        }
        int whole = prefix / 8;
        for (int i = 0; i < whole; i++) {
            if (form[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int m = 0xFF << (8 - rest) & 0xFF;
        return (form[whole] & m) == (network[whole] & 0xFF);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && prefix == c.prefix && Arrays.equals(network, c.network);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(network) + prefix;
    }

    /** The range as {@link #parse} reads it back: {@code 10.0.0.0/8}, {@code 0:0:0:0:0:0:0:1/128}. */
    @Override
    public String toString() {
        return IpLiteral.ipv6OrIpv4Text(network) + "/" + prefix;
    }

    /** A prefix length 0..bits in decimal without heading zeroes, or -1. */
    private static int prefix(String text, int bits) {
        if (text.isEmpty() || text.length() > 3 || text.length() > 1 && text.charAt(0) == '0') {
            return -1;
        }
        int value = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value <= bits ? value : -1;
    }

    private static boolean hostBitsZero(byte[] address, int prefix) {
        byte[] masked = address.clone();
        mask(masked, prefix);
        return Arrays.equals(masked, address);
    }

    /** Clears every bit past the first {@code prefix}. */
    private static void mask(byte[] address, int prefix) {
        for (int i = 0; i < address.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - 8 * i));
            address[i] &= (byte) (0xFF << (8 - keep));
        }
    }

    private static String quote(String text) {
        return "\"" + text + "\"";
    }
}
