package dev.halfway.http;

/**
 * Request methods halfway recognises: RFC 1945 §8 and Appendix D.1, and the later registered ones.
 * Method names are case-sensitive (RFC 9110 §9.1), so {@code get} is not {@code GET}: it is an
 * unknown token and gets 501. Only GET and HEAD are served; the others get 405.
 */
public enum Method {
    GET, HEAD, POST, PUT, DELETE, LINK, UNLINK, OPTIONS, TRACE, CONNECT, PATCH;

    /** The value of the {@code Allow} field sent with 405 (RFC 1945 §10.1). */
    public static final String ALLOW = "GET, HEAD";

    public boolean isServed() {
        return this == GET || this == HEAD;
    }

    /**
     * Methods whose requests always carry an entity body: RFC 1945 §8.3 (POST) and D.1.1 (PUT).
     * Without a Content-Length their end cannot be found (a close cannot delimit a request body,
     * RFC 1945 §7.2.2), so they get 411.
     */
    public boolean requiresBody() {
        return this == POST || this == PUT || this == PATCH;
    }

    /** The method named exactly {@code token}, or null when it is not one of ours. */
    public static Method byName(String token) {
        for (Method m : values()) {
            if (m.name().equals(token)) {
                return m;
            }
        }
        return null;
    }
}
