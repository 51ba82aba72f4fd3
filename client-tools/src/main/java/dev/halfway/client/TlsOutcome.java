package dev.halfway.client;

/**
 * What TLS came to in one exchange.
 *
 * @param protocol          the negotiated version, e.g. "TLSv1.3"; null if the handshake did not complete
 * @param cipher            the negotiated cipher suite; null likewise
 * @param alpn              the application protocol the server chose (RFC 7301), or null for none
 * @param handshakeFailure  why the handshake failed, in one line; null if it did not fail
 * @param error             what else went wrong with TLS: a fatal alert or a record we could not read
 *                          after the handshake, or the timeout that cut the handshake short; null if nothing
 * @param serverCloseNotify whether the server's close_notify arrived; false when its TCP FIN (or
 *                          an RST, or our timeout) came first: RFC 8446 §6.1 calls a FIN without
 *                          it a possible truncation
 * @param ourCloseNotify    whether we sent close_notify (our half-close, our close, or the reply
 *                          TLS 1.2 requires, RFC 5246 §7.2.1)
 */
public record TlsOutcome(String protocol, String cipher, String alpn, String handshakeFailure, String error,
                         boolean serverCloseNotify, boolean ourCloseNotify) {

    static TlsOutcome failed(String why) {
        return new TlsOutcome(null, null, null, why, null, false, false);
    }

    public boolean handshakeDone() {
        return protocol != null;
    }
}
