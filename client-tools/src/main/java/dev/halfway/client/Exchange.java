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
     */
    public record Result(ResponseMeter meter, StreamEnd end, String connectError, String sendError,
                         long sentBytes, double firstByteMillis, double ourFinMillis, double durationMillis,
                         boolean headRequest, AfterSend after) {

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
        Socket socket = new Socket();
        try {
            if (plan.read().receiveBuffer() > 0) {
                socket.setReceiveBufferSize(plan.read().receiveBuffer());
            }
            socket.connect(new InetSocketAddress(plan.host(), plan.port()), (int) Math.max(1, plan.timeout().toMillis()));
        } catch (UnknownHostException e) {
            return failedConnect(meter, "unknown host " + plan.host(), headRequest, plan);
        } catch (ConnectException | SocketTimeoutException e) {
            return failedConnect(meter, "cannot connect to " + plan.host() + ":" + plan.port() + ": " + e.getMessage(), headRequest, plan);
        } catch (IOException e) {
            return failedConnect(meter, "cannot connect: " + e.getMessage(), headRequest, plan);
        }
        long connected = System.nanoTime();
        Timing timing = new Timing(connected);
        String sendError = null;
        long sent = 0;
        try (socket) {
            OutputStream out = socket.getOutputStream();
            try {
                for (Piece piece : plan.pieces()) {
                    if (piece.pauseMillis() > 0) {
                        Thread.sleep(piece.pauseMillis());
                    }
                    out.write(piece.bytes());
                    out.flush();
                    sent += piece.bytes().length;
                }
            } catch (IOException e) {
                sendError = "the server stopped reading: " + e.getMessage();
            }
            switch (plan.after()) {
                case CLOSE -> {
                    return closedByUs(meter, sendError, sent, timing, headRequest, plan);
                }
                case RESET -> {
                    socket.setSoLinger(true, 0);
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
            meter.finish();
            return new Result(meter, end, null, sendError, sent, timing.firstByte(), timing.ourFin(),
                    millisSince(connected), headRequest, plan.after());
        } catch (IOException e) {
            return new Result(meter, StreamEnd.RST, null, sendError, sent, timing.firstByte(), timing.ourFin(),
                    millisSince(connected), headRequest, plan.after());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(meter, StreamEnd.CLOSED, null, "interrupted", sent, timing.firstByte(), timing.ourFin(),
                    millisSince(connected), headRequest, plan.after());
        }
    }

    private static StreamEnd read(Socket socket, ReadPolicy policy, ResponseMeter meter, Timing timing, long deadline)
            throws IOException, InterruptedException {
        if (policy.delayMillis() > 0) {
            Thread.sleep(policy.delayMillis());
        }
        InputStream in = socket.getInputStream();
        int chunk = policy.bytesPerSecond() > 0 ? (int) Math.max(1, Math.min(64 * 1024, policy.bytesPerSecond() / 20)) : 64 * 1024;
        byte[] buf = new byte[chunk];
        long readStart = System.nanoTime();
        long total = 0;
        while (true) {
            long remainingMillis = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (remainingMillis <= 0) {
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
                return StreamEnd.TIMEOUT;
            } catch (SocketException e) {
                return StreamEnd.RST;
            }
            if (n < 0) {
                return StreamEnd.FIN;
            }
            timing.sawByte();
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

    private static void shutWr(Socket socket, Timing timing) {
        synchronized (timing) {
            if (timing.ourFinNanos != 0 || socket.isClosed() || socket.isOutputShutdown()) {
                return;
            }
            try {
                socket.shutdownOutput();
                timing.ourFinNanos = System.nanoTime();
            } catch (IOException e) {
                // the socket is gone; the read loop will say how
            }
        }
    }

    private static Result failedConnect(ResponseMeter meter, String why, boolean headRequest, Plan plan) {
        return new Result(meter, null, why, null, 0, -1, -1, 0, headRequest, plan.after());
    }

    private static Result closedByUs(ResponseMeter meter, String sendError, long sent, Timing timing, boolean headRequest, Plan plan) {
        return new Result(meter, StreamEnd.CLOSED, null, sendError, sent, -1, -1, millisSince(timing.connected), headRequest, plan.after());
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

    /** Moments of the exchange, in nanoseconds; 0 where it did not happen. */
    private static final class Timing {
        final long connected;
        volatile long firstByteNanos;
        volatile long ourFinNanos;

        Timing(long connected) {
            this.connected = connected;
        }

        void sawByte() {
            if (firstByteNanos == 0) {
                firstByteNanos = System.nanoTime();
            }
        }

        double firstByte() {
            return firstByteNanos == 0 ? -1 : (firstByteNanos - connected) / 1e6;
        }

        double ourFin() {
            return ourFinNanos == 0 ? -1 : (ourFinNanos - connected) / 1e6;
        }
    }
}
