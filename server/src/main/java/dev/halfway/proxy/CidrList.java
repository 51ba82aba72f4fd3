package dev.halfway.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Address ranges, in order; an address is in the list when it is in any of them (see
 * {@link Cidr#contains} for how IPv4 and IPv4-mapped IPv6 addresses match).
 *
 * @param ranges the ranges (copied; no nulls)
 */
public record CidrList(List<Cidr> ranges) {

    /** The loopback ranges: {@code 127.0.0.0/8} (RFC 1122 §3.2.1.3) and {@code ::1/128} (RFC 4291 §2.5.3). */
    public static final CidrList LOOPBACK = parse("127.0.0.0/8,::1/128");

    public CidrList {
        ranges = List.copyOf(ranges);
    }

    /**
     * Reads ranges separated by commas, each as {@link Cidr#parse} reads it; whitespace around a
     * range is ignored. At least one range.
     *
     * @throws IllegalArgumentException naming {@code commaSeparated} and, for a bad range, that range
     */
    public static CidrList parse(String commaSeparated) {
        Objects.requireNonNull(commaSeparated, "commaSeparated");
        List<Cidr> ranges = new ArrayList<>();
        for (String piece : commaSeparated.split(",", -1)) {
            String range = piece.strip();
            if (range.isEmpty()) {
                throw new IllegalArgumentException("\"" + commaSeparated + "\" has an empty range; expected ranges such as 10.0.0.0/8,::1 separated by commas");
            }
            ranges.add(Cidr.parse(range));
        }
        return new CidrList(ranges);
    }

    /** Whether {@code address} (four or sixteen bytes) is in any of the ranges. */
    public boolean contains(byte[] address) {
        Objects.requireNonNull(address, "address");
        if (address.length != 4 && address.length != 16) {
            throw new IllegalArgumentException("an address has 4 (IPv4) or 16 (IPv6) bytes, not " + address.length);
        }
        for (Cidr range : ranges) {
            if (range.contains(address)) {
                return true;
            }
        }
        return false;
    }

    /** The ranges as {@link #parse} reads them back. */
    @Override
    public String toString() {
        return ranges.stream().map(Cidr::toString).collect(Collectors.joining(","));
    }
}
