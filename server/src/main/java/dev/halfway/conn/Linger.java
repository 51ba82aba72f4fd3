package dev.halfway.conn;

/**
 * How the staged close (RFC 9112 §9.6) ended: after our FIN we read and discard the client's
 * input until its EOF, a linger timeout or a byte cap, so that unread bytes never make the kernel
 * reset the connection while the client is still reading the tail of the response.
 */
public enum Linger {
    /** No staged close happened (the connection ended before the response did, or had no response). */
    NONE("-"),
    /** The client's EOF arrived (before or after our FIN): a clean close. */
    CLIENT_EOF("client-eof"),
    /** The client kept its side open past the linger timeout. */
    TIMEOUT("timeout"),
    /** The client kept sending past the byte cap. */
    BYTE_CAP("byte-cap");

    private final String label;

    Linger(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
