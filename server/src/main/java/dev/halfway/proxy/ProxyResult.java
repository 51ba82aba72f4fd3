package dev.halfway.proxy;

/** What {@link ProxyHeaderParser} says after each call: more bytes needed, an address, none, or a refusal. */
public sealed interface ProxyResult {

    /** More bytes are needed; everything offered was consumed. */
    record NeedMore() implements ProxyResult {}

    /**
     * The header carries the client's TCP connection (proxy-protocol.txt §2.1 TCP4/TCP6, §2.2
     * PROXY command over AF_INET/AF_INET6 with STREAM); the bytes after the header were left in
     * the buffer. Hosts are in the form {@link java.net.InetAddress#getHostAddress()} gives (see
     * {@code IpLiteral}): {@code 192.0.2.1}, {@code 2001:db8:0:0:0:0:0:1}, and an IPv4-mapped IPv6
     * address as its dotted quad, though {@code family} stays {@code "TCP6"} as the header said.
     *
     * @param version 1 (text) or 2 (binary)
     * @param family  {@code "TCP4"} or {@code "TCP6"}
     */
    record Proxied(int version, String family, String sourceHost, int sourcePort,
                   String destinationHost, int destinationPort) implements ProxyResult {}

    /**
     * A valid header that gives no usable client address: use the connection's own endpoints
     * (§2.1 UNKNOWN, §2.2 LOCAL, and UNSPEC, AF_UNIX or DGRAM, which this server, TCP only, treats
     * as UNSPEC, as §2.2 allows). The bytes after the header were left in the buffer.
     *
     * @param version 1 or 2
     * @param why     a fixed text for the log, naming what the header said
     */
    record Local(int version, String why) implements ProxyResult {}

    /**
     * The bytes are not a valid PROXY header, or ended before one did: drop the connection
     * (§2.1 "must ... cause the receiver to abort the connection"). {@code reason} is a fixed text
     * for the log; {@link ProxyHeaderParser} lists them.
     */
    record Failed(String reason) implements ProxyResult {}

    ProxyResult NEED_MORE = new NeedMore();
}
