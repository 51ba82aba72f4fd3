package dev.halfway.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * The engine of {@code halfway-client bench}: {@code requests} HTTP/1.0 requests over
 * {@code clients} threads, each request on a new blocking connection, each response read to the
 * server's FIN and counted, not kept. Every thread reuses one read buffer and one head buffer; the
 * only allocation per request is the socket itself (and what the JDK allocates for it).
 *
 * <p>Over TLS ({@link Config#tls()}) each connection is a full handshake in a fresh context (no
 * session is resumed), through the same {@link TlsStream} as {@code send}: the half-close is our
 * close_notify, then the FIN; the engine and its buffers are allocated per request too.
 *
 * <p>A request's latency runs from just before {@code connect} to the server's FIN (or the error
 * that ended the exchange) and goes into one {@link ConcurrentHistogram} in nanoseconds. Failed
 * requests are recorded too, so a timeout shows in the tail instead of vanishing.
 */
final class LoadGenerator {
    /** Bytes of a response head we look at; a longer head is a failure ({@link Failure#TRUNCATED}). */
    static final int MAX_HEAD = 16 * 1024;
    private static final int READ_BUFFER = 64 * 1024;
    /** Every request is HTTP/1.0: that first, then HTTP/1.1 (see {@link TlsPlan#applicationProtocols}). */
    private static final java.util.List<String> ALPN = TlsPlan.applicationProtocols("GET / HTTP/1.0");

    /** Why a request counts as failed; each failed request counts under exactly one. */
    enum Failure {
        /** A status other than 200 (or no status line at all). */
        STATUS("status"),
        /** The stream ended before the head ended, or with fewer body bytes than Content-Length. */
        TRUNCATED("truncated"),
        /** The connection was reset (RST). */
        RESET("reset"),
        /** No byte (or no connection) within the timeout. */
        TIMEOUT("timeout"),
        /** The connection could not be made. */
        CONNECT("connect"),
        /** The TLS handshake failed. */
        TLS("tls"),
        /** Any other I/O error. */
        IO("io");

        final String label;

        Failure(String label) {
            this.label = label;
        }
    }

    /**
     * What to run.
     *
     * @param warmup        requests run (the same way) before the measured ones and not counted
     * @param timeoutMillis for connect, the TLS handshake, and for each read: the longest silence tolerated
     * @param tls           null: plain TCP; else TLS, checking the certificate against {@code serverName}
     * @param serverName    the host the URL named (SNI and the certificate check); only with {@code tls}
     */
    record Config(InetSocketAddress address, byte[] request, int clients, long requests, long warmup,
                  boolean shutWr, int timeoutMillis, TlsPlan tls, String serverName) {
        Config {
            if (clients < 1 || requests < 1 || warmup < 0 || timeoutMillis < 1) {
                throw new IllegalArgumentException("clients and requests must be at least 1, warmup not negative, timeout positive");
            }
            request = request.clone();
        }

        /** Plain TCP. */
        Config(InetSocketAddress address, byte[] request, int clients, long requests, long warmup,
               boolean shutWr, int timeoutMillis) {
            this(address, request, clients, requests, warmup, shutWr, timeoutMillis, null, null);
        }
    }

    /** What happened: counts, bytes, the latency histogram (ns) and the first error of each kind seen. */
    record Result(long requests, long completed, long[] failures, String[] firstErrors, long bodyBytes,
                  long headBytes, long elapsedNanos, Histogram latencyNanos) {
        long failed() {
            long n = 0;
            for (long f : failures) {
                n += f;
            }
            return n;
        }

        long failures(Failure f) {
            return failures[f.ordinal()];
        }
    }

    private final Config config;
    private final AtomicLong tickets = new AtomicLong();
    private final LongAdder[] failures = new LongAdder[Failure.values().length];
    private final AtomicReference<String>[] firstErrors;
    private final LongAdder completed = new LongAdder();
    private final LongAdder bodyBytes = new LongAdder();
    private final LongAdder headBytes = new LongAdder();
    private final ConcurrentHistogram latency;
    private final long highestNanos;

    @SuppressWarnings("unchecked")
    private LoadGenerator(Config config) {
        this.config = config;
        for (int i = 0; i < failures.length; i++) {
            failures[i] = new LongAdder();
        }
        firstErrors = new AtomicReference[Failure.values().length];
        for (int i = 0; i < firstErrors.length; i++) {
            firstErrors[i] = new AtomicReference<>();
        }
        // A request can take a connect timeout plus one timeout per silent read; cap the histogram
        // well above any sane run and clamp the rest into the top bucket.
        highestNanos = Math.max(TimeUnit.SECONDS.toNanos(120), TimeUnit.MILLISECONDS.toNanos(config.timeoutMillis()) * 4L);
        latency = new ConcurrentHistogram(1, highestNanos, 3);
    }

    /** Runs the warm-up (if any), then the measured requests; returns when every thread is done. */
    static Result run(Config config) throws InterruptedException {
        if (config.warmup() > 0) {
            new LoadGenerator(new Config(config.address(), config.request(), config.clients(), config.warmup(), 0,
                    config.shutWr(), config.timeoutMillis(), config.tls(), config.serverName())).go();
        }
        return new LoadGenerator(config).go();
    }

    private Result go() throws InterruptedException {
        int clients = (int) Math.min(config.clients(), config.requests());
        CountDownLatch ready = new CountDownLatch(clients);
        CountDownLatch start = new CountDownLatch(1);
        Thread[] threads = new Thread[clients];
        for (int i = 0; i < clients; i++) {
            threads[i] = new Thread(() -> {
                ready.countDown();
                try {
                    start.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                new Client().loop();
            }, "bench-client-" + i);
            threads[i].setDaemon(true);
            threads[i].start();
        }
        ready.await();
        long begin = System.nanoTime();
        start.countDown();
        for (Thread t : threads) {
            t.join();
        }
        long elapsed = System.nanoTime() - begin;
        long[] f = new long[failures.length];
        String[] e = new String[failures.length];
        for (int i = 0; i < f.length; i++) {
            f[i] = failures[i].sum();
            e[i] = firstErrors[i].get();
        }
        return new Result(config.requests(), completed.sum(), f, e, bodyBytes.sum(), headBytes.sum(), elapsed,
                latency.copy());
    }

    private void fail(Failure why, String detail) {
        failures[why.ordinal()].increment();
        firstErrors[why.ordinal()].compareAndSet(null, detail);
    }

    /** One client thread: its buffers, reused for every request it takes. */
    private final class Client {
        private final byte[] buffer = new byte[READ_BUFFER];
        private final byte[] head = new byte[MAX_HEAD];

        void loop() {
            while (tickets.getAndIncrement() < config.requests()) {
                long begin = System.nanoTime();
                exchange();
                latency.recordValue(Math.min(highestNanos, Math.max(1, System.nanoTime() - begin)));
            }
        }

        private void exchange() {
            Socket socket = new Socket();
            try (socket) {
                try {
                    socket.setTcpNoDelay(true);
                    socket.connect(config.address(), config.timeoutMillis());
                } catch (SocketTimeoutException e) {
                    fail(Failure.TIMEOUT, "connect: " + e.getMessage());
                    return;
                } catch (IOException e) {
                    fail(Failure.CONNECT, "connect: " + e.getMessage());
                    return;
                }
                if (config.tls() != null) {
                    tls(socket);
                    return;
                }
                socket.setSoTimeout(config.timeoutMillis());
                OutputStream out = socket.getOutputStream();
                out.write(config.request());
                if (config.shutWr()) {
                    socket.shutdownOutput();
                }
                read(socket.getInputStream());
            } catch (SocketTimeoutException e) {
                fail(Failure.TIMEOUT, "no byte for " + config.timeoutMillis() + " ms");
            } catch (SocketException e) {
                String m = String.valueOf(e.getMessage());
                fail(m.contains("reset") || m.contains("Broken pipe") ? Failure.RESET : Failure.IO, m);
            } catch (IOException e) {
                fail(Failure.IO, String.valueOf(e.getMessage()));
            }
        }

        /** The exchange over TLS: a full handshake, the request, our close_notify and FIN (with shutWr), the response to the FIN. */
        private void tls(Socket socket) throws IOException {
            TlsStream tls;
            try {
                tls = TlsStream.open(socket, config.serverName(), config.address().getPort(), config.tls(), ALPN,
                        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.timeoutMillis()), null, new Object());
            } catch (TlsStream.HandshakeFailed e) {
                fail(Failure.TLS, e.getMessage());
                return;
            }
            socket.setSoTimeout(config.timeoutMillis());
            tls.write(config.request(), 0, config.request().length);
            if (config.shutWr()) {
                tls.closeNotify();
                socket.shutdownOutput();
            }
            read(tls.input());
        }

        /** Reads to the server's FIN, sorting head from body without keeping either. */
        private void read(InputStream in) throws IOException {
            int headLength = 0;
            boolean inBody = false;
            long body = 0;
            int n;
            while ((n = in.read(buffer)) >= 0) {
                int i = 0;
                while (!inBody && i < n) {
                    if (headLength == MAX_HEAD) {
                        fail(Failure.TRUNCATED, "a response head longer than " + MAX_HEAD + " bytes");
                        return;
                    }
                    byte b = buffer[i++];
                    head[headLength++] = b;
                    if (b == '\n' && headEnded(headLength)) {
                        inBody = true;
                    }
                }
                body += n - i;
            }
            headBytes.add(headLength);
            bodyBytes.add(body);
            if (!inBody) {
                fail(Failure.TRUNCATED, headLength == 0 ? "no response before the server's FIN" : "the stream ended inside the response head");
                return;
            }
            int status = status(headLength);
            if (status != 200) {
                fail(Failure.STATUS, status < 0 ? "no status line" : "status " + status);
                return;
            }
            long length = contentLength(headLength);
            if (length >= 0 && body < length) {
                fail(Failure.TRUNCATED, "body " + body + " of Content-Length " + length + " bytes");
                return;
            }
            completed.increment();
        }

        private boolean headEnded(int n) {
            return n >= 2 && head[n - 2] == '\n'
                    || n >= 4 && head[n - 4] == '\r' && head[n - 3] == '\n' && head[n - 2] == '\r';
        }

        /** The status code of "HTTP/x.y NNN ...", or -1. */
        private int status(int n) {
            if (n < 12 || head[0] != 'H' || head[1] != 'T' || head[2] != 'T' || head[3] != 'P' || head[4] != '/') {
                return -1;
            }
            int i = 5;
            while (i < n && head[i] != ' ') {
                i++;
            }
            if (i + 3 >= n) {
                return -1;
            }
            int code = 0;
            for (int k = i + 1; k <= i + 3; k++) {
                if (head[k] < '0' || head[k] > '9') {
                    return -1;
                }
                code = code * 10 + (head[k] - '0');
            }
            return code;
        }

        /** The value of the first Content-Length field, or -1. */
        private long contentLength(int n) {
            int i = 0;
            while (i < n) {
                int lineStart = i;
                while (i < n && head[i] != '\n') {
                    i++;
                }
                int lineEnd = i; // at '\n' or n
                i++;
                if (lineStart > 0 && matchesName(lineStart, lineEnd)) {
                    long value = 0;
                    boolean digits = false;
                    for (int k = lineStart + "content-length:".length(); k < lineEnd; k++) {
                        byte b = head[k];
                        if (b >= '0' && b <= '9') {
                            value = value * 10 + (b - '0');
                            digits = true;
                        } else if (b != ' ' && b != '\t' && b != '\r') {
                            return -1;
                        }
                    }
                    return digits ? value : -1;
                }
            }
            return -1;
        }

        private boolean matchesName(int start, int end) {
            String name = "content-length:";
            if (end - start < name.length()) {
                return false;
            }
            for (int k = 0; k < name.length(); k++) {
                int b = head[start + k];
                if (b >= 'A' && b <= 'Z') {
                    b += 'a' - 'A';
                }
                if (b != name.charAt(k)) {
                    return false;
                }
            }
            return true;
        }
    }
}
