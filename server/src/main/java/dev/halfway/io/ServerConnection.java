package dev.halfway.io;

import dev.halfway.conn.Action;
import dev.halfway.conn.Answer;
import dev.halfway.conn.Event;
import dev.halfway.conn.InputEnd;
import dev.halfway.conn.Lifecycle;
import dev.halfway.conn.Reply;
import dev.halfway.conn.Transport;
import dev.halfway.http.ParseResult;
import dev.halfway.http.Request;
import dev.halfway.http.RequestParser;
import dev.halfway.http.Status;
import dev.halfway.log.Trace;
import dev.halfway.proxy.ProxyHeaderParser;
import dev.halfway.proxy.ProxyResult;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.List;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSession;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;

/**
 * The thin adapter between Jetty's {@link EndPoint} and a connection's {@link Lifecycle}: endpoint
 * events in, the machine's actions out. Everything here runs on the connection's loop thread
 * (fills, write callbacks, ticks and the stop all arrive there), so there is no lock.
 *
 * <p>Two Jetty facts shape it. After {@code fill() == -1} fill interest is never asked for again
 * (it would fire at once, forever). And output is shut only on the machine's word, which it gives
 * after the write callback says every byte was flushed: Jetty closes an endpoint whose input is
 * already shut as soon as its output is shut.
 *
 * <p>On the TLS port the endpoint is Jetty's decrypted one ({@link TlsConnection}), and three
 * things differ: the handshake's outcome and how the input ended (close_notify or a bare FIN) are
 * events too; our half-close is close_notify then FIN, sent as a write so a full socket buffer
 * delays it rather than losing it; and a client that speaks plaintext is read and answered on the
 * socket itself.
 */
final class ServerConnection extends AbstractConnection.NonBlocking {
    /** Reads right after a complete request, so a FIN sent with it is logged as {@code after-request}. */
    private static final int READ_AHEAD = 8;
    /** Fills per wake-up at most, so one client's flood cannot hold the loop from the others. */
    private static final int READS_PER_WAKEUP = 64;
    private static final int INPUT_BUFFER = 8 * 1024;

    /** Where bytes are read from and written to: the socket, TLS's decrypted endpoint, or the socket again for plaintext on the TLS port. */
    private EndPoint endPoint;
    private final Loop loop;
    private final Lifecycle life;
    private final RequestParser parser;
    private Outbound outbound;
    /** The TLS layer under this connection, or null on the plain port. */
    private final TlsConnection tls;
    /** Our close_notify is being written; a close waits for it. */
    private boolean closeNotifying;
    private boolean closeAfterNotify;
    /** While the PROXY protocol header is awaited (--proxy-protocol): its parser; null otherwise. */
    private ProxyHeaderParser proxyHeader;
    private boolean heardProxyBytes;
    /** A response write is under way (its callback has not come). */
    private boolean writing;
    private final Callback written = Callback.from(Invocable.InvocationType.NON_BLOCKING, this::written, this::writeFailed);
    private final Thread owner = Thread.currentThread();
    /** The --trace observer, or null when tracing is off. */
    private final Trace trace;
    private FileChannel file;
    /** The read buffer while a wake-up reads, so the read-ahead before an answer can use it too. */
    private ByteBuffer reading;

    ServerConnection(EndPoint endPoint, Loop loop) {
        this(endPoint, loop, null);
    }

    /** A connection over {@code tls}: it reads and writes the decrypted endpoint. */
    ServerConnection(TlsConnection tls, Loop loop) {
        this(tls.getSslEndPoint(), loop, tls);
    }

    private ServerConnection(EndPoint endPoint, Loop loop, TlsConnection tls) {
        super(endPoint, Runnable::run); // nothing is dispatched: a NonBlocking connection's callbacks run where they fire
        this.endPoint = endPoint;
        this.loop = loop;
        this.tls = tls;
        ServerConfig config = loop.config;
        this.parser = new RequestParser(config.limits());
        this.outbound = Outbound.to(endPoint);
        InetSocketAddress remote = endPoint.getRemoteSocketAddress() instanceof InetSocketAddress a ? a : null;
        String host = remote == null ? "-" : remote.getAddress().getHostAddress();
        int port = remote == null ? 0 : remote.getPort();
        long now = System.nanoTime();
        this.life = new Lifecycle(loop.limits, tls == null ? Transport.TCP : Transport.TLS, now, System.currentTimeMillis(), host, port);
        this.trace = config.trace() == null ? null : new Trace(now, config.trace(), host + ":" + port);
        if (config.proxyProtocol()) {
            life.expectProxyHeader();
            proxyHeader = ProxyHeaderParser.withDefaults();
        }
    }

    @Override
    public void onOpen() {
        super.onOpen();
        loop.opened(this, System.nanoTime());
        if (proxyHeader != null && !fromTrustedProxy()) {
            // Never serve it as if it came from the proxy: the header's address would be the peer's word.
            deliver(new Event.ProxyRefused(System.nanoTime(), "PROXY header expected from a peer not in --proxy-from"));
            return;
        }
        if (life.input() != Lifecycle.Input.NONE) {
            fillInterested();
        }
    }

    @Override
    public void onFillable() {
        RetainableByteBuffer pooled = loop.buffers.acquire(INPUT_BUFFER, true);
        reading = pooled.getByteBuffer();
        try {
            read(reading, READS_PER_WAKEUP);
            if (life.input() != Lifecycle.Input.NONE) {
                fillInterested();
            }
        } finally {
            reading = null;
            pooled.release();
        }
    }

    /** Reads until there is nothing more now (or {@code reads} fills), delivering what each fill brought. */
    private void read(ByteBuffer buffer, int reads) {
        for (int i = 0; i < reads && life.input() != Lifecycle.Input.NONE; i++) {
            BufferUtil.clear(buffer);
            int n;
            try {
                n = endPoint.fill(buffer);
            } catch (SSLException e) {
                // Jetty has closed the endpoint; the JDK's message says what failed.
                Throwable failure = tls == null ? null : tls.takeFailure();
                deliver(new Event.TlsFailed(System.nanoTime(), outbound.flushed(), describe(failure == null ? e : failure)));
                return;
            } catch (IOException e) {
                n = -1; // a read error ends the input like EOF; only a write can tell what it meant
            }
            if (tls != null && life.transport() == Transport.TLS && handshakeEvents(buffer)) {
                continue; // plaintext on the TLS port: it was parsed, read on from the socket
            }
            if (n == 0) {
                return;
            }
            if (proxyHeader != null) {
                if (n < 0 && heardProxyBytes) {
                    deliver(new Event.ProxyRefused(System.nanoTime(), "the input ended inside the PROXY header"));
                    return;
                }
                if (n > 0) {
                    n = proxyHeader(buffer);
                    if (n <= 0) {
                        continue; // the header is not complete yet, or it was refused (input is then NONE)
                    }
                }
            }
            boolean request = life.input() == Lifecycle.Input.REQUEST;
            if (n < 0) {
                if (tls != null && life.handshaking() && tls.heardFrom()) {
                    deliver(new Event.TlsFailed(System.nanoTime(), 0, "the input ended during the handshake"));
                    return;
                }
                deliver(new Event.InputEnded(System.nanoTime(), outbound.flushed(),
                        request ? parser.endOfInput() : null, request ? parser.requestLine() : null, inputEnd()));
                return;
            }
            ParseResult verdict = request ? parser.parse(buffer) : null;
            deliver(new Event.Received(System.nanoTime(), n, verdict, request ? parser.requestLine() : null));
        }
    }

    /**
     * Delivers what the TLS layer learnt in the last fill: the handshake's completion, or that the
     * client speaks plaintext (then this connection reads and writes the socket itself, and the
     * plaintext already read is parsed, using {@code buffer}). True when there was plaintext.
     */
    private boolean handshakeEvents(ByteBuffer buffer) {
        SSLSession session = tls.takeHandshake();
        if (session != null) {
            deliver(new Event.Handshaken(System.nanoTime(), session.getProtocol(), session.getCipherSuite()));
        }
        ByteBuffer plaintext = tls.takePlaintext();
        if (plaintext == null) {
            return false;
        }
        endPoint = tls.getEndPoint();
        outbound = Outbound.to(endPoint);
        deliver(new Event.Plaintext(System.nanoTime()));
        while (plaintext.hasRemaining() && life.input() == Lifecycle.Input.REQUEST) {
            BufferUtil.clear(buffer);
            int n = BufferUtil.append(buffer, plaintext);
            deliver(new Event.Received(System.nanoTime(), n, parser.parse(buffer), parser.requestLine()));
        }
        return true;
    }

    /**
     * Feeds the PROXY header parser; returns how many bytes after the header are left in
     * {@code buffer} for the request (0 while the header is incomplete, -1 when it was refused).
     */
    private int proxyHeader(ByteBuffer buffer) {
        heardProxyBytes = true;
        ProxyResult header = proxyHeader.parse(buffer);
        if (header instanceof ProxyResult.NeedMore) {
            return 0;
        }
        proxyHeader = null;
        if (header instanceof ProxyResult.Failed failed) {
            deliver(new Event.ProxyRefused(System.nanoTime(), "bad PROXY header: " + failed.reason()));
            return -1;
        }
        if (header instanceof ProxyResult.Proxied p) {
            deliver(new Event.Proxied(System.nanoTime(), p.sourceHost(), p.sourcePort()));
        } else {
            deliver(new Event.Proxied(System.nanoTime(), null, 0)); // LOCAL or UNKNOWN: the peer stands
        }
        return buffer.remaining();
    }

    /** Whether the peer may send a PROXY header (--proxy-from, loopback by default). */
    private boolean fromTrustedProxy() {
        return endPoint.getRemoteSocketAddress() instanceof InetSocketAddress remote && remote.getAddress() != null
                && loop.config.proxyFrom().contains(remote.getAddress().getAddress());
    }

    /** How the input ended: on TLS, whether the client's close_notify came before the end. */
    private InputEnd inputEnd() {
        if (tls == null || life.transport() != Transport.TLS || life.handshaking()) {
            return InputEnd.EOF; // no session (yet): nothing to close_notify
        }
        return tls.getSSLEngine().isInboundDone() ? InputEnd.CLOSE_NOTIFY : InputEnd.BARE_FIN;
    }

    /**
     * The TLS stack's own words for a failure, for the log's reason. Jetty wraps the JDK's
     * exception in an SSLHandshakeException that repeats its message: the innermost exception
     * that still says the same is the one that names the failure.
     */
    private static String describe(Throwable e) {
        Throwable cause = e;
        for (Throwable inner = cause.getCause(); inner != null && inner != cause && inner.getMessage() != null
                && cause.getMessage() != null && cause.getMessage().endsWith(inner.getMessage()); inner = cause.getCause()) {
            cause = inner;
        }
        String message = cause.getMessage();
        return message == null ? cause.getClass().getSimpleName() : message;
    }

    /** The loop's timer sweep. */
    void tick(long now) {
        deliver(new Event.Tick(now, outbound.flushed()));
    }

    /** The server stops: finish by {@code deadline}. */
    void stop(long now, long deadline) {
        deliver(new Event.Stop(now, outbound.flushed(), deadline));
    }

    private void written() {
        writing = false;
        deliver(new Event.Written(System.nanoTime(), outbound.flushed()));
        closeIfWaiting();
    }

    /** Decided by type: Jetty reports a write to a peer that had closed or reset as {@link EofException}. */
    private void writeFailed(Throwable failure) {
        writing = false;
        deliver(new Event.WriteFailed(System.nanoTime(), outbound.flushed(),
                failure instanceof EofException ? Event.Failure.PEER_GONE : Event.Failure.LOCAL_ERROR));
        closeIfWaiting();
    }

    @Override
    public void onClose(Throwable cause) {
        super.onClose(cause);
        Throwable failure = tls == null ? null : tls.takeFailure();
        if (failure != null) { // Jetty closed the endpoint as the handshake failed
            deliver(new Event.TlsFailed(System.nanoTime(), outbound.flushed(), describe(failure)));
        }
        IOException flushFailure = tls == null ? null : tls.takeFlushFailure();
        if (flushFailure != null && life.phase() == Lifecycle.Phase.RESPONDING) {
            // Jetty closed the endpoint because a write to the socket failed, and fails the
            // write's callback only after this close: the failed write, as writeFailed would say it.
            writeFailed(flushFailure);
        }
        if (tls != null && life.transport() == Transport.TLS && life.phase() == Lifecycle.Phase.LINGERING
                && !life.inputEnded()) {
            // After our close_notify and FIN, the socket's EOF (or reset) without a close_notify
            // before it makes Jetty close the endpoint inside the fill, before the fill can return
            // -1: this close is how that input end shows. Say which end it was, as a fill would.
            deliver(new Event.InputEnded(System.nanoTime(), outbound.flushed(), null, null, inputEnd()));
        }
        deliver(new Event.Closed(System.nanoTime(), outbound.flushed()));
    }

    /** Fill interest fails only when the endpoint closes; {@link #onClose} accounts for it. */
    @Override
    public void onFillInterestedFailed(Throwable cause) {
    }

    private void deliver(Event event) {
        if (Thread.currentThread() != owner) {
            loop.offThread();
        }
        Lifecycle.Phase before = life.phase();
        List<Action> actions = life.on(event);
        if (trace != null) {
            trace.observe(event, before, life, actions);
        }
        for (Action action : actions) {
            perform(action);
        }
    }

    private void perform(Action action) {
        if (action instanceof Action.Respond respond) {
            respond(respond.answer());
        } else if (action instanceof Action.ShutOutput) {
            shutOutput();
        } else if (action instanceof Action.Close) {
            closeConnection();
        } else if (action instanceof Action.Abort) {
            abort();
        } else if (action instanceof Action.Finished finished) {
            closeFile();
            loop.finished(this, trace == null ? finished.record() : finished.record().withEvents(trace.events()));
        }
    }

    /**
     * Our FIN. On TLS, close_notify first (RFC 8446 §6.1), written like any other bytes so a full
     * socket buffer delays it rather than dropping it; Jetty's flush shuts the socket's output
     * once the alert is out. A close asked for meanwhile waits for that.
     */
    private void shutOutput() {
        if (tls == null || endPoint != tls.getSslEndPoint()) {
            endPoint.shutdownOutput();
            return;
        }
        closeNotifying = true;
        tls.closeOutbound();
        endPoint.write(Callback.from(Invocable.InvocationType.NON_BLOCKING, this::closeNotified, failure -> closeNotified()),
                BufferUtil.EMPTY_BUFFER);
    }

    /**
     * Closes; on TLS always with our close_notify last. When a response is still being written
     * (TLS 1.2's close_notify ended the session, RFC 5246 §7.2.1: "discarding any pending
     * writes"), the rest of it is dropped, the record already on its way is finished so the alert
     * after it can be read, and then the close waits for the alert. Jetty's own close would drop
     * the alert when the socket buffer is full.
     */
    private void closeConnection() {
        boolean session = tls != null && endPoint == tls.getSslEndPoint();
        if (closeNotifying || session && writing && endPoint.isOpen()) {
            closeAfterNotify = true;
            if (!closeNotifying) {
                // Jetty's next flush wraps on a closed engine: it sends the record under way and
                // our close_notify, shuts the socket's output, and fails the write; then we close.
                tls.closeOutbound();
            }
            // A client that stops reading cannot hold the socket: the write timeout bounds the wait.
            loop.later(loop.config.writeTimeout(), () -> {
                if (endPoint.isOpen()) {
                    abort();
                }
            });
        } else {
            endPoint.close();
        }
    }

    /** The write callback or our close_notify has come: a close that waited for it happens now. */
    private void closeIfWaiting() {
        if (closeAfterNotify && !closeNotifying && !writing) {
            closeAfterNotify = false;
            endPoint.close();
        }
    }

    private void closeNotified() {
        closeNotifying = false;
        closeIfWaiting();
    }

    private void respond(Answer answer) {
        if (reading != null) {
            read(reading, READ_AHEAD); // bounded: a flood of trailing bytes must not delay the answer
        }
        Response response = response(answer);
        file = response.file();
        deliver(new Event.Sending(System.nanoTime(),
                new Reply(response.status(), response.head().length, response.owed(), response.reason())));
        writing = true;
        outbound.write(response, written);
    }

    private Response response(Answer answer) {
        if (answer instanceof Answer.Refuse refuse) {
            return Responder.error(refuse.status(), refuse.version(), false, refuse.reason());
        }
        Request request = ((Answer.Serve) answer).request();
        try {
            return loop.responder.respond(request, this::origin);
        } catch (RuntimeException e) {
            return Responder.error(Status.INTERNAL_SERVER_ERROR, request.version(), false,
                    "internal error while building the response");
        }
    }

    /** scheme://host:port of the socket the request arrived on; asked only for a redirect (one getsockname). */
    private String origin() {
        String scheme = tls == null ? "http://" : "https://";
        if (!(endPoint.getLocalSocketAddress() instanceof InetSocketAddress local)) {
            return scheme + "localhost";
        }
        String host = local.getAddress().getHostAddress();
        return scheme + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + local.getPort();
    }

    /** SO_LINGER 0, then close: the kernel sends an RST and drops what is still queued. */
    private void abort() {
        EndPoint raw = tls == null ? endPoint : tls.getEndPoint(); // on TLS: no close_notify, the RST says it all
        if (raw instanceof SocketChannelEndPoint socket) {
            try {
                socket.getChannel().setOption(StandardSocketOptions.SO_LINGER, 0);
            } catch (IOException | RuntimeException e) {
                // already closed: nothing is queued
            }
        }
        raw.close();
    }

    private void closeFile() {
        FileChannel f = file;
        file = null;
        if (f != null) {
            try {
                f.close();
            } catch (IOException ignored) {
                // it was only read
            }
        }
    }
}
