package dev.halfway.log;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.nio.file.StandardOpenOption.APPEND;
import static java.nio.file.StandardOpenOption.CREATE;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The access log's file ({@code --access-log-file}): lines appended to a path in UTF-8 (the file
 * is opened with O_APPEND and created if missing), buffered like the log on stdout, and
 * {@linkplain #reopen reopened} on request, which is how the log is rotated: after the file has
 * been renamed, {@code reopen} finishes writing the buffered lines to it, closes it, and goes on
 * in a new file at the path. Each line lands whole in exactly one of the two files: every line
 * handed over before the reopen in the renamed file, every line after it in the new one.
 *
 * <p>Threads: lines are written by whatever thread logs (the I/O threads, one line as each
 * connection closes), flushes come from the server's sweep, and a reopen comes from the SIGHUP
 * handler's thread. One lock guards the current stream. A writer holds it to copy its line
 * (already encoded) into the 64 KiB buffer (when the buffer is full, to hand it to the kernel
 * first), and a flush to hand the buffer to the kernel: the same lock, for the same work, that
 * {@link PrintStream} takes around each println of the log on stdout. A reopen holds it only to swap the stream: the new file is opened before, the old one
 * flushed and closed after, outside the lock and on the reopening thread, so a reopen never
 * makes an I/O thread wait for an open(2) or a close(2). Once the swap is done no writer can reach
 * the old stream, so closing it needs no lock.
 *
 * <p>A write that fails (a full disk) loses the lines it held; the first failure in each file
 * (writing, flushing or closing it) is reported in one line on the notices stream (stderr), so a
 * broken log is not silent, and the later ones are not, so it does not flood stderr either.
 */
public final class LogFile implements Lines, Closeable {
    /** The buffer: as for the log on stdout, most lines cost a memory copy, not a write(2). */
    static final int BUFFER_BYTES = 1 << 16;
    private static final byte[] NEWLINE = System.lineSeparator().getBytes(UTF_8);

    private final Path path;
    private final PrintStream notices;
    /** Guards {@link #out} and {@link #failed}; held for a buffer copy, a flush, or a swap. */
    private final Object lock = new Object();
    /** Serializes reopen and close (two SIGHUPs close together, a SIGHUP at stop); writers never take it. */
    private final Object reopening = new Object();
    private OutputStream out;
    /** Whether a write to the current file has failed and been reported. */
    private boolean failed;
    /** Set by {@link #close}; guarded by {@link #reopening}. */
    private boolean closed;

    private LogFile(Path path, OutputStream out, PrintStream notices) {
        this.path = path;
        this.out = out;
        this.notices = notices;
    }

    /**
     * Opens {@code path} for append, creating it if it is missing. Throws when its directory does
     * not exist or the file cannot be opened for writing; {@link #reason} says why in a few words.
     */
    public static LogFile open(Path path, PrintStream notices) throws IOException {
        return new LogFile(path, openAppend(path), notices);
    }

    private static OutputStream openAppend(Path path) throws IOException {
        Path directory = path.toAbsolutePath().getParent();
        if (directory != null && !Files.isDirectory(directory)) {
            throw new NoSuchFileException(path.toString(), null, "no such directory " + directory);
        }
        return new BufferedOutputStream(Files.newOutputStream(path, CREATE, APPEND), BUFFER_BYTES);
    }

    /** The path the log is written to (and reopened at). */
    public Path path() {
        return path;
    }

    /** Appends {@code line} and a line separator, in one piece (it is encoded before the lock is taken). */
    @Override
    public void println(String line) {
        byte[] bytes = line.getBytes(UTF_8);
        synchronized (lock) {
            try {
                out.write(bytes);
                out.write(NEWLINE);
            } catch (IOException e) {
                failed(e);
            }
        }
    }

    @Override
    public void flush() {
        synchronized (lock) {
            try {
                out.flush();
            } catch (IOException e) {
                failed(e);
            }
        }
    }

    /**
     * Goes on in a new file at the path (created if missing, appended to if something is there
     * already), and finishes the old one: its buffered lines are written to it and it is closed.
     * The new file is opened first, so when that fails (its directory is gone, permissions)
     * nothing changes: this throws and the lines keep going to the file that was open; a later
     * reopen tries again. After {@link #close} this does nothing.
     */
    public void reopen() throws IOException {
        synchronized (reopening) {
            if (closed) {
                return;
            }
            OutputStream fresh = openAppend(path);
            OutputStream old;
            boolean oldFailed;
            synchronized (lock) {
                old = out;
                oldFailed = failed;
                out = fresh;
                failed = false;
            }
            try {
                old.close(); // flushes first
            } catch (IOException e) {
                if (!oldFailed) {
                    report("the file it had open before the reopen", e);
                }
            }
        }
    }

    /**
     * Writes the buffered lines and closes the file; waits for a reopen under way to finish.
     * Lines handed over after this are dropped (none are: the server has stopped by then).
     */
    @Override
    public void close() {
        synchronized (reopening) {
            if (closed) {
                return;
            }
            closed = true;
            OutputStream last;
            boolean lastFailed;
            synchronized (lock) {
                last = out;
                lastFailed = failed;
                out = OutputStream.nullOutputStream();
            }
            try {
                last.close();
            } catch (IOException e) {
                if (!lastFailed) {
                    report(path.toString(), e);
                }
            }
        }
    }

    /** Under {@link #lock}: the first failure in the current file is reported, the later ones are not. */
    private void failed(IOException e) {
        if (!failed) {
            failed = true;
            report(path.toString(), e);
        }
    }

    private void report(String which, IOException e) {
        notices.println("halfway-server: cannot write the access log (" + which + "): " + reason(e) + "; lines are lost");
    }

    /** Why opening or writing failed, in a few words: "no such directory /var/log/x", "permission denied". */
    public static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException f) {
            if (f.getReason() != null) {
                return f.getReason();
            }
            if (f instanceof NoSuchFileException) {
                return "no such file or directory";
            }
        }
        return e.getMessage();
    }
}
