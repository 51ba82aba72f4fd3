package dev.halfway.io;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.eclipse.jetty.io.EofException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Whose fault a failed sendfile is, decided by type: the peer's ({@link EofException}, logged
 * {@code reset}) only when the file can still be read; a file that cannot be read is a local
 * error (a plain IOException, logged {@code error}).
 */
class SendfileEndPointTest {
    @TempDir
    Path dir;

    /** A connected pair on loopback: the server's side wrapped in a SendfileEndPoint, and the client. */
    record Pair(SendfileEndPoint server, SocketChannel client) implements AutoCloseable {
        static Pair open() throws IOException {
            try (ServerSocketChannel listener = ServerSocketChannel.open()) {
                listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                SocketChannel client = SocketChannel.open(listener.getLocalAddress());
                SocketChannel accepted = listener.accept();
                return new Pair(new SendfileEndPoint(accepted, null, null, null, null), client);
            }
        }

        @Override
        public void close() throws IOException {
            client.close();
            server.getChannel().close();
        }
    }

    @Test
    void aFileThatCannotBeReadIsALocalError() throws IOException {
        // A directory opens for reading but every read fails (EISDIR): a real I/O error of the file.
        try (Pair pair = Pair.open(); FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            assertFalse(SendfileEndPoint.readable(directory, 0));
            pair.server().region(directory, 0, 4096);
            IOException e = assertThrows(IOException.class, () -> pair.server().flush());
            assertFalse(e instanceof EofException, "a file error must not look like the client's reset: " + e);
        }
    }

    @Test
    void aPeerThatResetIsTheClientsDoing() throws Exception {
        Path file = dir.resolve("big.bin");
        Files.write(file, new byte[8 * 1024 * 1024]);
        try (Pair pair = Pair.open(); FileChannel source = FileChannel.open(file, StandardOpenOption.READ)) {
            assertTrue(SendfileEndPoint.readable(source, 0));
            pair.client().setOption(StandardSocketOptions.SO_LINGER, 0);
            pair.client().close(); // an RST: every later send fails
            pair.server().region(source, 0, Files.size(file));
            IOException failure = null;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (failure == null && System.nanoTime() < deadline) {
                try {
                    if (pair.server().flush()) {
                        pair.server().region(source, 0, Files.size(file)); // all queued: send it again
                    }
                } catch (IOException e) {
                    failure = e;
                }
            }
            assertInstanceOf(EofException.class, failure, "the peer's reset is a reset");
        }
    }
}
