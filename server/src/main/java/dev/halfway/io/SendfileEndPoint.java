package dev.halfway.io;

import java.io.IOException;
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
 * <p>It also counts every byte handed to the kernel, for the access log's bytes-sent column.
 */
final class SendfileEndPoint extends SocketChannelEndPoint {
    private FileChannel file;
    private long position;
    private long end;
    private volatile long flushedBytes;

    SendfileEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler) {
        super(channel, selector, key, scheduler);
    }

    /**
     * Writes {@code head}, then {@code count} bytes of {@code source} from {@code from}. The caller
     * owns {@code source} and closes it once {@code callback} completes.
     */
    void write(Callback callback, ByteBuffer head, FileChannel source, long from, long count) {
        this.file = source;
        this.position = from;
        this.end = from + count;
        write(callback, head);
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
            throw new EofException(e);
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
}
