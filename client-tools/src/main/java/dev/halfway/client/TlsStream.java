package dev.halfway.client;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManager;

/**
 * TLS as a client over a connected, blocking {@link Socket}: a JDK {@link SSLEngine} does the
 * protocol, this class moves its records to and from the socket, and it keeps apart what
 * {@link javax.net.ssl.SSLSocket} runs together: the server's close_notify and its TCP FIN.
 *
 * <p>Why an engine and not an SSLSocket, found by trying both on JDK 17 against a server that
 * ends with close_notify and then FIN, one that ends with a bare FIN, and one that resets, over
 * TLS 1.3 and 1.2: SSLSocket's read returns -1 for close_notify and for a bare FIN alike (only
 * the JVM-wide {@code com.sun.net.ssl.requireCloseNotify=true} tells them apart, and then as an
 * exception that also hides when the FIN came); its {@code shutdownOutput()} always sends
 * close_notify, so it cannot half-close with a bare FIN; and on TLS 1.2 it answers the server's
 * close_notify by itself. Here the engine's unwrap says CLOSED exactly when the close_notify
 * record is read, and the socket's read says -1 exactly at the FIN: two events, each at its own
 * moment, on the {@link Timeline}.
 *
 * <p>Contract: this class records every TLS event on the recorder it is given (handshake done
 * or failed, close_notify sent or received, a TLS error); the caller records the TCP ones. After
 * the server's close_notify (or a TLS error) nothing more is application data: bytes that still
 * come before the FIN are read, counted and ignored (RFC 8446 §6.1), and {@link #read} returns
 * -1 at the FIN. Reads come from one thread; {@link #write} and {@link #closeNotify} may come
 * from another (a delayed half-close). Both hold the caller's lock while they write and record,
 * and so does the reader when it records the server's close_notify: a close_notify the server
 * sends in answer to ours is never recorded before ours (SSLEngine itself allows wrap and unwrap
 * to run at once).
 */
final class TlsStream {
    /** TLS record content types (RFC 8446 §5.1): what a TLS server's first byte must be. */
    private static final int ALERT_RECORD = 21;
    private static final int HANDSHAKE_RECORD = 22;
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    /** The handshake failed; the message is one line for the report, with no class names. */
    static final class HandshakeFailed extends IOException {
        HandshakeFailed(String message) {
            super(message);
        }
    }

    private final Socket socket;
    private final InputStream rawIn;
    private final OutputStream rawOut;
    private final SSLEngine engine;
    /** Where the TLS events go; null records nothing (bench). */
    private final Timeline.Recorder timeline;
    /** Held while records go out and while TLS events are recorded: the caller's, see {@link #open}. */
    private final Object writeLock;
    /** Records from the socket, not yet unwrapped; in write mode. */
    private ByteBuffer netIn;
    /** Application bytes unwrapped, not yet read; in write mode. */
    private ByteBuffer appIn;
    /** Records wrapped, being written; guarded by {@link #writeLock}. */
    private ByteBuffer netOut;
    /** The first bytes the server sent, to tell a plaintext answer from a TLS one. */
    private final byte[] firstBytes = new byte[64];
    private int firstBytesLength;
    private byte[] drain;
    private boolean eof;
    /** close_notify arrived or a TLS error ended the session: only the TCP end is still to come. */
    private boolean inboundDone;
    private volatile boolean closeNotifyReceived;
    private volatile boolean closeNotifySent;
    private long ignoredBytes;
    private String error;

    private TlsStream(Socket socket, SSLEngine engine, Timeline.Recorder timeline, Object lock) throws IOException {
        this.socket = socket;
        this.writeLock = lock;
        this.rawIn = socket.getInputStream();
        this.rawOut = socket.getOutputStream();
        this.engine = engine;
        this.timeline = timeline;
        SSLSession session = engine.getSession();
        this.netIn = ByteBuffer.allocate(session.getPacketBufferSize());
        this.appIn = ByteBuffer.allocate(session.getApplicationBufferSize());
        this.netOut = ByteBuffer.allocate(session.getPacketBufferSize());
    }

    /**
     * Runs the handshake on {@code socket} and returns the stream over it.
     *
     * @param host     the name or address asked for: for SNI, and what the certificate must name
     * @param alpn     the application protocols to offer
     * @param deadline {@link System#nanoTime()} by which the handshake must be done
     * @param lock     held while records are written and TLS events recorded; a caller that half-closes
     *                 from another thread holds it too, around our close_notify, its FIN and their events,
     *                 and around recording the server's end, so that the timeline keeps cause before effect
     * @throws HandshakeFailed        the handshake failed (recorded as {@link Timeline.Kind#TLS_FAILED})
     * @throws SocketTimeoutException the deadline passed first (recorded by the caller)
     */
    static TlsStream open(Socket socket, String host, int port, TlsPlan plan, List<String> alpn, long deadline,
                          Timeline.Recorder timeline, Object lock) throws IOException {
        TlsStream tls = new TlsStream(socket, engine(plan, host, port, alpn), timeline, lock);
        try {
            tls.handshake(deadline);
        } catch (HandshakeFailed e) {
            if (timeline != null) {
                timeline.tlsFailed(e.getMessage());
            }
            throw e;
        }
        if (timeline != null) {
            timeline.tlsHandshake(tls.negotiated());
        }
        return tls;
    }

    /**
     * A client engine for {@code plan}, in a context of its own so that no session is resumed,
     * checking the certificate against the plan's trust and (endpoint identification "HTTPS")
     * that it names {@code host}.
     */
    static SSLEngine engine(TlsPlan plan, String host, int port, List<String> alpn) {
        SSLContext context;
        try {
            context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {plan.trust()}, null);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot make a TLS context: " + e.getMessage(), e);
        }
        SSLEngine engine = context.createSSLEngine(host, port);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setProtocols(plan.protocols().toArray(String[]::new));
        parameters.setApplicationProtocols(alpn.toArray(String[]::new));
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        engine.setSSLParameters(parameters);
        return engine;
    }

    /** "PROTOCOL, CIPHER, ALPN NAME" or "PROTOCOL, CIPHER, no ALPN", as {@link Timeline.Kind#TLS_HANDSHAKE} has it. */
    String negotiated() {
        String alpn = alpn();
        return protocol() + ", " + cipher() + ", " + (alpn == null ? "no ALPN" : "ALPN " + alpn);
    }

    String protocol() {
        return engine.getSession().getProtocol();
    }

    String cipher() {
        return engine.getSession().getCipherSuite();
    }

    /** The application protocol the server chose, or null for none. */
    String alpn() {
        String alpn = engine.getApplicationProtocol();
        return alpn == null || alpn.isEmpty() ? null : alpn;
    }

    boolean closeNotifyReceived() {
        return closeNotifyReceived;
    }

    boolean closeNotifySent() {
        return closeNotifySent;
    }

    /** Bytes that came after the server's close_notify (or a TLS error) and before its FIN, ignored. */
    long ignoredBytes() {
        return ignoredBytes;
    }

    TlsOutcome outcome() {
        return new TlsOutcome(protocol(), cipher(), alpn(), null, error, closeNotifyReceived, closeNotifySent);
    }

    private void handshake(long deadline) throws IOException {
        try {
            engine.beginHandshake();
            HandshakeStatus status = engine.getHandshakeStatus();
            while (status != HandshakeStatus.FINISHED && status != HandshakeStatus.NOT_HANDSHAKING) {
                switch (status) {
                    case NEED_WRAP -> {
                        synchronized (writeLock) {
                            wrapAndSend(EMPTY);
                        }
                    }
                    case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                        SSLEngineResult r = unwrap();
                        switch (r.getStatus()) {
                            case BUFFER_UNDERFLOW -> {
                                if (fill(deadline) < 0) {
                                    throw new HandshakeFailed(plaintext("the server closed during the TLS handshake"));
                                }
                            }
                            case BUFFER_OVERFLOW -> appIn = grow(appIn, engine.getSession().getApplicationBufferSize());
                            case CLOSED -> throw new HandshakeFailed("the server ended TLS during the handshake");
                            case OK -> {
                                if (r.bytesConsumed() == 0 && r.bytesProduced() == 0 && fill(deadline) < 0) {
                                    throw new HandshakeFailed(plaintext("the server closed during the TLS handshake"));
                                }
                            }
                        }
                    }
                    case NEED_TASK -> runTasks();
                    default -> throw new IllegalStateException("handshake status " + status);
                }
                status = engine.getHandshakeStatus();
            }
        } catch (SSLException e) {
            sendPendingAlert();
            throw new HandshakeFailed(explain(e, plaintextStart()));
        } catch (SocketException e) {
            throw new HandshakeFailed(plaintext("the connection was reset in the handshake (" + e.getMessage() + ")"));
        }
    }

    /**
     * Application bytes into {@code b}: at least one, or -1 at the server's TCP FIN (whether or
     * not its close_notify came first; {@link #closeNotifyReceived} says which). Timeouts and
     * resets come as the socket's {@link SocketTimeoutException} and {@link SocketException}.
     */
    int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (true) {
            if (appIn.position() > 0) {
                appIn.flip();
                int n = Math.min(len, appIn.remaining());
                appIn.get(b, off, n);
                appIn.compact();
                return n;
            }
            if (eof) {
                return -1;
            }
            if (inboundDone) {
                if (drain == null) {
                    drain = new byte[8192];
                }
                int n = rawIn.read(drain);
                if (n < 0) {
                    eof = true;
                    return -1;
                }
                ignoredBytes += n;
                continue;
            }
            SSLEngineResult r;
            try {
                r = unwrap();
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    synchronized (writeLock) {
                        closeNotifyReceived = true;
                        inboundDone = true;
                        if (timeline != null) {
                            timeline.closeNotify();
                        }
                    }
                }
                answer(); // after a close_notify in TLS 1.2, the engine owes the server ours
            } catch (SSLException e) {
                failed(e);
                continue;
            }
            switch (r.getStatus()) {
                case CLOSED -> { }
                case BUFFER_OVERFLOW -> appIn = grow(appIn, engine.getSession().getApplicationBufferSize());
                case BUFFER_UNDERFLOW -> fillToEof();
                case OK -> {
                    if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
                        fillToEof();
                    }
                }
            }
        }
    }

    /** Reads more records; at the FIN, marks the end (a bare FIN if no close_notify came before it). */
    private void fillToEof() throws IOException {
        if (!netIn.hasRemaining() && netIn.capacity() >= 4 * engine.getSession().getPacketBufferSize()) {
            failed(new SSLException("no TLS record ends in " + netIn.capacity() + " bytes"));
            return;
        }
        if (fill(0) < 0) {
            eof = true;
            try {
                engine.closeInbound(); // throws: "closing inbound before receiving peer's close_notify"
            } catch (SSLException expected) {
                // that is the point: a bare FIN, which the caller reports
            }
        }
    }

    /** Application bytes out, as records. */
    void write(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return;
        }
        synchronized (writeLock) {
            ByteBuffer src = ByteBuffer.wrap(b, off, len);
            while (src.hasRemaining()) {
                SSLEngineResult r = wrapAndSend(src);
                if (r.getStatus() == SSLEngineResult.Status.CLOSED) {
                    throw new SSLException(closeNotifySent ? "the TLS session is closed: we sent close_notify"
                            : "the TLS session is closed");
                }
                if (r.bytesConsumed() == 0 && r.bytesProduced() == 0) {
                    // the engine wants records from the server first (a TLS 1.2 renegotiation): not something we do
                    throw new SSLException("the server asked to renegotiate the TLS session; this client does not");
                }
            }
        }
    }

    /**
     * Sends our close_notify, once: from now on we send nothing more inside the session. In
     * TLS 1.3 that closes only our side and the server may go on writing (RFC 8446 §6.1); in TLS
     * 1.2 it closes the session both ways (RFC 5246 §7.2.1). The TCP FIN is the caller's.
     *
     * @return whether this call sent it
     */
    boolean closeNotify() throws IOException {
        synchronized (writeLock) {
            if (closeNotifySent || engine.isOutboundDone()) {
                return false;
            }
            engine.closeOutbound();
            while (!engine.isOutboundDone()) {
                if (wrapAndSend(EMPTY).bytesProduced() == 0) {
                    break;
                }
            }
            closeNotifySent = true;
            if (timeline != null) {
                timeline.ourCloseNotify(null);
            }
            return true;
        }
    }

    /** The stream as an {@link InputStream} (for bench): {@link #read} semantics. */
    InputStream input() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                int n = TlsStream.this.read(one, 0, 1);
                return n < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return TlsStream.this.read(b, off, len);
            }
        };
    }

    /** Runs what the engine needs after an unwrap: its tasks, and records it must send (a TLS 1.2 close_notify reply, a key update). */
    private void answer() throws IOException {
        HandshakeStatus status = engine.getHandshakeStatus();
        while (status == HandshakeStatus.NEED_TASK || status == HandshakeStatus.NEED_WRAP) {
            if (status == HandshakeStatus.NEED_TASK) {
                runTasks();
            } else {
                synchronized (writeLock) {
                    if (socket.isOutputShutdown() || socket.isClosed()) {
                        return; // our FIN is out: nothing more can go, and the server will not wait for it
                    }
                    boolean wasDone = engine.isOutboundDone();
                    if (wrapAndSend(EMPTY).bytesProduced() == 0) {
                        return;
                    }
                    if (!wasDone && engine.isOutboundDone() && !closeNotifySent) {
                        closeNotifySent = true;
                        if (timeline != null) {
                            timeline.ourCloseNotify("reply");
                        }
                    }
                }
            }
            status = engine.getHandshakeStatus();
        }
    }

    /** A TLS error after the handshake: recorded, the alert sent if the engine made one; the rest is ignored to the FIN. */
    private void failed(SSLException e) {
        error = e.getMessage();
        inboundDone = true;
        if (timeline != null) {
            timeline.tlsError(error);
        }
        sendPendingAlert();
    }

    /** After an SSLException the engine may hold an alert for the server; send it if our side is still open. */
    private void sendPendingAlert() {
        synchronized (writeLock) {
            try {
                engine.closeOutbound();
                while (!engine.isOutboundDone() && !socket.isOutputShutdown() && !socket.isClosed()) {
                    if (wrapAndSend(EMPTY).bytesProduced() == 0) {
                        break;
                    }
                }
            } catch (IOException ignored) {
                // the connection is failing anyway; the caller says how
            }
        }
    }

    /** One wrap of {@code src} and the records it made, written; under {@link #writeLock}. */
    private SSLEngineResult wrapAndSend(ByteBuffer src) throws IOException {
        while (true) {
            SSLEngineResult r = engine.wrap(src, netOut);
            if (r.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
                netOut = grow(netOut, engine.getSession().getPacketBufferSize());
                continue;
            }
            if (netOut.position() > 0) {
                rawOut.write(netOut.array(), 0, netOut.position());
                netOut.clear();
            }
            if (r.getHandshakeStatus() == HandshakeStatus.NEED_TASK) {
                runTasks();
            }
            return r;
        }
    }

    private SSLEngineResult unwrap() throws SSLException {
        netIn.flip();
        try {
            return engine.unwrap(netIn, appIn);
        } finally {
            netIn.compact();
        }
    }

    /** Reads from the socket into {@link #netIn}; -1 at the FIN. A positive deadline bounds the wait. */
    private int fill(long deadline) throws IOException {
        if (deadline > 0) {
            long millis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (millis <= 0) {
                throw new SocketTimeoutException("the TLS handshake did not finish in time");
            }
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, millis));
        }
        if (!netIn.hasRemaining()) {
            netIn = grow(netIn, engine.getSession().getPacketBufferSize());
        }
        int n = rawIn.read(netIn.array(), netIn.position(), netIn.remaining());
        if (n > 0) {
            int keep = Math.min(n, firstBytes.length - firstBytesLength);
            System.arraycopy(netIn.array(), netIn.position(), firstBytes, firstBytesLength, keep);
            firstBytesLength += keep;
            netIn.position(netIn.position() + n);
        }
        return n;
    }

    private void runTasks() {
        for (Runnable task; (task = engine.getDelegatedTask()) != null; ) {
            task.run();
        }
    }

    private static ByteBuffer grow(ByteBuffer buffer, int atLeast) {
        ByteBuffer bigger = ByteBuffer.allocate(Math.max(atLeast, buffer.capacity() * 2));
        buffer.flip();
        bigger.put(buffer);
        return bigger;
    }

    /** The server's first bytes if they are not a TLS record (a plaintext answer), else null. */
    private String plaintextStart() {
        if (firstBytesLength == 0) {
            return null;
        }
        int first = firstBytes[0] & 0xFF;
        if (first == HANDSHAKE_RECORD || first == ALERT_RECORD) {
            return null;
        }
        return new String(firstBytes, 0, firstBytesLength, StandardCharsets.ISO_8859_1);
    }

    private String plaintext(String why) {
        String start = plaintextStart();
        return start == null ? why : explain(new SSLException(why), start);
    }

    /**
     * One line for a failed handshake, for people: what went wrong in the terms of the options
     * that change it. Pure: the exception's chain and the server's first bytes decide.
     *
     * @param plaintextStart the server's first bytes when they were not a TLS record, else null
     */
    static String explain(Throwable e, String plaintextStart) {
        if (plaintextStart != null) {
            String line = plaintextStart.lines().findFirst().orElse("").strip();
            StringBuilder printable = new StringBuilder();
            for (char c : line.toCharArray()) {
                printable.append(c >= 0x20 && c < 0x7f ? c : '?');
            }
            return "the server answered in plaintext, not TLS: '" + printable + "' (is it an http:// port?)";
        }
        Throwable untrusted = find(e, CertPathBuilderException.class, CertPathValidatorException.class);
        if (untrusted != null) {
            return "the server's certificate is not trusted: " + message(untrusted)
                    + " (a self-signed certificate? --insecure accepts any certificate)";
        }
        Throwable refused = find(e, CertificateException.class);
        if (refused != null) {
            return "the server's certificate was refused: " + message(refused) + " (--insecure accepts any certificate)";
        }
        if (find(e, EOFException.class) != null) {
            return "the server closed during the TLS handshake";
        }
        String m = message(e);
        if (m.toLowerCase(Locale.ROOT).startsWith("received fatal alert")) {
            return "the server refused the handshake: r" + m.substring(1)
                    + (m.contains("protocol_version") ? " (it does not speak the TLS version offered: see --tls-version)" : "");
        }
        return m;
    }

    @SafeVarargs
    private static Throwable find(Throwable e, Class<? extends Throwable>... types) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            for (Class<? extends Throwable> type : types) {
                if (type.isInstance(t)) {
                    return t;
                }
            }
        }
        return null;
    }

    /** The exception's message without the "some.Class: " prefixes wrapped causes bring. */
    private static String message(Throwable t) {
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.replaceAll("(?:[a-z][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error): ", "");
    }
}
