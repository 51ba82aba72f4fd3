package dev.halfway.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;

/**
 * Writes one response to an endpoint, and says how many of its bytes the endpoint has taken so
 * far (the write-progress clock and the log's byte counts). A socket sends file bodies with
 * sendfile ({@link SendfileEndPoint}); any other endpoint (a test's, or one that must see the bytes)
 * gets them read from the file in chunks, so no body is ever held whole in memory.
 */
abstract class Outbound {
    static final int CHUNK = 64 * 1024;

    static Outbound to(EndPoint endPoint) {
        return endPoint instanceof SendfileEndPoint socket ? new Sendfile(socket) : new Chunked(endPoint);
    }

    /** Starts writing; {@code done} completes when every byte was taken, or fails. */
    abstract void write(Response response, Callback done);

    /** Bytes of the response handed to the endpoint so far, head included. */
    abstract long flushed();

    private static final class Sendfile extends Outbound {
        private final SendfileEndPoint endPoint;

        Sendfile(SendfileEndPoint endPoint) {
            this.endPoint = endPoint;
        }

        @Override
        void write(Response response, Callback done) {
            ByteBuffer head = ByteBuffer.wrap(response.head());
            if (response.file() != null) {
                endPoint.noDelay(); // head and body are two writes: Nagle would hold the body for the head's ACK
                endPoint.write(done, head, response.file(), 0, response.owed());
            } else if (response.bytes() != null) {
                endPoint.write(done, head, ByteBuffer.wrap(response.bytes()));
            } else {
                endPoint.write(done, head);
            }
        }

        @Override
        long flushed() {
            return endPoint.flushedBytes();
        }
    }

    private static final class Chunked extends Outbound {
        private final EndPoint endPoint;
        private ByteBuffer head = ByteBuffer.allocate(0);
        private ByteBuffer body = ByteBuffer.allocate(0);
        private long bodyBefore;

        Chunked(EndPoint endPoint) {
            this.endPoint = endPoint;
        }

        @Override
        void write(Response response, Callback done) {
            head = ByteBuffer.wrap(response.head());
            if (response.file() == null) {
                body = response.bytes() == null ? ByteBuffer.allocate(0) : ByteBuffer.wrap(response.bytes());
                endPoint.write(done, head, body);
                return;
            }
            new FileChunks(response.file(), response.owed(), done).iterate();
        }

        @Override
        long flushed() {
            return head.position() + bodyBefore + body.position();
        }

        /** Head with the first chunk, then chunk after chunk: one buffer's worth of the file at a time. */
        private final class FileChunks extends IteratingCallback {
            private final FileChannel file;
            private final long size;
            private final Callback done;
            private final ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
            private long position;

            FileChunks(FileChannel file, long size, Callback done) {
                this.file = file;
                this.size = size;
                this.done = done;
            }

            @Override
            protected Action process() throws IOException {
                if (position >= size) {
                    return Action.SUCCEEDED;
                }
                chunk.clear().limit((int) Math.min(chunk.capacity(), size - position));
                bodyBefore = position;
                while (chunk.hasRemaining()) {
                    if (file.read(chunk, position + chunk.position()) < 0) {
                        throw new IOException("file shrank while it was being sent");
                    }
                }
                chunk.flip();
                position += chunk.remaining();
                body = chunk;
                if (head.hasRemaining()) {
                    endPoint.write(this, head, chunk);
                } else {
                    endPoint.write(this, chunk);
                }
                return Action.SCHEDULED;
            }

            @Override
            protected void onCompleteSuccess() {
                done.succeeded();
            }

            @Override
            protected void onCompleteFailure(Throwable cause) {
                done.failed(cause);
            }

            @Override
            public InvocationType getInvocationType() {
                return InvocationType.NON_BLOCKING;
            }
        }
    }
}
