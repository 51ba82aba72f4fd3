package dev.halfway.io;

import dev.halfway.testing.Await;
import dev.halfway.testing.TcpTable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A blocking loopback TLS client on the JDK's SSLEngine over a plain socket, so a test controls
 * each end separately: close_notify with the TCP left open, a bare FIN with no close_notify, or
 * both; and sees exactly how the server ended (its close_notify, then FIN or RST). SSLSocket
 * hides that difference. It trusts any certificate: the tests use the self-signed one.
 */
final class TlsClient implements AutoCloseable {
    enum End { FIN, RST, TIMEOUT }

    /** The plaintext read, whether the server's close_notify came, and how the TCP stream ended. */
    record Reply(byte[] bytes, boolean closeNotify, End end) {
        String text() {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }

        int status() {
            String t = text();
            return t.startsWith("HTTP/1.0 ") ? Integer.parseInt(t.substring(9, 12)) : -1;
        }

        byte[] body() {
            String t = text();
            int i = t.indexOf("\r\n\r\n");
            return i < 0 ? new byte[0] : java.util.Arrays.copyOfRange(bytes, i + 4, bytes.length);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final SSLEngine engine;
    private final ByteBuffer netIn = ByteBuffer.allocate(1 << 17);
    private final ByteBuffer netOut = ByteBuffer.allocate(1 << 17);
    private final ByteBuffer appIn = ByteBuffer.allocate(1 << 17);
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();
    private boolean closeNotify;

    /** Connects and completes a handshake offering only {@code protocol} ("TLSv1.3" or "TLSv1.2"). */
    TlsClient(int port, String protocol) throws IOException {
        socket = new Socket();
        // A small window: the server cannot hand a 10 MiB response to the kernel at once, so an
        // ending sent while it responds arrives while it is still writing.
        socket.setReceiveBufferSize(64 * 1024);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(15_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
        engine = trustingAnything().createSSLEngine("localhost", port);
        engine.setUseClientMode(true);
        engine.setEnabledProtocols(new String[] {protocol});
        handshake();
    }

    int localPort() {
        return socket.getLocalPort();
    }

    String protocol() {
        return engine.getSession().getProtocol();
    }

    TlsClient send(String ascii) throws IOException {
        ByteBuffer app = ByteBuffer.wrap(ascii.getBytes(StandardCharsets.ISO_8859_1));
        while (app.hasRemaining()) {
            wrap(app);
        }
        return this;
    }

    /** Our close_notify: the end of our writing inside TLS. The TCP stream stays open. */
    TlsClient closeNotify() throws IOException {
        engine.closeOutbound();
        while (!engine.isOutboundDone()) {
            wrap(ByteBuffer.allocate(0));
        }
        return this;
    }

    /** shutdown(SHUT_WR) on the socket: our FIN, with or without a close_notify before it. */
    TlsClient fin() throws IOException {
        socket.shutdownOutput();
        return this;
    }

    /**
     * Waits until the server has read every byte sent so far (the kernel's table shows our send
     * queue and the server's receive queue empty), so what the test sent is known to the server
     * before the test reads on.
     */
    TlsClient awaitReadByServer() throws InterruptedException {
        int local = socket.getLocalPort();
        int remote = socket.getPort();
        Await.until(Duration.ofSeconds(5), () -> TcpTable.find(local, remote).map(t -> t.txQueue() == 0).orElse(false),
                () -> "the server's side acknowledged what we sent: " + TcpTable.describe(local, remote));
        // A server socket that is gone from the table was closed: it had read what it was going to.
        // After our FIN the kernel counts the FIN itself as one unread byte until the server reads
        // EOF: a server that has read every data byte but not (yet) the end shows 1.
        Await.until(Duration.ofSeconds(5), () -> TcpTable.find(remote, local)
                        .map(t -> t.rxQueue() == 0 || t.rxQueue() == 1 && (t.state() == TcpTable.State.CLOSE_WAIT || t.state() == TcpTable.State.LAST_ACK)).orElse(true),
                () -> "the server read what we sent: " + TcpTable.describe(remote, local));
        return this;
    }

    /** Reads until at least {@code bytes} plaintext bytes came (or the stream ended). */
    TlsClient readAtLeast(long bytes) throws IOException {
        read(bytes, 0);
        return this;
    }

    /** Reads to the end of the TCP stream, pausing {@code pauseMillis} after each record: a slow reader. */
    Reply readAll(long pauseMillis) throws IOException {
        End end = read(Long.MAX_VALUE, pauseMillis);
        return new Reply(received.toByteArray(), closeNotify, end);
    }

    private End read(long until, long pauseMillis) throws IOException {
        try {
            while (received.size() < until) {
                if (closeNotify) {
                    byte[] rest = new byte[4096];
                    return in.read(rest) < 0 ? End.FIN : End.RST; // nothing may follow a close_notify
                }
                SSLEngineResult r = unwrap();
                if (r == null) {
                    return End.FIN;
                }
                appIn.flip();
                received.write(appIn.array(), 0, appIn.limit());
                appIn.clear();
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    closeNotify = true;
                }
                runTasks();
                if (pauseMillis > 0) {
                    Thread.sleep(pauseMillis); // the reader is slow on purpose: this is the load, not a wait
                }
            }
            return null;
        } catch (SocketTimeoutException e) {
            return End.TIMEOUT;
        } catch (SocketException e) {
            return End.RST;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private void handshake() throws IOException {
        engine.beginHandshake();
        while (true) {
            switch (engine.getHandshakeStatus()) {
                case NEED_WRAP -> wrap(ByteBuffer.allocate(0));
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (unwrap() == null) {
                        throw new SSLException("the server closed during the handshake");
                    }
                    appIn.flip();
                    received.write(appIn.array(), 0, appIn.limit());
                    appIn.clear();
                }
                case NEED_TASK -> runTasks();
                default -> {
                    return;
                }
            }
        }
    }

    private void wrap(ByteBuffer app) throws IOException {
        netOut.clear();
        engine.wrap(app, netOut);
        netOut.flip();
        out.write(netOut.array(), 0, netOut.limit());
        out.flush();
        runTasks();
    }

    /** Unwraps one record into appIn, reading the socket as needed; null at the TCP EOF. */
    private SSLEngineResult unwrap() throws IOException {
        while (true) {
            netIn.flip();
            SSLEngineResult r = engine.unwrap(netIn, appIn);
            netIn.compact();
            if (r.getStatus() != SSLEngineResult.Status.BUFFER_UNDERFLOW
                    && !(r.getStatus() == SSLEngineResult.Status.OK && r.bytesConsumed() == 0 && r.bytesProduced() == 0
                    && r.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING)) {
                return r;
            }
            int n = in.read(netIn.array(), netIn.position(), netIn.remaining());
            if (n < 0) {
                return null;
            }
            netIn.position(netIn.position() + n);
        }
    }

    private void runTasks() {
        for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
            task.run();
        }
    }

    private static SSLContext trustingAnything() {
        try {
            TrustManager any = new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String type) {
                }

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String type) {
                }

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            };
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {any}, null);
            return context;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
