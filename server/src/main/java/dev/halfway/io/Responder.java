package dev.halfway.io;

import dev.halfway.file.DirectoryListing;
import dev.halfway.file.DocumentRoot;
import dev.halfway.file.MimeTypes;
import dev.halfway.file.RequestPath;
import dev.halfway.file.Resolution;
import dev.halfway.http.ErrorPage;
import dev.halfway.http.HttpDate;
import dev.halfway.http.HttpError;
import dev.halfway.http.Method;
import dev.halfway.http.Request;
import dev.halfway.http.RequestTarget;
import dev.halfway.http.ResponseHead;
import dev.halfway.http.Status;
import dev.halfway.http.Version;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.function.Supplier;

/**
 * Turns a complete request into a {@link Response}: the static-file semantics of halfway, with no
 * I/O beyond looking at the document root. Every refusal is an {@link HttpError}, and
 * {@link #error} is the one place an error becomes a response.
 *
 * <p>A 200 file response for a small file comes from the {@link FileCache}: a path found there is
 * answered from memory, before the document root is asked anything (the path is still parsed and
 * checked first, so every refusal of {@link RequestPath} stands); a small file found by the
 * document root is read into it, and answered from what was read.
 */
public final class Responder {
    private static final byte[] NO_HEAD = new byte[0];

    private final DocumentRoot root;
    private final boolean listing;
    private final FileCache files;

    /** @param files the small-file cache the 200 file responses come from and go to */
    Responder(DocumentRoot root, boolean listing, FileCache files) {
        this.root = root;
        this.listing = listing;
        this.files = files;
    }

    /**
     * @param origin scheme, host and port of the socket the request arrived on
     *               ({@code https://127.0.0.1:8443}), for the absolute {@code Location} of a
     *               redirect (RFC 1945 §10.11 requires an absoluteURI)
     */
    public Response respond(Request request, Supplier<String> origin) {
        Version version = request.version();
        try {
            if (!request.method().isServed()) {
                throw new HttpError(Status.METHOD_NOT_ALLOWED, "method not allowed");
            }
            RequestPath.Parsed path = RequestPath.parse(RequestTarget.parse(request.line().target()).path());
            boolean head = request.method() == Method.HEAD;
            FileCache.Entry cached = files.get(path.key());
            if (cached != null) {
                return file(request, head, cached);
            }
            Resolution resolution = root.resolve(path);
            if (resolution instanceof Resolution.Redirect r) {
                byte[] h = new ResponseHead(Status.MOVED_PERMANENTLY)
                        .field("Location", origin.get() + r.location())
                        .field("Content-Length", 0).encode();
                return version == Version.HTTP_0_9
                        ? error(Status.NOT_FOUND, version, false, "a Simple-Response cannot redirect")
                        : Response.headOnly(Status.MOVED_PERMANENTLY, h);
            }
            if (resolution instanceof Resolution.Directory d) {
                if (!listing) {
                    throw new HttpError(Status.FORBIDDEN, "directory listing is off");
                }
                byte[] page = DirectoryListing.html(path.encoded(), DirectoryListing.read(d.path())).getBytes(StandardCharsets.UTF_8);
                return bytes(version, head, new ResponseHead(Status.OK)
                        .field("Content-Type", "text/html; charset=utf-8")
                        .field("Content-Length", page.length), page);
            }
            Resolution.File f = (Resolution.File) resolution;
            FileCache.Entry read = files.fill(path, f, Responder::entry);
            if (read != null) {
                return file(request, head, read);
            }
            Instant modified = f.lastModified().toInstant();
            if (version != Version.HTTP_0_9 && notModifiedSince(request.field("If-Modified-Since"), modified)) {
                // RFC 1945 §10.9: a 304 has no body.
                return Response.headOnly(Status.NOT_MODIFIED, new ResponseHead(Status.NOT_MODIFIED)
                        .field("Last-Modified", HttpDate.format(modified)).encode());
            }
            ResponseHead h = new ResponseHead(Status.OK)
                    .field("Content-Type", MimeTypes.contentType(f.path().getFileName().toString()))
                    .field("Content-Length", f.size())
                    .field("Last-Modified", HttpDate.format(modified));
            byte[] encoded = version == Version.HTTP_0_9 ? new byte[0] : h.encode();
            if (head || f.size() == 0) {
                return Response.headOnly(Status.OK, encoded);
            }
            return Response.ofFile(Status.OK, encoded, open(f.path()), f.size());
        } catch (HttpError e) {
            return error(e.status(), version, request.method() == Method.HEAD, e.reason());
        }
    }

    /** A 200 file response, or its 304, from a file held in memory: the head and body go out in one write. */
    private static Response file(Request request, boolean head, FileCache.Entry entry) {
        if (request.version() == Version.HTTP_0_9) {
            return Response.ofBytes(Status.OK, NO_HEAD, entry.body());
        }
        if (notModifiedSince(request.field("If-Modified-Since"), entry.lastModified())) {
            return Response.headOnly(Status.NOT_MODIFIED, entry.notModified().encode());
        }
        byte[] encoded = entry.ok().encode();
        return head || entry.body().length == 0 ? Response.headOnly(Status.OK, encoded) : Response.ofBytes(Status.OK, encoded, entry.body());
    }

    /** What a file read into memory answers with: the same heads as {@link #respond} makes for it, encoded but for the date. */
    private static FileCache.Entry entry(Path file, byte[] body, FileTime lastModified) {
        Instant modified = lastModified.toInstant();
        String lastModifiedText = HttpDate.format(modified);
        ResponseHead ok = new ResponseHead(Status.OK)
                .field("Content-Type", MimeTypes.contentType(file.getFileName().toString()))
                .field("Content-Length", body.length)
                .field("Last-Modified", lastModifiedText);
        ResponseHead notModified = new ResponseHead(Status.NOT_MODIFIED).field("Last-Modified", lastModifiedText);
        return new FileCache.Entry(body, modified, ok.preencode(), notModified.preencode());
    }

    /**
     * The response for an error status: a fixed page, never a reflection of the request.
     * {@code reason} is fixed text for the access log.
     */
    public static Response error(Status status, Version version, boolean headRequest, String reason) {
        byte[] page = ErrorPage.body(status);
        if (version == Version.HTTP_0_9) {
            return Response.ofBytes(status, new byte[0], page).because(reason); // RFC 1945 §6: a Simple-Response is the body alone
        }
        ResponseHead h = new ResponseHead(status)
                .field("Content-Type", ErrorPage.CONTENT_TYPE)
                .field("Content-Length", page.length);
        if (status == Status.METHOD_NOT_ALLOWED) {
            h.field("Allow", Method.ALLOW);
        }
        return bytes(version, headRequest, h, page).because(reason);
    }

    private static Response bytes(Version version, boolean headRequest, ResponseHead h, byte[] body) {
        if (headRequest) {
            return Response.headOnly(h.status(), h.encode());
        }
        return Response.ofBytes(h.status(), version == Version.HTTP_0_9 ? new byte[0] : h.encode(), body);
    }

    /** Opens a file found by the document root; whether it may be read is learnt here. */
    private static FileChannel open(Path file) {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (AccessDeniedException e) {
            throw new HttpError(Status.FORBIDDEN, "file is not readable");
        } catch (NoSuchFileException e) {
            throw new HttpError(Status.NOT_FOUND, "file vanished before it was opened");
        } catch (IOException e) {
            throw new HttpError(Status.INTERNAL_SERVER_ERROR, "file could not be opened");
        }
    }

    /** RFC 1945 §10.9: ignore a date that does not parse or lies in the future; compare whole seconds. */
    private static boolean notModifiedSince(String ifModifiedSince, Instant modified) {
        Instant since = HttpDate.parse(ifModifiedSince);
        if (since == null || since.isAfter(Instant.now())) {
            return false;
        }
        return modified.getEpochSecond() <= since.getEpochSecond();
    }
}
