package dev.halfway.io;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * A socket endpoint that can also send a region of a file with {@link FileChannel#transferTo}
 * (sendfile(2) on Linux): the bytes go from the page cache to the socket without passing through
 * the JVM. The region rides on Jetty's ordinary write path: {@link #flush} first flushes the
 * buffers (the response head), then transfers the file region, and reports the write complete
 * only when both are done, so the {@code WriteFlusher} keeps the write pending, with write
 * interest, until the region is sent.
 *
 * <p>A failed transfer is the peer's fault ({@link EofException}, as Jetty reports a failed socket
 * write) or the file's (a plain {@link IOException}): the file is asked, with a one-byte read at
 * the same position, never the exception's message. It also counts every byte handed to the
 * kernel, for the access log and the write-progress clock; it is touched only on its selector's
 * thread.
 */
final class SendfileEndPoint extends SocketChannelEndPoint {
    private final Loop loop;
    private FileChannel file;
    private long position;
    private long end;
    private long flushedBytes;

    SendfileEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler, Loop loop) {
        super(channel, selector, key, scheduler);
        this.loop = loop;
    }

    /** The loop this endpoint's selector runs. */
    Loop loop() {
        return loop;
    }

    /**
     * Writes {@code head}, then {@code count} bytes of {@code source} from {@code from}. The caller
     * owns {@code source} and closes it once {@code callback} completes.
     */
    void write(Callback callback, ByteBuffer head, FileChannel source, long from, long count) {
        region(source, from, count);
        write(callback, head);
    }

    /** The file region the next flushes send after their buffers. */
    void region(FileChannel source, long from, long count) {
        this.file = source;
        this.position = from;
        this.end = from + count;
    }

    /**
     * Turns Nagle's algorithm off (TCP_NODELAY), for a response that goes out in more than one
     * write. A response written in one gathering write needs no such call: its only small
     * segment is the last, and our FIN follows it at once.
     */
    void noDelay() {
        try {
            getChannel().setOption(StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException | RuntimeException e) {
            // closed already: the write that follows fails and says so
        }
    }

    /** Bytes handed to the kernel so far, head and body. */
    long flushedBytes() {
        return flushedBytes;
    }

    @Override
    public boolean flush(ByteBuffer... buffers) throws IOException {
        long before = BufferUtil.remaining(buffers);
        boolean buffersDone = super.flush(buffers);
        flushedBytes += before - BufferUtil.remaining(buffers);
        if (!buffersDone) {
            return false;
        }
        FileChannel source = file;
        if (source == null || position >= end) {
            file = null;
            return true;
        }
        long sent;
        try {
            sent = source.transferTo(position, end - position, getChannel());
        } catch (IOException e) {
            file = null;
            throw readable(source, position) ? new EofException(e) : e;
        }
        if (sent > 0) {
            position += sent;
            flushedBytes += sent;
            notIdle();
        } else if (source.size() <= position) {
            file = null;
            throw new IOException("file shrank while it was being sent");
        }
        if (position < end) {
            return false;
        }
        file = null;
        return true;
    }

    /**
     * After the selected keys' tasks have run, Jetty sets each key's interest to what its endpoint
     * now wants. A connection that closed in its task has a cancelled key: setting its interest
     * would throw (and fill in the stack trace of) a {@code CancelledKeyException}, which Jetty
     * catches to close the endpoint again; that was one exception per connection. A closed
     * endpoint wants nothing.
     */
    @Override
    public void updateKey() {
        if (isOpen()) {
            super.updateKey();
        }
    }

    /** Whether the file can still be read at {@code at}: if so, a failed transfer was the socket's. */
    static boolean readable(FileChannel source, long at) {
        try {
            source.read(ByteBuffer.allocate(1), at);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
