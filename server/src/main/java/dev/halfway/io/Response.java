package dev.halfway.io;

import dev.halfway.http.Status;
import java.nio.channels.FileChannel;

/**
 * What to send: a head (empty for an HTTP/0.9 Simple-Response) and a body, either bytes made in
 * memory (error pages, listings) or a region of a file, streamed without reading it into the heap.
 *
 * @param status the status the response stands for (also for a 0.9 response, which has no status line)
 * @param head   the encoded head, possibly empty
 * @param bytes  an in-memory body, or null
 * @param file   a file body, already open (the receiver closes it), or null
 * @param owed   body bytes this response promises to send
 * @param reason why an error response was chosen (fixed text, for the log), or null
 */
public record Response(Status status, byte[] head, byte[] bytes, FileChannel file, long owed, String reason) {

    public static Response ofBytes(Status status, byte[] head, byte[] body) {
        return new Response(status, head, body, null, body.length, null);
    }

    public static Response ofFile(Status status, byte[] head, FileChannel file, long size) {
        return new Response(status, head, null, file, size, null);
    }

    /** The same response, remembering why it was chosen. */
    public Response because(String why) {
        return new Response(status, head, bytes, file, owed, why);
    }

    public static Response headOnly(Status status, byte[] head) {
        return new Response(status, head, null, null, 0, null);
    }
}
