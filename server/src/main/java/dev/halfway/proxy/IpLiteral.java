package dev.halfway.proxy;

/**
 * IP address literals, text to bytes and bytes to text, without {@link java.net.InetAddress}'s
 * name resolution: what the PROXY v1 line (proxy-protocol.txt §2.1) and {@link Cidr} read, and
 * the host text the parser reports.
 *
 * <p>Text read: IPv4 is exactly four decimal numbers 0..255 separated by single dots, without
 * heading zeroes (§2.1: "Heading zeroes are not permitted ... to avoid any possible confusion with
 * octal numbers"). IPv6 is the text form of RFC 4291 §2.2: eight groups of one to four hex digits
 * in either case, at most one {@code ::} standing for one or more zero groups, and optionally the
 * last 32 bits as an IPv4 dotted quad (as {@code inet_ntop} writes {@code ::ffff:192.0.2.1}); no
 * zone ({@code %eth0}), no brackets. §2.1 asks for "sets of 4 hexadecimal digits" with one
 * {@code ::}, but senders write addresses with {@code inet_ntop}, which drops heading zeroes.
 *
 * <p>Text written, the host string: what {@link java.net.InetAddress#getHostAddress()} gives for
 * the same bytes, so that it matches how the access log prints a direct client: IPv4 as a dotted
 * quad; IPv6 as eight lower-case hex groups without heading zeroes and without {@code ::}
 * compression ({@code 0:0:0:0:0:0:0:1}); and an IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d})
 * as the IPv4 dotted quad, since Java turns those bytes into an {@code Inet4Address}, as it does for
 * an IPv4 client of a dual-stack socket.
 */
final class IpLiteral {

    private IpLiteral() {
    }

    /** The four bytes of a dotted quad, or null when {@code text} is not one. */
    static byte[] parseIpv4(String text) {
        byte[] out = new byte[4];
        return ipv4Into(text, 0, text.length(), out, 0) ? out : null;
    }

    /** The sixteen bytes of an IPv6 literal (RFC 4291 §2.2), or null when {@code text} is not one. */
    static byte[] parseIpv6(String text) {
        int n = text.length();
        if (n < 2 || n > 45) { // "::" is the shortest; 6 full groups and a 15-character dotted quad the longest
            return null;
        }
        int doubleColon = text.indexOf("::");
        if (doubleColon >= 0 && text.indexOf("::", doubleColon + 1) >= 0) {
            return null; // two "::", or ":::"
        }
        int[] head = new int[8];
        int[] tail = new int[8];
        int headCount;
        int tailCount;
        if (doubleColon < 0) {
            headCount = groups(text, 0, n, head, true);
            tailCount = 0;
            if (headCount != 8) {
                return null;
            }
        } else {
            headCount = groups(text, 0, doubleColon, head, false);
            tailCount = groups(text, doubleColon + 2, n, tail, true);
            // "::" stands for at least one group, so at most seven are written.
            if (headCount < 0 || tailCount < 0 || headCount + tailCount > 7) {
                return null;
            }
        }
        byte[] out = new byte[16];
        for (int i = 0; i < headCount; i++) {
            out[2 * i] = (byte) (head[i] >> 8);
            out[2 * i + 1] = (byte) head[i];
        }
        for (int i = 0; i < tailCount; i++) {
            int g = 8 - tailCount + i;
            out[2 * g] = (byte) (tail[i] >> 8);
            out[2 * g + 1] = (byte) tail[i];
        }
        return out;
    }

    /**
     * Reads the colon-separated groups of {@code text[from, to)} into {@code out} and says how many
     * 16-bit groups they are, or -1 when one is malformed. When {@code endsAddress}, the range ends
     * the address and its last group may be a dotted quad, which counts two. An empty range is zero
     * groups (either side of a "::").
     */
    private static int groups(String text, int from, int to, int[] out, boolean endsAddress) {
        if (from == to) {
            return 0;
        }
        int count = 0;
        int start = from;
        while (true) {
            int colon = text.indexOf(':', start);
            int end = colon < 0 || colon >= to ? to : colon;
            int dot = text.indexOf('.', start);
            if (endsAddress && end == to && dot >= 0 && dot < to) {
                // The last 32 bits as a dotted quad (RFC 4291 §2.2, form 3).
                if (count > 6) {
                    return -1;
                }
                byte[] quad = new byte[4];
                if (!ipv4Into(text, start, to, quad, 0)) {
                    return -1;
                }
                out[count++] = (quad[0] & 0xFF) << 8 | quad[1] & 0xFF;
                out[count++] = (quad[2] & 0xFF) << 8 | quad[3] & 0xFF;
                return count;
            }
            int length = end - start;
            if (length < 1 || length > 4 || count == 8) {
                return -1;
            }
            int value = 0;
            for (int i = start; i < end; i++) {
                int digit = hexDigit(text.charAt(i));
                if (digit < 0) {
                    return -1;
                }
                value = value << 4 | digit;
            }
            out[count++] = value;
            if (end == to) {
                return count;
            }
            start = end + 1;
        }
    }

    /** The value of an ASCII hex digit in either case, else -1 (unlike Character.digit, no other scripts' digits). */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    /** Reads a dotted quad from {@code text[from, to)} into {@code out[at, at + 4)}. */
    private static boolean ipv4Into(String text, int from, int to, byte[] out, int at) {
        int part = 0;
        int i = from;
        while (true) {
            int start = i;
            int value = 0;
            while (i < to && i - start < 4 && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
                value = value * 10 + (text.charAt(i) - '0');
                i++;
            }
            int digits = i - start;
            if (digits == 0 || digits > 3 || value > 255 || digits > 1 && text.charAt(start) == '0') {
                return false;
            }
            out[at + part++] = (byte) value;
            if (part == 4) {
                return i == to;
            }
            if (i == to || text.charAt(i) != '.') {
                return false;
            }
            i++;
        }
    }

    /** Whether sixteen bytes are an IPv4-mapped IPv6 address, {@code ::ffff:0:0/96} (RFC 4291 §2.5.5.2). */
    static boolean isIpv4Mapped(byte[] address) {
        if (address.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (address[i] != 0) {
                return false;
            }
        }
        return address[10] == (byte) 0xFF && address[11] == (byte) 0xFF;
    }

    /** The host string for four or sixteen address bytes, as {@code InetAddress.getHostAddress()} gives it. */
    static String hostText(byte[] address) {
        if (address.length == 4) {
            return dottedQuad(address, 0);
        }
        if (isIpv4Mapped(address)) {
            return dottedQuad(address, 12);
        }
        return ipv6Text(address);
    }

    /** Four bytes as a dotted quad, sixteen as {@link #ipv6Text}: the family kept, for ranges. */
    static String ipv6OrIpv4Text(byte[] address) {
        return address.length == 4 ? dottedQuad(address, 0) : ipv6Text(address);
    }

    /** Eight lower-case hex groups without heading zeroes, never compressed, even for a mapped address. */
    static String ipv6Text(byte[] address) {
        StringBuilder s = new StringBuilder(39);
        for (int g = 0; g < 8; g++) {
            if (g > 0) {
                s.append(':');
            }
            s.append(Integer.toHexString((address[2 * g] & 0xFF) << 8 | address[2 * g + 1] & 0xFF));
        }
        return s.toString();
    }

    private static String dottedQuad(byte[] a, int at) {
        return (a[at] & 0xFF) + "." + (a[at + 1] & 0xFF) + "." + (a[at + 2] & 0xFF) + "." + (a[at + 3] & 0xFF);
    }
}
