package dev.halfway.client;

import java.time.Duration;
import java.util.List;

/**
 * One client exchange, described completely: where to connect, over plain TCP or TLS, the bytes
 * to send (in pieces), what to do with our side afterwards, how to read, and how long to wait in all.
 *
 * @param shutWrAfterMillis with {@link AfterSend#SHUT_WR}: delay our FIN by this long after the request (0: at once)
 * @param tls               null: plain TCP; else TLS over it, and our half-close is what the plan says
 *                          (close_notify then FIN, or a bare FIN)
 */
public record Plan(String host, int port, List<Piece> pieces, AfterSend after, long shutWrAfterMillis,
                   ReadPolicy read, Duration timeout, TlsPlan tls) {
    public Plan {
        pieces = List.copyOf(pieces);
    }

    /** A plain TCP plan. */
    public Plan(String host, int port, List<Piece> pieces, AfterSend after, long shutWrAfterMillis,
                ReadPolicy read, Duration timeout) {
        this(host, port, pieces, after, shutWrAfterMillis, read, timeout, null);
    }
}
