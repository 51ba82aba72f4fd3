package dev.halfway.io;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Where a test server's {@code --trace} lines go, so that a test can wait for a line: every write
 * wakes the waiters, and {@link #await} returns as soon as the text holds what it waits for.
 */
final class TraceLines extends OutputStream {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final PrintStream out = new PrintStream(this, true, StandardCharsets.UTF_8);

    @Override
    public synchronized void write(int b) {
        bytes.write(b);
        notifyAll();
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
        bytes.write(b, off, len);
        notifyAll();
    }

    /** Everything printed so far. */
    synchronized String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** Waits until the printed text contains {@code needle}; fails after {@code timeout} showing what was printed. */
    synchronized void await(String needle, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!text().contains(needle)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no trace line with \"" + needle + "\" within " + timeout.toMillis() + " ms:\n" + text());
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }
}
