package dev.halfway.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs one {@link Plan} on a blocking socket, over plain TCP or TLS ({@link TlsStream}), and says
 * what happened. The only thing it reads into memory is the response head; the body goes to the
 * sink as it arrives.
 *
 * <p>On TLS our half-close is close_notify and then the TCP FIN (or the FIN alone, when the plan
 * says so), a full close likewise, and a reset is a reset. The stream's end is still the TCP
 * end (FIN, RST, timeout); whether the server's close_notify came before it is in the result's
 * {@link TlsOutcome} and on the timeline.
 */
public final class Exchange {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "halfway-client-timer");
        t.setDaemon(true);
        return t;
    });

    private Exchange() {}

    /**
     * What happened.
     *
     * @param connectError      why the connection could not be made, or null
     * @param sendError         why sending stopped early (the server closed first), or null
     * @param firstByteMillis   from connect to the first response byte, or -1
     * @param ourFinMillis      from connect to our FIN, or -1 if we never half-closed
     * @param timeline          what the client saw, event by event, from the start of connect ({@link Timeline#EMPTY} if not recorded)
     * @param tls               what TLS came to; null on plain TCP
     */
    public record Result(ResponseMeter meter, StreamEnd end, String connectError, String sendError,
                         long sentBytes, double firstByteMillis, double ourFinMillis, double durationMillis,
                         boolean headRequest, AfterSend after, Timeline timeline, TlsOutcome tls) {

        public Result {
            timeline = timeline == null ? Timeline.EMPTY : timeline;
        }

        /** A plain TCP result. */
        public Result(ResponseMeter meter, StreamEnd end, String connectError, String sendError,
                      long sentBytes, double firstByteMillis, double ourFinMillis, double durationMillis,
                      boolean headRequest, AfterSend after, Timeline timeline) {
            this(meter, end, connectError, sendError, sentBytes, firstByteMillis, ourFinMillis, durationMillis,
                    headRequest, after, timeline, null);
        }

        /** A result without a timeline. */
        public Result(ResponseMeter meter, StreamEnd end, String connectError, String sendError,
                      long sentBytes, double firstByteMillis, double ourFinMillis, double durationMillis,
                      boolean headRequest, AfterSend after) {
            this(meter, end, connectError, sendError, sentBytes, firstByteMillis, ourFinMillis, durationMillis,
                    headRequest, after, Timeline.EMPTY);
        }

        /** From our FIN to the first response byte; NaN when either is missing or the byte came first. */
        public double finToFirstByteMillis() {
            if (firstByteMillis < 0 || ourFinMillis < 0) {
                return Double.NaN;
            }
            return firstByteMillis - ourFinMillis;
        }
    }

    public static Result run(Plan plan, ResponseMeter.Sink sink) {
        ResponseMeter meter = new ResponseMeter(sink);
        boolean headRequest = startsWith(plan, "HEAD ");
        long start = System.nanoTime();
        long deadline = start + plan.timeout().toNanos();
        Timeline.Recorder timeline = Timeline.recorder(System::nanoTime);
        String peer = hostPort(plan.host(), plan.port());
        Socket socket = new Socket();
        try {
            if (plan.read().receiveBuffer() > 0) {
                socket.setReceiveBufferSize(plan.read().receiveBuffer());
            }
            InetSocketAddress address = new InetSocketAddress(plan.host(), plan.port());
            timeline.connect(peer);
            if (address.isUnresolved()) {
                throw new UnknownHostException(plan.host());
            }
            socket.connect(address, (int) Math.max(1, plan.timeout().toMillis()));
        } catch (UnknownHostException e) {
            return failedConnect(meter, "unknown host " + plan.host(), headRequest, plan, timeline, "unknown host");
        } catch (ConnectException | SocketTimeoutException e) {
            return failedConnect(meter, "cannot connect to " + plan.host() + ":" + plan.port() + ": " + e.getMessage(), headRequest, plan,
                    timeline, e.getMessage());
        } catch (IOException e) {
            return failedConnect(meter, "cannot connect: " + e.getMessage(), headRequest, plan, timeline, e.getMessage());
        }
        timeline.connected(resolvedPeer(socket, plan));
        long connected = timeline.origin() + timeline.connectedAt();
        Timing timing = new Timing(connected, timeline);
        TlsStream tls = null;
        if (plan.tls() != null) {
            try {
                tls = TlsStream.open(socket, plan.host(), plan.port(), plan.tls(),
                        TlsPlan.applicationProtocols(requestLine(plan)), deadline, timeline, timing);
            } catch (TlsStream.HandshakeFailed e) {
                closeQuietly(socket);
                return new Result(meter, null, null, null, 0, -1, -1, millisSince(connected), headRequest, plan.after(),
                        timeline.done(), TlsOutcome.failed(e.getMessage()));
            } catch (IOException e) {
                closeQuietly(socket);
                boolean late = e instanceof SocketTimeoutException;
                if (late) {
                    timeline.timeout("during the TLS handshake");
                } else {
                    timeline.tlsFailed(e.getMessage());
                }
                return new Result(meter, late ? StreamEnd.TIMEOUT : null, null, null, 0, -1, -1, millisSince(connected),
                        headRequest, plan.after(), timeline.done(),
                        late ? new TlsOutcome(null, null, null, null, "no TLS handshake within the timeout", false, false)
                                : TlsOutcome.failed(e.getMessage()));
            }
        }
        TlsStream session = tls;
        String sendError = null;
        long sent = 0;
        try (socket) {
            OutputStream out = socket.getOutputStream();
            try {
                for (Piece piece : plan.pieces()) {
                    if (piece.pauseMillis() > 0) {
                        sleepUntil(piece.pauseMillis(), deadline);
                    }
                    if (tls == null) {
                        out.write(piece.bytes());
                        out.flush();
                    } else {
                        tls.write(piece.bytes(), 0, piece.bytes().length);
                    }
                    sent += piece.bytes().length;
                    timeline.sent(piece.bytes().length);
                }
            } catch (IOException e) {
                sendError = "the server stopped reading: " + e.getMessage();
                timeline.sendFailed(e.getMessage());
            }
            switch (plan.after()) {
                case CLOSE -> {
                    boolean notified = closeNotify(tls, plan);
                    socket.close();
                    timeline.ourFin(notified ? "close" : "close, no close_notify");
                    return closedByUs(meter, sendError, sent, timing, headRequest, plan, tls);
                }
                case RESET -> {
                    socket.setSoLinger(true, 0);
                    socket.close();
                    timeline.ourReset("reset: SO_LINGER 0, close");
                    return closedByUs(meter, sendError, sent, timing, headRequest, plan, tls);
                }
                case SHUT_WR -> {
                    if (plan.shutWrAfterMillis() > 0) {
                        TIMER.schedule(() -> shutWr(socket, session, plan, timing), plan.shutWrAfterMillis(), TimeUnit.MILLISECONDS);
                    } else {
                        shutWr(socket, tls, plan, timing);
                    }
                }
                case NO_SHUT -> { }
            }
            StreamEnd end = read(socket, tls, plan, meter, timing, deadline);
            if (end == StreamEnd.CLOSED) {
                closeEarly(socket, tls, plan, timing);
            }
            meter.finish();
            return new Result(meter, end, null, sendError, sent, timing.firstByte(), timing.ourFin(),
                    millisSince(connected), headRequest, plan.after(), timeline.done(), outcome(tls));
        } catch (IOException e) {
            timing.rst(e.getMessage());
            return new Result(meter, StreamEnd.RST, null, sendError, sent, timing.firstByte(), timing.ourFin(),
                    millisSince(connected), headRequest, plan.after(), timeline.done(), outcome(tls));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(meter, StreamEnd.CLOSED, null, "interrupted", sent, timing.firstByte(), timing.ourFin(),
                    millisSince(connected), headRequest, plan.after(), timeline.done(), outcome(tls));
        }
    }

    private static TlsOutcome outcome(TlsStream tls) {
        return tls == null ? null : tls.outcome();
    }

    /**
     * On TLS, before our FIN: our close_notify, unless the plan says a bare FIN. Returns whether a
     * close_notify of ours went before the FIN that follows (true on plain TCP, where there is none
     * to miss). A failed send is left for the FIN, or the read, to show.
     */
    private static boolean closeNotify(TlsStream tls, Plan plan) {
        if (tls == null) {
            return true;
        }
        if (plan.tls().closeNotify()) {
            try {
                tls.closeNotify();
            } catch (IOException e) {
                // the connection is gone; what follows says how
            }
        }
        return tls.closeNotifySent();
    }

    private static StreamEnd read(Socket socket, TlsStream tls, Plan plan, ResponseMeter meter, Timing timing, long deadline)
            throws IOException, InterruptedException {
        ReadPolicy policy = plan.read();
        if (policy.delayMillis() > 0) {
            sleepUntil(policy.delayMillis(), deadline);
        }
        InputStream in = socket.getInputStream();
        int chunk = policy.bytesPerSecond() > 0 ? (int) Math.max(1, Math.min(64 * 1024, policy.bytesPerSecond() / 20)) : 64 * 1024;
        byte[] buf = new byte[chunk];
        long readStart = System.nanoTime();
        long total = 0;
        while (true) {
            long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (remainingMillis <= 0) {
                timing.timeout(null);
                return StreamEnd.TIMEOUT;
            }
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remainingMillis));
            int want = chunk;
            if (policy.stopAfterBytes() >= 0) {
                want = (int) Math.min(want, policy.stopAfterBytes() - total);
            }
            int n;
            try {
                n = tls == null ? in.read(buf, 0, want) : tls.read(buf, 0, want);
            } catch (SocketTimeoutException e) {
                timing.timeout(null);
                return StreamEnd.TIMEOUT;
            } catch (SocketException e) {
                timing.rst(e.getMessage());
                return StreamEnd.RST;
            }
            if (n < 0) {
                timing.serverFin(tls == null ? null : finDetail(tls));
                return StreamEnd.FIN;
            }
            timing.timeline.received(n);
            meter.accept(buf, 0, n);
            total += n;
            if (policy.shutWrAfterBytes() >= 0 && total >= policy.shutWrAfterBytes()) {
                shutWr(socket, tls, plan, timing);
            }
            if (policy.stopAfterBytes() >= 0 && total >= policy.stopAfterBytes()) {
                return StreamEnd.CLOSED;
            }
            if (policy.bytesPerSecond() > 0) {
                long dueNanos = readStart + total * 1_000_000_000L / policy.bytesPerSecond();
                long wait = dueNanos - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(Math.min(wait, Math.max(0, deadline - System.nanoTime())));
                }
            }
        }
    }

    /** Sleeps {@code millis}, but never past the exchange's deadline (--timeout bounds everything). */
    private static void sleepUntil(long millis, long deadline) throws InterruptedException {
        long nanos = Math.min(TimeUnit.MILLISECONDS.toNanos(millis), deadline - System.nanoTime());
        if (nanos > 0) {
            TimeUnit.NANOSECONDS.sleep(nanos);
        }
    }

    /** What TLS says of the server's FIN: whether its close_notify came first (RFC 8446 §6.1). */
    private static String finDetail(TlsStream tls) {
        if (!tls.closeNotifyReceived()) {
            return "no close_notify";
        }
        return tls.ignoredBytes() == 0 ? "after close_notify"
                : "after close_notify, and " + tls.ignoredBytes() + " B after it, ignored";
    }

    /** Our half-close: on TLS, close_notify first (unless the plan says a bare FIN); then shutdown(SHUT_WR). Once. */
    private static void shutWr(Socket socket, TlsStream tls, Plan plan, Timing timing) {
        synchronized (timing) {
            if (timing.shutWrAt >= 0 || socket.isClosed() || socket.isOutputShutdown()) {
                return;
            }
            try {
                boolean notified = closeNotify(tls, plan);
                socket.shutdownOutput();
                timing.shutWrAt = timing.timeline.ourFin(notified ? "shutdown SHUT_WR" : "shutdown SHUT_WR, no close_notify");
            } catch (IOException e) {
                // the socket is gone; the read loop will say how
            }
        }
    }

    /**
     * Closes when the reader stopped after N bytes and records what that sends: an RST when
     * response bytes lie unread in our receive buffer, else our FIN unless we half-closed already.
     */
    private static void closeEarly(Socket socket, TlsStream tls, Plan plan, Timing timing) throws IOException {
        boolean notified = timing.shutWrAt >= 0 || closeNotify(tls, plan);
        int unread;
        try {
            unread = socket.getInputStream().available();
        } catch (IOException e) {
            unread = 0;
        }
        socket.close();
        if (unread > 0) {
            timing.timeline.ourReset("close with " + unread + " B unread");
        } else if (timing.shutWrAt < 0) {
            timing.timeline.ourFin(notified ? "close" : "close, no close_notify");
        }
    }

    private static Result failedConnect(ResponseMeter meter, String why, boolean headRequest, Plan plan,
                                        Timeline.Recorder timeline, String shortWhy) {
        if (!timeline.started()) {
            timeline.connect(hostPort(plan.host(), plan.port())); // failed before connect() began
        }
        timeline.connectFailed(shortWhy == null ? why : shortWhy);
        return new Result(meter, null, why, null, 0, -1, -1, 0, headRequest, plan.after(), timeline.done());
    }

    private static Result closedByUs(ResponseMeter meter, String sendError, long sent, Timing timing, boolean headRequest, Plan plan,
                                     TlsStream tls) {
        return new Result(meter, StreamEnd.CLOSED, null, sendError, sent, -1, -1, millisSince(timing.connected), headRequest,
                plan.after(), timing.timeline.done(), outcome(tls));
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing was sent, nothing to lose
        }
    }

    /** The request's first line, for ALPN; null when there is none. */
    private static String requestLine(Plan plan) {
        return plan.pieces().isEmpty() ? null : Ladder.requestLine(plan.pieces().get(0).bytes());
    }

    /** host:port, with an IPv6 literal in brackets. */
    static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** The address connected to, when it says more than the host asked for (a name, not a literal); else null. */
    private static String resolvedPeer(Socket socket, Plan plan) {
        if (socket.getInetAddress() == null) {
            return null;
        }
        String address = socket.getInetAddress().getHostAddress();
        return address.equals(plan.host()) ? null : hostPort(address, socket.getPort());
    }

    private static boolean startsWith(Plan plan, String prefix) {
        if (plan.pieces().isEmpty()) {
            return false;
        }
        byte[] first = plan.pieces().get(0).bytes();
        if (first.length < prefix.length()) {
            return false;
        }
        for (int i = 0; i < prefix.length(); i++) {
            if (first[i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    private static double millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e6;
    }

    /**
     * Moments of the exchange: the recorder's, read as milliseconds from the connection's
     * establishment. Also the lock of our side's end: {@link #shutWr} holds it around our
     * close_notify, our FIN and their events (on a timer thread with --shut-wr-after), and the
     * reader records the server's end under it, so an answer to our half-close is never recorded
     * before the half-close itself.
     */
    private static final class Timing {
        final long connected;
        final Timeline.Recorder timeline;
        /** When we shut our write side, from the start of connect; -1 until then. */
        volatile long shutWrAt = -1;

        Timing(long connected, Timeline.Recorder timeline) {
            this.connected = connected;
            this.timeline = timeline;
        }

        synchronized void serverFin(String detail) {
            timeline.serverFin(detail);
        }

        synchronized void rst(String why) {
            timeline.rst(why);
        }

        synchronized void timeout(String why) {
            timeline.timeout(why);
        }

        double firstByte() {
            long at = timeline.firstByteAt();
            return at < 0 ? -1 : (timeline.origin() + at - connected) / 1e6;
        }

        double ourFin() {
            long at = shutWrAt;
            return at < 0 ? -1 : (timeline.origin() + at - connected) / 1e6;
        }
    }
}
