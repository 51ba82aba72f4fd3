package dev.halfway.io;

import dev.halfway.proxy.CidrList;
import dev.halfway.tls.TlsIdentity;
import dev.halfway.file.DocumentRoot;
import dev.halfway.http.Limits;
import dev.halfway.log.AccessLog;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything a {@link Server} needs. Build one with {@link #builder}, which starts from the
 * {@code DEFAULT_...} constants below: the defaults documented in the README, and the ones the
 * command line shows and uses; the parser's limits are {@link Limits#DEFAULTS}.
 *
 * @param host           address to bind
 * @param port           port to bind; 0 picks a free one
 * @param root           the document root
 * @param listing        whether a directory without index.html gets an HTML listing (else 403)
 * @param headTimeout    the whole request must arrive within this (→ 408)
 * @param writeTimeout   a response that makes no write progress for this long is dropped
 * @param linger         how long the staged close waits for the client's EOF after our FIN; 0 closes at once
 * @param lingerBytes    how many bytes the staged close discards before giving up
 * @param drainTimeout   how long a stop waits for in-flight exchanges
 * @param limits         the request parser's limits
 * @param accessLog      where each connection's line goes
 * @param maxConnections open connections at most; beyond it, new ones wait in the kernel's accept queue
 * @param trace          where {@code --trace} prints each connection's timeline (stderr), or null when off
 * @param cacheBytes     the small-file cache holds at most this many bytes (bodies and heads); 0 turns it off
 * @param cacheEntries   the small-file cache holds at most this many files
 * @param cacheFileMax   the largest file the small-file cache holds; larger ones are always sent by sendfile
 * @param reusePort      bind with SO_REUSEPORT, so several processes can share the port (Linux spreads connections)
 * @param proxyProtocol  every connection starts with a PROXY protocol header (v1 or v2), required
 * @param proxyFrom      the peers allowed to send one; a connection from another peer is refused
 * @param tls            the TLS identity: the port speaks TLS (plaintext clients get a 400); null for plain HTTP
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
        PrintStream trace,
        long cacheBytes,
        int cacheEntries,
        long cacheFileMax,
        boolean reusePort,
        boolean proxyProtocol,
        CidrList proxyFrom,
        TlsIdentity tls) {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final boolean DEFAULT_LISTING = true;
    public static final Duration DEFAULT_HEAD_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_LINGER = Duration.ofSeconds(2);
    public static final long DEFAULT_LINGER_BYTES = 1024 * 1024;
    public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(10);
    public static final Limits DEFAULT_LIMITS = Limits.DEFAULTS;
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    public static final long DEFAULT_CACHE_BYTES = 16L * 1024 * 1024;
    public static final int DEFAULT_CACHE_ENTRIES = 4096;
    public static final long DEFAULT_CACHE_FILE_MAX = 64 * 1024;
    /** Who may send a PROXY header by default: loopback, where a local HAProxy runs. */
    public static final String DEFAULT_PROXY_FROM_TEXT = "127.0.0.0/8,::1/128";
    public static final CidrList DEFAULT_PROXY_FROM = CidrList.parse(DEFAULT_PROXY_FROM_TEXT);

    /**
     * The one place a configuration is checked, whether it comes from {@link Builder#build} or
     * from this constructor. Each message names the settings it is about by their component names
     * (as {@link Limits} does), so the command line can say them as options.
     */
    public ServerConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(root, "root");
        Objects.requireNonNull(headTimeout, "headTimeout");
        Objects.requireNonNull(writeTimeout, "writeTimeout");
        Objects.requireNonNull(linger, "linger");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(accessLog, "accessLog");
        Objects.requireNonNull(proxyFrom, "proxyFrom");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be between 0 and 65535");
        }
        // A zero timeout would expire every exchange at once; a zero linger is a plain close.
        requirePositive(headTimeout, "headTimeout");
        requirePositive(writeTimeout, "writeTimeout");
        requirePositive(drainTimeout, "drainTimeout");
        if (linger.isNegative()) {
            throw new IllegalArgumentException("linger must not be negative");
        }
        if (lingerBytes < 0) {
            throw new IllegalArgumentException("lingerBytes must not be negative");
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1");
        }
        if (cacheBytes < 0) {
            throw new IllegalArgumentException("cacheBytes must not be negative");
        }
        if (cacheEntries < 1) {
            throw new IllegalArgumentException("cacheEntries must be at least 1");
        }
        // A cached file is one byte array.
        if (cacheFileMax < 1 || cacheFileMax > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("cacheFileMax must be more than 0 and less than 2GiB");
        }
    }

    private static void requirePositive(Duration d, String name) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + " must be more than 0");
        }
    }

    /**
     * A builder with the defaults, for a server of {@code root} that logs to {@code accessLog}:
     * the two settings that have no default.
     */
    public static Builder builder(DocumentRoot root, AccessLog accessLog) {
        return new Builder(root, accessLog);
    }

    /** Names each setting after its component; {@link #build} checks them all together. */
    public static final class Builder {
        private String host = DEFAULT_HOST;
        private int port = DEFAULT_PORT;
        private DocumentRoot root;
        private boolean listing = DEFAULT_LISTING;
        private Duration headTimeout = DEFAULT_HEAD_TIMEOUT;
        private Duration writeTimeout = DEFAULT_WRITE_TIMEOUT;
        private Duration linger = DEFAULT_LINGER;
        private long lingerBytes = DEFAULT_LINGER_BYTES;
        private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
        private Limits limits = DEFAULT_LIMITS;
        private AccessLog accessLog;
        private int maxConnections = DEFAULT_MAX_CONNECTIONS;
        private PrintStream trace;
        private TlsIdentity tls;
        private boolean reusePort;
        private boolean proxyProtocol;
        private CidrList proxyFrom = DEFAULT_PROXY_FROM;
        private long cacheBytes = DEFAULT_CACHE_BYTES;
        private int cacheEntries = DEFAULT_CACHE_ENTRIES;
        private long cacheFileMax = DEFAULT_CACHE_FILE_MAX;

        private Builder(DocumentRoot root, AccessLog accessLog) {
            this.root = root;
            this.accessLog = accessLog;
        }

        public Builder host(String host) {
            this.host = host;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder root(DocumentRoot root) {
            this.root = root;
            return this;
        }

        public Builder listing(boolean listing) {
            this.listing = listing;
            return this;
        }

        public Builder headTimeout(Duration headTimeout) {
            this.headTimeout = headTimeout;
            return this;
        }

        public Builder writeTimeout(Duration writeTimeout) {
            this.writeTimeout = writeTimeout;
            return this;
        }

        public Builder linger(Duration linger) {
            this.linger = linger;
            return this;
        }

        public Builder lingerBytes(long lingerBytes) {
            this.lingerBytes = lingerBytes;
            return this;
        }

        public Builder drainTimeout(Duration drainTimeout) {
            this.drainTimeout = drainTimeout;
            return this;
        }

        public Builder limits(Limits limits) {
            this.limits = limits;
            return this;
        }

        public Builder accessLog(AccessLog accessLog) {
            this.accessLog = accessLog;
            return this;
        }

        public Builder maxConnections(int maxConnections) {
            this.maxConnections = maxConnections;
            return this;
        }

        /** Where to print each connection's timeline, or null (the default) for no trace. */
        public Builder trace(PrintStream trace) {
            this.trace = trace;
            return this;
        }

        /** At most this many bytes in the small-file cache; 0 turns the cache off. */
        /** Bind with SO_REUSEPORT: several halfway processes may listen on the same port. */
        public Builder reusePort(boolean on) {
            this.reusePort = on;
            return this;
        }

        /** Require a PROXY protocol header first on every connection, from {@code from} only. */
        public Builder proxyProtocol(boolean on, CidrList from) {
            this.proxyProtocol = on;
            this.proxyFrom = from;
            return this;
        }

        /** Serve TLS with this identity instead of plain HTTP; null (the default) for plain HTTP. */
        public Builder tls(TlsIdentity tls) {
            this.tls = tls;
            return this;
        }

        public Builder cacheBytes(long cacheBytes) {
            this.cacheBytes = cacheBytes;
            return this;
        }

        public Builder cacheEntries(int cacheEntries) {
            this.cacheEntries = cacheEntries;
            return this;
        }

        public Builder cacheFileMax(long cacheFileMax) {
            this.cacheFileMax = cacheFileMax;
            return this;
        }

        /** The configuration; IllegalArgumentException (or NullPointerException) names what is wrong. */
        public ServerConfig build() {
            return new ServerConfig(host, port, root, listing, headTimeout, writeTimeout, linger, lingerBytes,
                    drainTimeout, limits, accessLog, maxConnections, trace, cacheBytes, cacheEntries, cacheFileMax,
                    reusePort, proxyProtocol, proxyFrom, tls);
        }
    }
}
