package dev.halfway.conn;

/** What a connection runs on, fixed when it is accepted. */
public enum Transport {
    /** Plain TCP on a plain port. */
    TCP("tcp"),
    /** TLS: a handshake comes before the request, and the head timeout bounds both. */
    TLS("tls"),
    /**
     * Plain TCP on a TLS port: the client's first byte was not a TLS record. Whatever request it
     * sends is refused with 400 in plaintext (as nginx does), so a user who typed {@code http://}
     * for an {@code https://} server gets an answer saying so rather than a silent close.
     */
    TCP_ON_TLS_PORT("tcp-on-tls-port");

    private final String label;

    Transport(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
