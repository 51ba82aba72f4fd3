package dev.halfway.io;

import dev.halfway.file.DocumentRoot;
import dev.halfway.log.AccessLog;
import java.io.PrintStream;
import java.time.Duration;

/**
 * Everything a {@link Server} needs, with the defaults documented in the README.
 *
 * @param host           address to bind
 * @param port           port to bind; 0 picks a free one
 * @param root           the document root
 * @param listing        whether a directory without index.html gets an HTML listing (else 403)
 * @param headTimeout    the whole request must arrive within this (→ 408)
 * @param writeTimeout   a response that makes no write progress for this long is dropped
 * @param linger         how long the staged close waits for the client's EOF after our FIN
 * @param lingerBytes    how many bytes the staged close discards before giving up
 * @param drainTimeout   how long a stop waits for in-flight exchanges
 * @param limits         the request parser's limits
 * @param accessLog      where each connection's line goes
 * @param maxConnections open connections at most; beyond it, new ones wait in the kernel's accept queue
 * @param trace          where {@code --trace} prints each connection's timeline (stderr), or null when off
 */
public record ServerConfig(
        String host,
        int port,
        DocumentRoot root,
        boolean listing,
        Duration headTimeout,
        Duration writeTimeout,
        Duration linger,
        long lingerBytes,
        Duration drainTimeout,
        Limits limits,
        AccessLog accessLog,
        int maxConnections,
        PrintStream trace) {

    /** The parser's limits; each has one status (see {@link dev.halfway.http.RequestParser}). */
    public record Limits(int requestLine, int headBytes, int fields, long body) {
        public static final Limits DEFAULTS = new Limits(8 * 1024, 16 * 1024, 100, 1024 * 1024);
    }

    public ServerConfig {
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1");
        }
    }

    public static ServerConfig defaults(DocumentRoot root, AccessLog accessLog) {
        return new ServerConfig("127.0.0.1", 8080, root, true, Duration.ofSeconds(10), Duration.ofSeconds(30),
                Duration.ofSeconds(2), 1024 * 1024, Duration.ofSeconds(10), Limits.DEFAULTS, accessLog, 10_000, null);
    }

    public ServerConfig withPort(int newPort) {
        return new ServerConfig(host, newPort, root, listing, headTimeout, writeTimeout, linger, lingerBytes,
                drainTimeout, limits, accessLog, maxConnections, trace);
    }

    public ServerConfig withRoot(DocumentRoot newRoot, boolean newListing) {
        return new ServerConfig(host, port, newRoot, newListing, headTimeout, writeTimeout, linger, lingerBytes,
                drainTimeout, limits, accessLog, maxConnections, trace);
    }

    public ServerConfig withTimeouts(Duration head, Duration write, Duration newLinger, long newLingerBytes) {
        return new ServerConfig(host, port, root, listing, head, write, newLinger, newLingerBytes,
                drainTimeout, limits, accessLog, maxConnections, trace);
    }

    public ServerConfig withDrainTimeout(Duration drain) {
        return new ServerConfig(host, port, root, listing, headTimeout, writeTimeout, linger, lingerBytes,
                drain, limits, accessLog, maxConnections, trace);
    }

    public ServerConfig withLimits(Limits newLimits) {
        return new ServerConfig(host, port, root, listing, headTimeout, writeTimeout, linger, lingerBytes,
                drainTimeout, newLimits, accessLog, maxConnections, trace);
    }

    public ServerConfig withTrace(PrintStream out) {
        return new ServerConfig(host, port, root, listing, headTimeout, writeTimeout, linger, lingerBytes,
                drainTimeout, limits, accessLog, maxConnections, out);
    }

    public ServerConfig withMaxConnections(int max) {
        return new ServerConfig(host, port, root, listing, headTimeout, writeTimeout, linger, lingerBytes,
                drainTimeout, limits, accessLog, max, trace);
    }
}
