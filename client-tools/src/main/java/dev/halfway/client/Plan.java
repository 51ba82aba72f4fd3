package dev.halfway.client;

import java.time.Duration;
import java.util.List;

/**
 * One client exchange, described completely: where to connect, the bytes to send (in pieces),
 * what to do with our side afterwards, how to read, and how long to wait in all.
 *
 * @param shutWrAfterMillis with {@link AfterSend#SHUT_WR}: delay our FIN by this long after the request (0: at once)
 */
public record Plan(String host, int port, List<Piece> pieces, AfterSend after, long shutWrAfterMillis,
                   ReadPolicy read, Duration timeout) {
    public Plan {
        pieces = List.copyOf(pieces);
    }
}
