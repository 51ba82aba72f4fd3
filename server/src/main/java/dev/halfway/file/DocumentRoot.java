package dev.halfway.file;

import dev.halfway.http.HttpError;
import dev.halfway.http.Status;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.InvalidPathException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The directory whose files halfway serves, and the only place request paths meet the file
 * system.
 *
 * <p>Contract of {@link #resolve(String)}:
 * <ul>
 *   <li>the path is parsed by {@link RequestPath} (400/403 from there);
 *   <li>nothing is ever opened: types and sizes come from {@link BasicFileAttributes}, so a FIFO
 *       or device under the root cannot block or trigger anything;
 *   <li>with {@code followSymlinks} false, a name whose real path (all links followed) lies
 *       outside the real root is 403; links that stay inside are fine. With it true, links are
 *       followed anywhere;
 *   <li>anything but a regular file or directory is 403 (an unreadable file is found here and
 *       refused with 403 when the responder opens it);
 *   <li>a missing name, a dangling link, a link loop, or any other {@link FileSystemException}
 *       is 404: the client learns nothing it could not learn from a missing file.
 * </ul>
 * The checks and the later open are not atomic: whoever can change the tree under the root
 * while halfway runs can swap a checked name. The root is the operator's, so that is accepted;
 * returning the real path keeps links in the request's own name out of the later open.
 */
public final class DocumentRoot {
    private static final String INDEX = "index.html";

    private final Path root;
    private final boolean followSymlinks;

    /**
     * @param root           an existing directory; its real path is kept
     * @param followSymlinks whether links may lead outside the root
     * @throws IllegalArgumentException if root does not exist, is not a directory, or its real
     *                                  path cannot be read
     */
    public DocumentRoot(Path root, boolean followSymlinks) {
        Objects.requireNonNull(root, "root");
        if (!Files.exists(root)) {
            throw new IllegalArgumentException("document root does not exist: " + root);
        }
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("document root is not a directory: " + root);
        }
        try {
            this.root = root.toRealPath();
        } catch (IOException e) {
            throw new IllegalArgumentException("document root cannot be resolved: " + root + ": " + e, e);
        }
        this.followSymlinks = followSymlinks;
    }

    /** The real path of the root. */
    public Path root() {
        return root;
    }

    public boolean followSymlinks() {
        return followSymlinks;
    }

    /**
     * What {@code encodedPath} (origin-form path, query removed, still percent-encoded) names.
     *
     * @throws HttpError 400, 403 or 404 as in the class contract; 500 for an I/O failure that
     *                   is not a file-system answer
     */
    public Resolution resolve(String encodedPath) {
        List<String> segments = RequestPath.segments(encodedPath);
        Path named = root;
        BasicFileAttributes attributes = null;
        boolean throughLink = false;
        for (String segment : segments) {
            try {
                named = named.resolve(segment);
            } catch (InvalidPathException e) {
                // The JVM's file-name encoding (a C/POSIX locale: ASCII) cannot spell this name,
                // so no file can have it.
                throw new HttpError(Status.NOT_FOUND, "name not representable in the file-name encoding");
            }
            if (!throughLink) {
                // One lstat per segment below the (real) root: while none is a link, the named
                // path is its own real path, and the last lstat gives the attributes.
                attributes = attributes(named);
                throughLink = attributes.isSymbolicLink();
            }
        }
        boolean directoryForm = RequestPath.hasTrailingSlash(encodedPath);

        Path real = throughLink ? realPath(named) : named;
        BasicFileAttributes found = throughLink ? attributes(real) : attributes != null ? attributes : attributes(root);
        if (found.isDirectory()) {
            if (!directoryForm) {
                return new Resolution.Redirect(encodedPath + "/");
            }
            return index(real).orElseGet(() -> directory(real, found));
        }
        if (directoryForm) {
            // RFC 3986 §3.3: "/file.txt/" names something inside file.txt, which cannot exist.
            throw new HttpError(Status.NOT_FOUND, "not a directory");
        }
        return file(real, found);
    }

    /** The directory's index.html as a File; empty if there is none, or it is a directory. */
    private Optional<Resolution> index(Path directory) {
        Path index = directory.resolve(INDEX);
        BasicFileAttributes own;
        try {
            own = Files.readAttributes(index, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            return Optional.empty(); // no index.html
        }
        // A link, FIFO or unreadable file named index.html fails like any other name would:
        // falling back to a listing would show what the operator meant to hide behind the index.
        Path real = own.isSymbolicLink() ? realPath(index) : index;
        BasicFileAttributes attributes = own.isSymbolicLink() ? attributes(real) : own;
        if (attributes.isDirectory()) {
            return Optional.empty();
        }
        return Optional.of(file(real, attributes));
    }

    private Resolution directory(Path real, BasicFileAttributes attributes) {
        if (!Files.isReadable(real)) {
            throw new HttpError(Status.FORBIDDEN, "directory is not readable");
        }
        return new Resolution.Directory(real, attributes.lastModifiedTime());
    }

    /** Whether the file can be read is learnt when it is opened (403 then), not by a separate access(2). */
    private static Resolution file(Path real, BasicFileAttributes attributes) {
        if (!attributes.isRegularFile()) {
            throw new HttpError(Status.FORBIDDEN, "not a regular file");
        }
        return new Resolution.File(real, attributes.size(), attributes.lastModifiedTime());
    }

    /** The real path of {@code named}, checked against the root unless links may leave it. */
    private Path realPath(Path named) {
        Path real;
        try {
            real = named.toRealPath();
        } catch (NoSuchFileException e) {
            throw new HttpError(Status.NOT_FOUND, "no such file");
        } catch (FileSystemException e) {
            throw new HttpError(Status.NOT_FOUND, "path cannot be resolved");
        } catch (IOException e) {
            throw new HttpError(Status.INTERNAL_SERVER_ERROR, "i/o error resolving path");
        }
        if (!followSymlinks && !real.startsWith(root)) {
            throw new HttpError(Status.FORBIDDEN, "symbolic link leaves the document root");
        }
        return real;
    }

    /** Attributes of a path itself (a link is not followed), read without opening the file. */
    private static BasicFileAttributes attributes(Path real) {
        try {
            return Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new HttpError(Status.NOT_FOUND, "no such file");
        } catch (FileSystemException e) {
            throw new HttpError(Status.NOT_FOUND, "path cannot be resolved");
        } catch (IOException e) {
            throw new HttpError(Status.INTERNAL_SERVER_ERROR, "i/o error resolving path");
        }
    }
}
