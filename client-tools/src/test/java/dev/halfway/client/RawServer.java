package dev.halfway.client;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny loopback TCP server for tests: every connection gets its own thread running a
 * {@link Handler}. It records what handlers hand to {@link #record} and closes every socket and
 * thread it started on {@link #close()}.
 */
final class RawServer implements AutoCloseable {

    /** What to do with one accepted connection; the socket is closed afterwards if still open. */
    @FunctionalInterface
    interface Handler {
        void handle(Socket socket, RawServer server) throws Exception;
    }

    private final ServerSocket serverSocket;
    private final Handler handler;
    private final Thread acceptor;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
    private final List<Throwable> failures = new CopyOnWriteArrayList<>();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile boolean closed;

    private RawServer(Handler handler) throws IOException {
        this.handler = handler;
        this.serverSocket = new ServerSocket();
        serverSocket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        this.acceptor = new Thread(this::acceptLoop, "raw-server-accept-" + serverSocket.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    static RawServer start(Handler handler) throws IOException {
        return new RawServer(handler);
    }

    int port() {
        return serverSocket.getLocalPort();
    }

    /** {@code 127.0.0.1:PORT}. */
    String target() {
        return "127.0.0.1:" + port();
    }

    String url(String path) {
        return "http://" + target() + path;
    }

    int connections() {
        return connections.get();
    }

    /** Handlers call this with the bytes a client sent. */
    void record(byte[] bytes) {
        received.add(bytes);
    }

    /** The next recorded request bytes, waiting up to {@code millis}; null if none came. */
    byte[] takeReceived(long millis) throws InterruptedException {
        return received.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** Exceptions handlers threw while the server was open (not those caused by closing it). */
    List<Throwable> failures() {
        return List.copyOf(failures);
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s;
            try {
                s = serverSocket.accept();
            } catch (IOException e) {
                return; // closed
            }
            connections.incrementAndGet();
            sockets.add(s);
            Thread t = new Thread(() -> {
                try (s) {
                    handler.handle(s, this);
                } catch (Throwable e) {
                    if (!closed) {
                        failures.add(e);
                    }
                }
            }, "raw-server-conn-" + port() + "-" + connections.get());
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        closed = true;
        serverSocket.close();
        for (Socket s : sockets) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        acceptor.join(2000);
        for (Thread t : new ArrayList<>(threads)) {
            t.join(2000);
        }
    }

    /**
     * A handler that aborts mid-body, deterministically: it reads the request and its FIN, starts
     * writing a {@code bodySize}-byte response, and once the head and the first 8 KiB of the body
     * are on their way to the client (written with TCP_NODELAY, within any receive window) closes
     * with SO_LINGER 0 (an RST), counting {@code aborted} down. A client that has not read yet
     * gets the bytes already queued, then ECONNRESET.
     */
    static Handler abortingMidBody(int bodySize, java.util.concurrent.CountDownLatch aborted) {
        return (socket, s) -> {
            readUntilEof(socket);
            socket.setTcpNoDelay(true); // each write leaves at once: nothing waits in our send buffer for an ACK
            java.util.concurrent.CountDownLatch sent = new java.util.concurrent.CountDownLatch(1);
            Thread writer = new Thread(() -> {
                try {
                    java.io.OutputStream out = socket.getOutputStream();
                    out.write(("HTTP/1.0 200 OK\r\nContent-Length: " + bodySize + "\r\n\r\n")
                            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    byte[] chunk = new byte[8 * 1024];
                    for (int written = 0; written < bodySize; written += chunk.length) {
                        out.write(chunk, 0, Math.min(chunk.length, bodySize - written));
                        sent.countDown();
                    }
                } catch (Exception expected) {
                    // the abort below interrupts this write
                } finally {
                    sent.countDown();
                }
            }, "rst-writer");
            writer.setDaemon(true);
            writer.start();
            if (!sent.await(5, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new AssertionError("the response's first bytes were not written within 5 s");
            }
            socket.setSoLinger(true, 0);
            socket.close();
            aborted.countDown();
            writer.join(2000);
        };
    }

    /** Reads until the client's FIN; returns everything read. */
    static byte[] readUntilEof(Socket socket) throws IOException {
        return socket.getInputStream().readAllBytes();
    }

    /** Reads up to and including the empty line that ends a request head (CRLF CRLF or LF LF). */
    static byte[] readHead(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            byte[] h = head.toByteArray();
            int n = h.length;
            if (n >= 2 && h[n - 1] == '\n' && h[n - 2] == '\n'
                    || n >= 4 && h[n - 1] == '\n' && h[n - 2] == '\r' && h[n - 3] == '\n' && h[n - 4] == '\r') {
                break;
            }
        }
        return head.toByteArray();
    }
}
