package dev.halfway.io;

import dev.halfway.http.ParseResult;
import dev.halfway.http.RequestParser;
import dev.halfway.http.Status;
import dev.halfway.http.Version;
import dev.halfway.log.AccessRecord;
import dev.halfway.log.FinTiming;
import dev.halfway.log.Linger;
import dev.halfway.log.Outcome;
import dev.halfway.log.Trace;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.AbstractConnection;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.io.RetainableByteBuffer;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;

/**
 * One client connection: fill → parse → respond → staged close, on Jetty's EndPoint contract.
 *
 * <p>The client's end of input ({@code fill() == -1}) is an event, not an ending: RFC 9112 §9.6 says
 * a half-close "does not delimit a request message, nor does it imply that the client is no longer
 * interested in a response". So EOF after a complete request changes nothing but the log; EOF
 * before it asks the parser what the request has become. Only a failed write means the client is
 * gone. After EOF we never ask for fill interest again (it would fire at once, forever).
 *
 * <p>Output is shut only from the write callback, once every byte was flushed: Jetty closes an
 * endpoint whose input is already shut as soon as its output is shut. When input is still open we
 * linger (the staged close): discard input until the client's EOF, a timeout or a byte cap, so the
 * kernel never answers unread bytes with an RST that would destroy the response's tail.
 *
 * <p>Every connection ends in {@link #onClose}, which writes its one access-log line.
 */
final class ServerConnection extends AbstractConnection.NonBlocking {

    enum Phase { HEAD, RESPONDING, LINGERING, CLOSED }

    private final SendfileEndPoint endPoint;
    private final Server server;
    private final RequestParser parser;
    private final long startMillis = System.currentTimeMillis();
    private final long startNanos = System.nanoTime();
    private final String remoteHost;
    private final int remotePort;
    private final Callback writeCallback = new WriteCallback();
    private volatile boolean sawBytes;
    private volatile String requestLine;
    /** The timeline for --trace; null when tracing is off, so nothing is allocated per event. */
    private final Trace trace;
    private long flushedAtClientFin = -1;

    // Guarded by this.
    private Phase phase = Phase.HEAD;
    private boolean inputEnded;
    private FinTiming fin = FinTiming.NONE;
    private Outcome outcome;
    private Outcome outcomeIfWritten;
    private Linger linger = Linger.NONE;
    private String reason;
    private Status status;
    private long owed = -1;
    private long headLength;
    private long discarded;
    private long headDeadline;
    private long lingerDeadline;
    private long lastFlushed;
    private long lastProgressNanos;
    private boolean headTimedOut;
    private FileChannel file;
    private boolean logged;
    private boolean closedByUs;

    ServerConnection(SendfileEndPoint endPoint, Server server) {
        super(endPoint, server.executor());
        this.endPoint = endPoint;
        this.server = server;
        ServerConfig.Limits limits = server.config().limits();
        this.parser = new RequestParser(limits.requestLine(), limits.headBytes(), limits.fields(), limits.body());
        InetSocketAddress remote = (InetSocketAddress) endPoint.getRemoteSocketAddress();
        this.remoteHost = remote == null ? "-" : remote.getAddress().getHostAddress();
        this.remotePort = remote == null ? 0 : remote.getPort();
        this.trace = server.config().trace() == null ? null : new Trace(startNanos, server.config().trace());
    }

    @Override
    public void onOpen() {
        super.onOpen();
        synchronized (this) {
            headDeadline = startNanos + server.config().headTimeout().toNanos(); // before the sweeper can see us
            if (trace != null) {
                trace.event("accepted", remoteHost + ":" + remotePort);
            }
        }
        server.opened(this);
        fillInterested();
    }

    @Override
    public void onFillable() {
        RetainableByteBuffer pooled = server.bufferPool().acquire(server.inputBufferSize(), true);
        ByteBuffer buffer = pooled.getByteBuffer();
        BufferUtil.clear(buffer);
        try {
            while (true) {
                int n;
                try {
                    n = endPoint.fill(buffer);
                } catch (IOException e) {
                    n = -1; // a read error ends the input like EOF; a write will tell what it meant
                }
                if (n < 0) {
                    onInputEnded();
                    return;
                }
                if (n == 0) {
                    if (trace != null) {
                        synchronized (this) {
                            trace.settle(); // the bytes read so far are printed now, not at the next event
                        }
                    }
                    if (isReading()) {
                        fillInterested();
                    }
                    return;
                }
                if (!onBytes(buffer, n)) {
                    return;
                }
                BufferUtil.clear(buffer);
            }
        } finally {
            pooled.release();
        }
    }

    private synchronized boolean isReading() {
        return phase != Phase.CLOSED && !inputEnded;
    }

    /** Handles {@code n} new bytes; returns whether to keep reading. */
    private boolean onBytes(ByteBuffer buffer, int n) {
        sawBytes = true;
        Phase now;
        synchronized (this) {
            now = phase;
            if (trace != null) {
                trace.bytes(now == Phase.HEAD ? "read" : "read and discarded", n);
            }
        }
        switch (now) {
            case HEAD -> {
                ParseResult result = parser.parse(buffer);
                requestLine = parser.requestLine();
                if (result instanceof ParseResult.NeedMore || !startResponse()) {
                    return true;
                }
                traceParsed(result);
                BufferUtil.clear(buffer); // bytes after the request are not ours to read: discard
                readAheadForEndOfInput(buffer);
                respondTo(result);
                return isReading();
            }
            case RESPONDING -> {
                return true; // discard: trailing bytes after the request
            }
            case LINGERING -> {
                boolean overCap;
                synchronized (this) {
                    discarded += n;
                    overCap = discarded > server.config().lingerBytes();
                    if (overCap) {
                        linger = Linger.BYTE_CAP;
                        if (trace != null) {
                            trace.event("linger byte cap", discarded + " B discarded");
                        }
                    }
                }
                if (overCap) {
                    closeEndPoint();
                    return false;
                }
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    /**
     * Before answering, reads (and discards) whatever already arrived, so that a FIN sent right
     * behind the request is logged as {@code after-request}, the ordinary half-close.
     */
    private void readAheadForEndOfInput(ByteBuffer buffer) {
        try {
            for (int reads = 0; reads < 8; reads++) { // bounded: a flood of trailing bytes must not delay the answer
                int n = endPoint.fill(buffer);
                BufferUtil.clear(buffer);
                if (n < 0) {
                    synchronized (this) {
                        noteEndOfInput();
                    }
                    return;
                }
                if (n == 0) {
                    return;
                }
            }
        } catch (IOException e) {
            synchronized (this) {
                noteEndOfInput();
            }
        }
    }

    /** host:port of the socket the request arrived on; asked only for a redirect (one getsockname). */
    private String authority() {
        InetSocketAddress local = (InetSocketAddress) endPoint.getLocalSocketAddress();
        if (local == null) {
            return "localhost";
        }
        String host = local.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + local.getPort();
    }

    /** For --trace: what the request became, at the moment the parser said so. */
    private void traceParsed(ParseResult result) {
        if (trace == null) {
            return;
        }
        synchronized (this) {
            if (result instanceof ParseResult.Complete complete) {
                trace.event("request complete", complete.request().line().text());
            } else if (result instanceof ParseResult.Failed failed) {
                trace.event("request refused", failed.status().code() + " (" + failed.reason() + ")");
            }
        }
    }

    /** The head phase ends exactly once: by a parse result, by EOF, or by the head timeout. */
    private boolean startResponse() {
        return startResponse(false);
    }

    private synchronized boolean startResponse(boolean headTimeout) {
        if (phase != Phase.HEAD) {
            return false;
        }
        phase = Phase.RESPONDING;
        headTimedOut = headTimeout;
        // The write-progress clock starts now: the sweeper may look before send() has run.
        lastFlushed = endPoint.flushedBytes();
        lastProgressNanos = System.nanoTime();
        return true;
    }

    private void respondTo(ParseResult result) {
        if (result instanceof ParseResult.Complete complete) {
            Response response;
            try {
                response = server.responder().respond(complete.request(), this::authority);
            } catch (RuntimeException e) {
                String why = "internal error while building the response";
                send(Responder.error(Status.INTERNAL_SERVER_ERROR, Version.HTTP_1_0, false, why), Outcome.ERROR, why);
                return;
            }
            // A 400 here is a malformed target (a bad escape, %00): the request was refused, not served.
            Outcome ifWritten = response.status() == Status.BAD_REQUEST ? Outcome.BAD_REQUEST : Outcome.COMPLETE;
            send(response, ifWritten, response.reason());
        } else if (result instanceof ParseResult.Failed failed) {
            send(Responder.error(failed.status(), Version.HTTP_1_0, false, failed.reason()), Outcome.BAD_REQUEST,
                    failed.reason());
        }
    }

    private void onInputEnded() {
        Phase now;
        synchronized (this) {
            now = phase;
            if (!noteEndOfInput()) {
                return;
            }
        }
        if (now == Phase.HEAD) {
            ParseResult result = parser.endOfInput();
            requestLine = parser.requestLine();
            if (!startResponse()) {
                return;
            }
            traceParsed(result);
            if (result instanceof ParseResult.Empty) {
                synchronized (this) {
                    outcome = Outcome.EMPTY;
                }
                closeEndPoint();
            } else {
                respondTo(result);
            }
        } else if (now == Phase.LINGERING) {
            closeEndPoint();
        }
    }

    /**
     * Records the client's end of input, once, against the phase it arrived in; returns false if
     * it was already recorded or the connection is closed.
     */
    private boolean noteEndOfInput() {
        assert Thread.holdsLock(this);
        if (inputEnded || phase == Phase.CLOSED || closedByUs) {
            return false; // after our own close, fill() says -1 too: that is not the client's FIN
        }
        inputEnded = true;
        flushedAtClientFin = endPoint.flushedBytes();
        if (trace != null) {
            trace.event(phase == Phase.LINGERING ? "client EOF during linger" : "client FIN", null);
        }
        switch (phase) {
            case HEAD -> fin = FinTiming.BEFORE_HEAD;
            case RESPONDING -> fin = headTimedOut ? FinTiming.BEFORE_HEAD
                    : endPoint.flushedBytes() == 0 ? FinTiming.AFTER_REQUEST : FinTiming.DURING_RESPONSE;
            case LINGERING -> {
                fin = FinTiming.AFTER_RESPONSE;
                linger = Linger.CLIENT_EOF;
            }
            default -> { }
        }
        return true;
    }

    private void onHeadTimeout() {
        if (startResponse(true)) {
            String why = "request head did not arrive in time";
            send(Responder.error(Status.REQUEST_TIMEOUT, Version.HTTP_1_0, false, why), Outcome.TIMEOUT, why);
        }
    }

    /** Writes the whole response; {@code ifWritten} is the outcome once every byte is flushed. */
    private void send(Response response, Outcome ifWritten, String why) {
        FileChannel source = response.file();
        synchronized (this) {
            status = response.status();
            owed = response.owed();
            headLength = response.head().length;
            outcomeIfWritten = ifWritten;
            reason = why;
            file = source;
            lastFlushed = endPoint.flushedBytes();
            lastProgressNanos = System.nanoTime();
            if (trace != null) {
                trace.event("response started", response.status().code() + " " + response.status().reasonPhrase()
                        + ", " + response.head().length + " B head + " + response.owed() + " B owed");
            }
        }
        ByteBuffer head = ByteBuffer.wrap(response.head());
        if (source != null) {
            endPoint.write(writeCallback, head, source, 0, response.owed());
        } else if (response.bytes() != null) {
            endPoint.write(writeCallback, head, ByteBuffer.wrap(response.bytes()));
        } else {
            endPoint.write(writeCallback, head);
        }
    }

    /**
     * The connection's timers, checked by the server's one sweeper (see {@link Server}) rather
     * than one scheduled task each: the head timeout (408), the write-progress timeout, and the
     * linger timeout. The write timeout counts time without progress, not time without activity:
     * a client that keeps sending (bytes we discard) but never reads is not making progress.
     */
    void checkTimeouts(long now) {
        Phase current;
        boolean stalled = false;
        synchronized (this) {
            current = phase;
            if (current == Phase.RESPONDING) {
                long flushed = endPoint.flushedBytes();
                if (flushed != lastFlushed) {
                    lastFlushed = flushed;
                    lastProgressNanos = now;
                } else if (now - lastProgressNanos >= server.config().writeTimeout().toNanos()) {
                    stalled = true;
                    if (outcome == null) {
                        outcome = Outcome.TIMEOUT;
                        reason = "client stopped reading";
                    }
                }
            }
        }
        switch (current) {
            case HEAD -> {
                if (now - headDeadline >= 0) {
                    onHeadTimeout();
                }
            }
            case RESPONDING -> {
                if (stalled) {
                    abort();
                }
            }
            case LINGERING -> {
                if (now - lingerDeadline >= 0) {
                    onLingerTimeout();
                }
            }
            default -> { }
        }
    }

    /** Every byte is in the kernel: send our FIN, then linger unless the client's input already ended. */
    private void onWritten() {
        closeFile();
        boolean lingering;
        synchronized (this) {
            if (phase == Phase.CLOSED) {
                return;
            }
            if (outcome == null) {
                outcome = outcomeIfWritten;
            }
            phase = Phase.LINGERING;
            lingering = !inputEnded && !server.config().linger().isZero();
            if (trace != null) {
                long flushed = endPoint.flushedBytes();
                trace.event("response written", flushed + " B");
                if (flushedAtClientFin >= 0) {
                    trace.event("written after client FIN", (flushed - flushedAtClientFin) + " B");
                }
                trace.event("our FIN", lingering ? "lingering for the client's EOF"
                        : inputEnded ? "the client's input had ended: close" : "--linger 0: close");
            }
            if (lingering) {
                lingerDeadline = System.nanoTime() + server.config().linger().toNanos();
            } else {
                linger = inputEnded ? Linger.CLIENT_EOF : Linger.TIMEOUT; // --linger 0: no wait at all
            }
        }
        endPoint.shutdownOutput(); // with input already shut, Jetty closes the endpoint here
        if (!lingering) {
            closeEndPoint();
        }
    }

    private void onWriteFailed(Throwable failure) {
        closeFile();
        synchronized (this) {
            if (trace != null) {
                trace.event("write failed", (failure instanceof EofException ? "the client had closed or reset" : "error")
                        + ", " + endPoint.flushedBytes() + " B written");
            }
            if (outcome == null) {
                if (failure instanceof EofException) {
                    outcome = Outcome.RESET;
                    reason = "client closed or reset the connection";
                } else {
                    outcome = Outcome.ERROR;
                    reason = "response could not be sent";
                }
            }
        }
        closeEndPoint();
    }

    private void onLingerTimeout() {
        synchronized (this) {
            if (phase != Phase.LINGERING || inputEnded || linger != Linger.NONE) {
                return; // not lingering: the client's EOF came, or another limit already ended it
            }
            linger = Linger.TIMEOUT;
            if (trace != null) {
                trace.event("linger timeout", null);
            }
        }
        closeEndPoint();
    }

    /** Fill interest fails only when the endpoint closes; {@link #onClose} accounts for it. */
    @Override
    public void onFillInterestedFailed(Throwable cause) {
    }

    /** A stop that cannot wait any longer: cut the connection and say so in the log. */
    void shutdown() {
        boolean cut = false;
        synchronized (this) {
            if (phase == Phase.CLOSED) {
                return;
            }
            if (outcome == null) {
                outcome = Outcome.SHUTDOWN;
                reason = "server stopped";
            }
            if (phase == Phase.RESPONDING) {
                cut = true;
            }
        }
        if (cut) {
            abort();
        } else {
            closeEndPoint();
        }
    }

    /** True when nothing has been asked of us yet: a stop may close it at once. */
    synchronized boolean isIdle() {
        return phase == Phase.HEAD && !sawBytes;
    }

    @Override
    public void onClose(Throwable cause) {
        super.onClose(cause);
        AccessRecord record;
        synchronized (this) {
            if (logged) {
                return;
            }
            logged = true;
            if (phase == Phase.LINGERING && !closedByUs) {
                // Our output was shut, so Jetty closes the endpoint inside the fill that sees the
                // client's EOF, possibly before onInputEnded runs; no other path closes it unasked.
                noteEndOfInput();
            }
            phase = Phase.CLOSED;
            Outcome ended = outcome;
            if (ended == null) {
                ended = Outcome.ERROR;
                reason = "connection closed unexpectedly";
            }
            long flushed = endPoint.flushedBytes();
            // A status is logged only if some of its response reached the kernel.
            record = new AccessRecord(remoteHost, remotePort, startMillis, requestLine,
                    status == null || flushed == 0 ? 0 : status.code(), Math.max(0, flushed - headLength), owed,
                    Math.min(flushed, headLength), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos),
                    fin, ended, linger, reason, closedTrace(ended));
        }
        closeFile();
        server.closed(this, record);
    }

    /** The last event, "closed", and the whole timeline for the log line; null when not tracing. */
    private java.util.List<dev.halfway.log.TraceEvent> closedTrace(Outcome ended) {
        assert Thread.holdsLock(this);
        if (trace == null) {
            return null;
        }
        trace.event("closed", "outcome=" + ended.label() + " fin=" + fin.label() + " linger=" + linger.label());
        return trace.events();
    }

    /**
     * Cuts a response that cannot be finished (the client stopped reading, or the server stops):
     * SO_LINGER 0 makes the close an RST, so the kernel drops the unsent bytes at once instead of
     * keeping an orphaned socket with megabytes queued, and the client learns the response was cut
     * rather than seeing a FIN that looks like an ending.
     */
    private void abort() {
        try {
            endPoint.getChannel().setOption(java.net.StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException | RuntimeException e) {
            // already closed: nothing is queued
        }
        closeEndPoint();
    }

    private void closeEndPoint() {
        synchronized (this) {
            closedByUs = true;
        }
        endPoint.close();
    }

    private void closeFile() {
        FileChannel f;
        synchronized (this) {
            f = file;
            file = null;
        }
        if (f != null) {
            try {
                f.close();
            } catch (IOException ignored) {
                // nothing was written through it
            }
        }
    }

    private final class WriteCallback implements Callback {
        @Override
        public void succeeded() {
            onWritten();
        }

        @Override
        public void failed(Throwable x) {
            onWriteFailed(x);
        }

        @Override
        public InvocationType getInvocationType() {
            return InvocationType.NON_BLOCKING;
        }
    }
}
