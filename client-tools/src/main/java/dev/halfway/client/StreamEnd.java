package dev.halfway.client;

/** How the server's byte stream ended, as the client saw it. */
public enum StreamEnd {
    /** read() returned -1: the server shut its output (FIN). */
    FIN,
    /** The connection was reset (ECONNRESET): an RST arrived; bytes not yet read were destroyed. */
    RST,
    /** Nothing ended it within the timeout. */
    TIMEOUT,
    /** We ended it ourselves ({@code --close}, {@code --reset}, or a stop-after-N-bytes reader). */
    CLOSED
}
