import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;

/**
 * The benchmark's "limit" column (bench/run): what ab, the kernel and the JVM allow on this
 * machine for a 1 KiB response, with no HTTP server in the way. Not part of halfway.
 *
 * <pre>java -Xmx64m -cp DIR Limit PORT      (or: java -Xmx64m bench/limit/Limit.java PORT)</pre>
 *
 * One thread, one selector, 127.0.0.1:PORT (backlog 1024, as halfway). Every connection: read
 * until the request's empty line (CRLF CRLF or LF LF) or EOF, without parsing anything; write one
 * canned HTTP/1.0 200 response (a head the size of halfway's, then 1024 bytes of body); shut the
 * output down; read to EOF; close. A read or write error closes the connection. SIGTERM ends it.
 */
public final class Limit {
    private static final int BODY = 1024;

    /** Per connection: where the end-of-head scan is, then what is left to write. */
    private static final class Conn {
        boolean lineEmpty = true; // at the start of a line: a line end here ends the head
        boolean sawByte;          // a leading bare line end does not end the head
        ByteBuffer out;           // null until the head has been read
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java Limit PORT");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        ByteBuffer canned = canned();
        ByteBuffer in = ByteBuffer.allocateDirect(16 * 1024);

        Selector selector = Selector.open();
        ServerSocketChannel listener = ServerSocketChannel.open();
        listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
        listener.bind(new InetSocketAddress("127.0.0.1", port), 1024);
        listener.configureBlocking(false);
        listener.register(selector, SelectionKey.OP_ACCEPT);
        System.err.println("limit: listening on 127.0.0.1:" + port);

        while (true) {
            selector.select();
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey key = it.next();
                it.remove();
                if (!key.isValid()) {
                    continue;
                }
                if (key.isAcceptable()) {
                    SocketChannel ch;
                    while ((ch = listener.accept()) != null) {
                        try {
                            ch.configureBlocking(false);
                            Conn c = new Conn();
                            // optimistic: the request is usually there already
                            if (!read(ch, c, in, canned)) {
                                boolean writing = c.out != null && c.out.hasRemaining();
                                ch.register(selector, writing ? SelectionKey.OP_WRITE : SelectionKey.OP_READ, c);
                            }
                        } catch (IOException e) {
                            closeQuietly(ch);
                        }
                    }
                    continue;
                }
                SocketChannel ch = (SocketChannel) key.channel();
                Conn c = (Conn) key.attachment();
                try {
                    if (key.isWritable()) {
                        if (write(ch, c)) {
                            key.interestOps(SelectionKey.OP_READ);
                        }
                    } else if (key.isReadable()) {
                        if (read(ch, c, in, canned)) {
                            key.cancel();
                        } else if (c.out != null && c.out.hasRemaining()) {
                            key.interestOps(SelectionKey.OP_WRITE);
                        }
                    }
                } catch (IOException e) {
                    key.cancel();
                    closeQuietly(ch);
                }
            }
        }
    }

    /**
     * Reads what there is: before the response, scanning for the end of the head (then writes);
     * after it, discarding until EOF. Returns true when the connection is closed.
     */
    private static boolean read(SocketChannel ch, Conn c, ByteBuffer in, ByteBuffer canned) throws IOException {
        try {
            while (true) {
                in.clear();
                int n = ch.read(in);
                if (n == 0) {
                    return false;
                }
                if (n < 0) { // EOF: answer if we have not yet, then close
                    if (c.out == null) {
                        c.out = canned.duplicate();
                        if (!write(ch, c)) {
                            return false; // the rest goes out on OP_WRITE; then read to EOF again
                        }
                    }
                    ch.close();
                    return true;
                }
                if (c.out == null && endOfHead(c, in, n)) {
                    c.out = canned.duplicate();
                    if (!write(ch, c)) {
                        return false;
                    }
                }
            }
        } catch (IOException e) {
            closeQuietly(ch);
            return true;
        }
    }

    /** Writes what is left of the response; when it is all out, shuts the output down. */
    private static boolean write(SocketChannel ch, Conn c) throws IOException {
        ch.write(c.out);
        if (c.out.hasRemaining()) {
            return false;
        }
        ch.shutdownOutput();
        return true;
    }

    private static boolean endOfHead(Conn c, ByteBuffer in, int n) {
        for (int i = 0; i < n; i++) {
            byte b = in.get(i);
            if (b == '\n') {
                if (c.lineEmpty && c.sawByte) {
                    return true;
                }
                c.lineEmpty = true;
            } else if (b != '\r') {
                c.lineEmpty = false;
                c.sawByte = true;
            }
        }
        return false;
    }

    /** A head like halfway's (same header names, about the same length) and a 1 KiB body. */
    private static ByteBuffer canned() {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
        String head = "HTTP/1.0 200 OK\r\n"
                + "Date: " + date + "\r\n"
                + "Server: limit/bench\r\n"
                + "X-Content-Type-Options: nosniff\r\n"
                + "Content-Type: application/octet-stream\r\n"
                + "Content-Length: " + BODY + "\r\n"
                + "Last-Modified: " + date + "\r\n"
                + "Connection: close\r\n"
                + "\r\n";
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocateDirect(h.length + BODY);
        b.put(h);
        for (int i = 0; i < BODY; i++) {
            b.put((byte) ('a' + i % 26));
        }
        b.flip();
        return b.asReadOnlyBuffer();
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
