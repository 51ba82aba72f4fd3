package dev.halfway.io;

import dev.halfway.testing.Await;
import dev.halfway.testing.TcpTable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A blocking loopback client that does exactly what a test says with its socket: send bytes,
 * half-close, close, reset, read slowly. Reports how the server ended the stream.
 */
final class RawClient implements AutoCloseable {
    enum End { FIN, RST, TIMEOUT }

    /** What was read and how the stream ended. */
    record Reply(byte[] bytes, End end) {
        String text() {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }

        String head() {
            String t = text();
            int i = t.indexOf("\r\n\r\n");
            return i < 0 ? t : t.substring(0, i + 2);
        }

        byte[] body() {
            String t = text();
            int i = t.indexOf("\r\n\r\n");
            return i < 0 ? new byte[0] : java.util.Arrays.copyOfRange(bytes, i + 4, bytes.length);
        }

        int status() {
            String t = text();
            return t.startsWith("HTTP/1.0 ") ? Integer.parseInt(t.substring(9, 12)) : -1;
        }
    }

    final Socket socket;

    RawClient(int port) throws IOException {
        socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(15_000);
    }

    RawClient send(String ascii) throws IOException {
        return send(ascii.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawClient send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return this;
    }

    /**
     * Waits until the server has read every byte sent so far: the kernel's table shows our send
     * queue empty (the server's side acknowledged the bytes), then the server's receive queue
     * empty (the server took them from its socket).
     */
    RawClient awaitReadByServer() throws InterruptedException {
        int local = socket.getLocalPort();
        int remote = socket.getPort();
        Await.until(Duration.ofSeconds(5), () -> TcpTable.find(local, remote).map(s -> s.txQueue() == 0).orElse(false),
                () -> "the server's side acknowledged what we sent: " + TcpTable.describe(local, remote));
        Await.until(Duration.ofSeconds(5), () -> TcpTable.find(remote, local).map(s -> s.rxQueue() == 0).orElse(false),
                () -> "the server read what we sent: " + TcpTable.describe(remote, local));
        return this;
    }

    /** shutdown(SHUT_WR): our FIN; we can still read. */
    RawClient halfClose() throws IOException {
        socket.shutdownOutput();
        return this;
    }

    /** SO_LINGER 0 then close: the kernel sends RST. */
    void reset() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    /** Reads until the server ends the stream (or the read timeout). */
    Reply readAll() throws IOException {
        return read(Long.MAX_VALUE, 64 * 1024, 0);
    }

    /** Reads up to {@code limit} bytes in reads of {@code chunk} bytes, pausing {@code pauseMillis} between reads. */
    Reply read(long limit, int chunk, long pauseMillis) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[chunk];
        try {
            while (out.size() < limit) {
                int n = in.read(buf, 0, (int) Math.min(chunk, limit - out.size()));
                if (n < 0) {
                    return new Reply(out.toByteArray(), End.FIN);
                }
                out.write(buf, 0, n);
                if (pauseMillis > 0) {
                    Thread.sleep(pauseMillis);
                }
            }
            return new Reply(out.toByteArray(), null);
        } catch (SocketTimeoutException e) {
            return new Reply(out.toByteArray(), End.TIMEOUT);
        } catch (SocketException e) {
            return new Reply(out.toByteArray(), End.RST);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
