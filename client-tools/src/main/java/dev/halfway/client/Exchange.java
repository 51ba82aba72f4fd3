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
 * Runs one {@link Plan} on a blocking socket and says what happened. The only thing it reads
 * into memory is the response head; the body goes to the sink as it arrives.
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
     */
    public record Result(ResponseMeter meter, StreamEnd end, String connectError, String sendError,
                         long sentBytes, double firstByteMillis, double ourFinMillis, double durationMillis,
                         boolean headRequest, AfterSend after, Timeline timeline) {

        public Result {
            timeline = timeline == null ? Timeline.EMPTY : timeline;
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
        String sendError = null;
        long sent = 0;
        try (socket) {
            OutputStream out = socket.getOutputStream();
            try {
                for (Piece piece : plan.pieces()) {
                    if (piece.pauseMillis() > 0) {
                        sleepUntil(piece.pauseMillis(), deadline);
                    }
                    out.write(piece.bytes());
                    out.flush();
                    sent += piece.bytes().length;
                    timeline.sent(piece.bytes().length);
                }
            } catch (IOException e) {
                sendError = "the server stopped reading: " + e.getMessage();
                timeline.sendFailed(e.getMessage());
            }
            switch (plan.after()) {
                case CLOSE -> {
                    socket.close();
                    timeline.ourFin("close");
                    return closedByUs(meter, sendError, sent, timing, headRequest, plan);
                }
                case RESET -> {
                    socket.setSoLinger(true, 0);
                    socket.close();
                    timeline.ourReset("reset: SO_LINGER 0, close");
                    return closedByUs(meter, sendError, sent, timing, headRequest, plan);
                }
                case SHUT_WR -> {
                    if (plan.shutWrAfterMillis() > 0) {
                        TIMER.schedule(() -> shutWr(socket, timing), plan.shutWrAfterMillis(), TimeUnit.MILLISECONDS);
                    } else {
                        shutWr(socket, timing);
                    }
                }
                case NO_SHUT -> { }
            }
            StreamEnd end = read(socket, plan.read(), meter, timing, deadline);
            if (end == StreamEnd.CLOSED) {
                closeEarly(socket, timing);
            }
            meter.finish();
            return new Result(meter, end, null, sendError, sent, timing.firstByte(), timing.ourFin(),
                    millisSince(connected), headRequest, plan.after(), timeline.done());
        } catch (IOException e) {
            timeline.rst(e.getMessage());
            return new Result(meter, StreamEnd.RST, null, sendError, sent, timing.firstByte(), timing.ourFin(),
                    millisSince(connected), headRequest, plan.after(), timeline.done());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(meter, StreamEnd.CLOSED, null, "interrupted", sent, timing.firstByte(), timing.ourFin(),
                    millisSince(connected), headRequest, plan.after(), timeline.done());
        }
    }

    private static StreamEnd read(Socket socket, ReadPolicy policy, ResponseMeter meter, Timing timing, long deadline)
            throws IOException, InterruptedException {
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
                timing.timeline.timeout(null);
                return StreamEnd.TIMEOUT;
            }
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, remainingMillis));
            int want = chunk;
            if (policy.stopAfterBytes() >= 0) {
                want = (int) Math.min(want, policy.stopAfterBytes() - total);
            }
            int n;
            try {
                n = in.read(buf, 0, want);
            } catch (SocketTimeoutException e) {
                timing.timeline.timeout(null);
                return StreamEnd.TIMEOUT;
            } catch (SocketException e) {
                timing.timeline.rst(e.getMessage());
                return StreamEnd.RST;
            }
            if (n < 0) {
                timing.timeline.serverFin();
                return StreamEnd.FIN;
            }
            timing.timeline.received(n);
            meter.accept(buf, 0, n);
            total += n;
            if (policy.shutWrAfterBytes() >= 0 && total >= policy.shutWrAfterBytes()) {
                shutWr(socket, timing);
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

    private static void shutWr(Socket socket, Timing timing) {
        synchronized (timing) {
            if (timing.shutWrAt >= 0 || socket.isClosed() || socket.isOutputShutdown()) {
                return;
            }
            try {
                socket.shutdownOutput();
                timing.shutWrAt = timing.timeline.ourFin("shutdown SHUT_WR");
            } catch (IOException e) {
                // the socket is gone; the read loop will say how
            }
        }
    }

    /**
     * Closes when the reader stopped after N bytes and records what that sends: an RST when
     * response bytes lie unread in our receive buffer, else our FIN unless we half-closed already.
     */
    private static void closeEarly(Socket socket, Timing timing) throws IOException {
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
            timing.timeline.ourFin("close");
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

    private static Result closedByUs(ResponseMeter meter, String sendError, long sent, Timing timing, boolean headRequest, Plan plan) {
        return new Result(meter, StreamEnd.CLOSED, null, sendError, sent, -1, -1, millisSince(timing.connected), headRequest,
                plan.after(), timing.timeline.done());
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

    /** Moments of the exchange: the recorder's, read as milliseconds from the connection's establishment. */
    private static final class Timing {
        final long connected;
        final Timeline.Recorder timeline;
        /** When we shut our write side, from the start of connect; -1 until then. */
        volatile long shutWrAt = -1;

        Timing(long connected, Timeline.Recorder timeline) {
            this.connected = connected;
            this.timeline = timeline;
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
