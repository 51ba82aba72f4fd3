package dev.halfway.log;

/**
 * Everything the access log says about one connection.
 *
 * @param remoteHost  the client's address
 * @param remotePort  the client's port
 * @param startMillis when the connection was accepted (epoch milliseconds)
 * @param requestLine the request line as received, or null when none was read
 * @param status      the status sent, or 0 when no response was sent (an empty connection, a 0.9 response has the status its body stands for)
 * @param bodyBytes   body bytes written
 * @param bodyOwed    body bytes the response promised (its Content-Length), or -1 when none
 * @param headBytes   bytes of response head written
 * @param durationMillis from accept to close
 * @param fin         when the client's end of input arrived
 * @param outcome     how the connection ended
 * @param linger      how the staged close ended
 * @param reason      a fixed text saying why, for refused requests and failures, or null
 * @param events      the connection's timeline when tracing, else null
 */
public record AccessRecord(
        String remoteHost,
        int remotePort,
        long startMillis,
        String requestLine,
        int status,
        long bodyBytes,
        long bodyOwed,
        long headBytes,
        long durationMillis,
        FinTiming fin,
        Outcome outcome,
        Linger linger,
        String reason,
        java.util.List<TraceEvent> events) {}
