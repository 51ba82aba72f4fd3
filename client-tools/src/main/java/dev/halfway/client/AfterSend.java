package dev.halfway.client;

/** What the client does with its side of the connection once the request is sent. */
public enum AfterSend {
    /** shutdown(SHUT_WR): our FIN; we keep reading (what nc -N, socat and stunnel do). */
    SHUT_WR,
    /** Leave the write side open, like curl. */
    NO_SHUT,
    /** Close the socket fully: the server sees the same FIN, but our kernel answers its data with RST. */
    CLOSE,
    /** SO_LINGER 0 and close: an RST at once. */
    RESET
}
